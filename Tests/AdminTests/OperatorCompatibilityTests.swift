import Admin
import Foundation
import Testing
import Tokens

/// The documents a LogScale operator-style client sends (named operations, variables with PascalCase
/// names, a shared fragment, `__typename` selections, explicit nulls), run in the order it runs them.
@Suite struct OperatorCompatibilityTests {
    static let document = """
        fragment IngestTokenDetails on IngestToken { name token parser { name } }
        query ListIngestTokens($RepositoryName: String!) {
          repository(name: $RepositoryName) { ingestTokens { ...IngestTokenDetails } }
        }
        mutation AddIngestToken($RepositoryName: String!, $Name: String!, $ParserName: String) {
          addIngestTokenV3(input: { repositoryName: $RepositoryName, name: $Name, parser: $ParserName }) { ...IngestTokenDetails }
        }
        mutation AssignParserToIngestToken($RepositoryName: String!, $IngestTokenName: String!, $ParserName: String!) {
          assignParserToIngestTokenV2(input: { repositoryName: $RepositoryName, parser: $ParserName, tokenName: $IngestTokenName }) { __typename }
        }
        mutation UnassignParserToIngestToken($RepositoryName: String!, $IngestTokenName: String!) {
          unassignIngestToken(repositoryName: $RepositoryName, tokenName: $IngestTokenName) { __typename }
        }
        mutation RemoveIngestToken($RepositoryName: String!, $Name: String!) {
          removeIngestToken(repositoryName: $RepositoryName, name: $Name) { __typename }
        }
        """

    @Test func operatorLifecycle() async throws {
        let harness = try AdminHarness()
        func run(_ operation: String, _ variables: [String: Any]) async throws -> Answer {
            let answer = try await harness.run(Self.document, variables: variables, operationName: operation)
            #expect(answer.status == 200 && answer.errors.isEmpty, "\(operation): \(answer.text)")
            return answer
        }
        let added = try await run("AddIngestToken", ["RepositoryName": "web", "Name": "operator", "ParserName": NSNull()])
        #expect(added.value("addIngestTokenV3", "name") as? String == "operator")
        #expect(added.value("addIngestTokenV3", "parser") is NSNull)

        let assigned = try await run("AssignParserToIngestToken", ["RepositoryName": "web", "IngestTokenName": "operator", "ParserName": "accesslog"])
        #expect(assigned.value("assignParserToIngestTokenV2", "__typename") as? String == "IngestToken")
        let listed = try await run("ListIngestTokens", ["RepositoryName": "web"])
        let tokens = try #require(listed.value("repository", "ingestTokens") as? [[String: Any]])
        #expect(tokens.first { $0["name"] as? String == "operator" }.flatMap { ($0["parser"] as? [String: Any])?["name"] as? String } == "accesslog")

        let unassigned = try await run("UnassignParserToIngestToken", ["RepositoryName": "web", "IngestTokenName": "operator"])
        #expect(unassigned.value("unassignIngestToken", "__typename") as? String == "UnassignIngestTokenMutation")
        let removed = try await run("RemoveIngestToken", ["RepositoryName": "web", "Name": "operator"])
        #expect(removed.value("removeIngestToken", "__typename") as? String == "BooleanResultType")
        #expect(!harness.store.snapshot.ingestTokens.contains { $0.name == "operator" })
    }
}
