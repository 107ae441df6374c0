import Foundation
import Testing

/// The admin API over real HTTP against `sluice serve`: the documented mutations posted verbatim, their
/// effect proven by ingesting with the tokens they create, change and remove, the permission refusals,
/// and the audit trail in the `humio-audit` repository's WAL.
@Suite(.serialized) struct AdminAPITests {
    let server: SluiceProcess
    let rootToken: String
    let sandboxToken: String

    init() throws {
        server = try SluiceProcess(arguments: ["--fsync", "always"])
        let credentials = try server.bootstrapCredentials()
        rootToken = try #require(credentials["apiToken"])
        sandboxToken = try #require(credentials["ingestToken"])
    }

    /// Posts a GraphQL request with `token` (none when nil).
    func graphql(_ query: String, variables: [String: Any] = [:], token: String?) throws -> (status: Int, object: [String: Any], text: String) {
        let client = try RawHTTPClient(port: server.port)
        var headers = ["Content-Type": "application/json"]
        if let token { headers["Authorization"] = "Bearer \(token)" }
        let body = try JSONSerialization.data(withJSONObject: ["query": query, "variables": variables])
        let answer = try client.request("POST", "/graphql", headers: headers, body: Array(body))
        let object = (try? answer.json()) as? [String: Any] ?? [:]
        return (answer.status, object, answer.text)
    }

    func ingest(_ token: String, _ line: String) throws -> Int {
        let client = try RawHTTPClient(port: server.port)
        return try client.request("POST", "/api/v1/ingest/raw", headers: ["Authorization": "Bearer \(token)"], body: Array(line.utf8)).status
    }

    func value(_ object: [String: Any], _ path: String...) -> Any? {
        var current: Any? = object["data"]
        for key in path { current = (current as? [String: Any])?[key] }
        return current
    }

    func messages(_ object: [String: Any]) -> [String] {
        (object["errors"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
    }

    @Test func documentedMutationsTakeEffectOnTheNextRequest() throws {
        let created = try graphql(#"mutation { createRepository(name: "web") { repository { name } } }"#, token: rootToken)
        #expect(value(created.object, "createRepository", "repository", "name") as? String == "web", "\(created.text)")

        let added = try graphql("""
            mutation {
              addIngestTokenV3(input: { repositoryName: "web", name: "shipper" }) {
                name
                token
                parser { name }
              }
            }
            """, token: rootToken)
        let token = try #require(value(added.object, "addIngestTokenV3", "token") as? String, "\(added.text)")
        #expect(try ingest(token, "first line") == 200)

        let listed = try graphql(#"query { repository(name: "web") { ingestTokens { name token parser { name } } } }"#, token: rootToken)
        let names = (value(listed.object, "repository", "ingestTokens") as? [[String: Any]])?.compactMap { $0["name"] as? String }
        #expect(names == ["default", "shipper"])

        let removed = try graphql(#"mutation { removeIngestToken(repositoryName: "web", name: "shipper") { result } }"#, token: rootToken)
        #expect(value(removed.object, "removeIngestToken", "result") as? Bool == true)
        #expect(try ingest(token, "after removal") == 401)
        #expect(try StoredEvents.read(dataDirectory: server.dataDirectory, repository: "web").map(\.rawstring) == ["first line"])
    }

    @Test func assignedParserParsesTheNextEvent() throws {
        let added = try graphql(#"mutation { addIngestTokenV3(input: {repositoryName: "sandbox", name: "kv-token"}) { token } }"#, token: rootToken)
        let token = try #require(value(added.object, "addIngestTokenV3", "token") as? String, "\(added.text)")
        #expect(try ingest(token, "before=1") == 200)
        let assigned = try graphql("""
            mutation { assignParserToIngestTokenV2(input: { repositoryName: "sandbox", tokenName: "kv-token", parser: "kv" }) { name parser { name } } }
            """, token: rootToken)
        #expect(value(assigned.object, "assignParserToIngestTokenV2", "parser", "name") as? String == "kv", "\(assigned.text)")
        #expect(try ingest(token, "after=2 level=warn") == 200)
        let unassigned = try graphql(#"mutation { unassignIngestToken(repositoryName: "sandbox", tokenName: "kv-token") { repository { name } } }"#, token: rootToken)
        #expect(value(unassigned.object, "unassignIngestToken", "repository", "name") as? String == "sandbox")
        #expect(try ingest(token, "unparsed=3") == 200)

        let events = try StoredEvents.read(dataDirectory: server.dataDirectory, repository: "sandbox")
        #expect(events.map(\.rawstring) == ["before=1", "after=2 level=warn", "unparsed=3"])
        #expect(events[0].fields["before"] == nil)
        #expect(events[1].fields["after"] == "2")
        #expect(events[1].fields["level"] == "warn")
        #expect(events[2].fields["unparsed"] == nil)
    }

    @Test func customTokensNeedTheFeature() throws {
        let custom = "operator-chosen-token-42"
        let query = #"mutation { addIngestTokenV3(input: {repositoryName: "sandbox", name: "custom", customToken: "\#(custom)"}) { token } }"#
        let refused = try graphql(query, token: rootToken)
        #expect(messages(refused.object) == ["custom ingest tokens need the feature CustomIngestTokens to be enabled"])
        #expect(try ingest(custom, "x") == 401)
        let enabled = try graphql("mutation { enableFeature(feature: CustomIngestTokens) }", token: rootToken)
        #expect(value(enabled.object, "enableFeature") as? Bool == true)
        let added = try graphql(query, token: rootToken)
        #expect(value(added.object, "addIngestTokenV3", "token") as? String == custom, "\(added.text)")
        #expect(try ingest(custom, "with custom token") == 200)
    }

    @Test func credentialsAndPermissions() throws {
        let query = #"{ repository(name: "sandbox") { ingestTokens { name token } } }"#
        #expect(try graphql(query, token: nil).status == 401)
        #expect(try graphql(query, token: "garbage~" + String(repeating: "g", count: 43)).status == 401)
        let ingestToken = try graphql(query, token: sandboxToken)
        #expect(ingestToken.status == 403)
        #expect(!ingestToken.text.contains(sandboxToken))

        let orgToken = try graphql(#"mutation { createOrganizationPermissionsToken(input: {name: "shipper", permissions: [IngestAcrossAllReposWithinOrganization]}) }"#, token: rootToken)
        let org = try #require(value(orgToken.object, "createOrganizationPermissionsToken") as? String, "\(orgToken.text)")
        let refused = try graphql(query, token: org)
        #expect(refused.status == 200)
        #expect(messages(refused.object) == ["You don't have permission to read ingest tokens."])
        #expect(!refused.text.contains(sandboxToken))

        let systemToken = try graphql(#"mutation { createSystemPermissionsToken(input: {name: "ops", permissions: [ChangeIngestTokens]}) }"#, token: rootToken)
        let system = try #require(value(systemToken.object, "createSystemPermissionsToken") as? String)
        let allowed = try graphql(query, token: system)
        #expect(allowed.text.contains(sandboxToken), "\(allowed.text)")
        let systemRepository = try graphql(#"{ repository(name: "humio") { ingestTokens { token } } }"#, token: rootToken)
        #expect(messages(systemRepository.object) == ["You don't have permission to read ingest tokens."])
    }

    @Test func requestLimitsAndMethods() throws {
        let client = try RawHTTPClient(port: server.port)
        #expect(try client.request("GET", "/graphql", headers: ["Authorization": "Bearer \(rootToken)"]).status == 405)
        let big = [UInt8](repeating: UInt8(ascii: " "), count: (1 << 20) + 1)
        // Refused from its announced length, before the body is read; the connection closes after the answer.
        #expect(try client.request("POST", "/graphql", headers: ["Authorization": "Bearer \(rootToken)"], body: big).status == 413)
        #expect(try client.isClosedByServer())
        // __schema (1) types (2) fields (3) type (4), 11 × ofType (5–15), name (16).
        let deep = "{ __schema { types { fields { type { " + String(repeating: "ofType { ", count: 11) + "name" + String(repeating: " }", count: 16)
        let answer = try graphql(deep, token: rootToken)
        #expect(answer.status == 400)
        #expect(messages(answer.object) == ["Query too complex: depth exceeds 15"])
        // Nested deep enough to overflow a recursive parser: refused from the text, and the server lives on.
        let nested = try graphql("{" + String(repeating: "a{", count: 300_000) + String(repeating: "}", count: 300_001), token: rootToken)
        #expect(nested.status == 400)
        #expect(try RawHTTPClient(port: server.port).request("GET", "/api/v1/status").status == 200)
    }

    @Test func everyMutationIsAudited() throws {
        let added = try graphql(#"mutation { addIngestTokenV3(input: {repositoryName: "sandbox", name: "audited"}) { token } }"#, token: rootToken)
        let token = try #require(value(added.object, "addIngestTokenV3", "token") as? String)
        let refused = try graphql("mutation { enableFeature(feature: CustomIngestTokens) }", token: try orgToken())
        #expect(messages(refused.object) == ["Only root users may do this."])

        let audit = try StoredEvents.read(dataDirectory: server.dataDirectory, repository: "humio-audit")
        let rows = audit.map { [$0.fields["actor"], $0.fields["operation"], $0.fields["repository"], $0.fields["tokenName"], $0.fields["result"]] }
        #expect(rows == [
            ["admin", "addIngestTokenV3", "sandbox", "audited", "success"],
            ["admin", "createOrganizationPermissionsToken", nil, "auditor", "success"],
            ["auditor", "enableFeature", nil, nil, "refused"],
        ])
        #expect(audit.last?.fields["error"] == "Only root users may do this.")
        #expect(!audit.contains { $0.rawstring.contains(token) || $0.fields.values.contains(token) })
    }

    private func orgToken() throws -> String {
        let created = try graphql(#"mutation { createOrganizationPermissionsToken(input: {name: "auditor", permissions: [CreateRepository]}) }"#, token: rootToken)
        return try #require(value(created.object, "createOrganizationPermissionsToken") as? String, "\(created.text)")
    }

    /// Names whose folder would not fit, or that look like another name, are refused by GraphQL and the CLI
    /// with the reason; the longest name that fits is created and receives data.
    @Test func repositoryNamesThatCouldNeverReceiveDataAreRefused() throws {
        let mutation = "mutation($name: String!) { createRepository(name: $name) { repository { name } } }"
        for name in [String(repeating: "日", count: 27), String(repeating: "a", count: 241), "web ", "a\u{202E}b"] {
            let answer = try graphql(mutation, variables: ["name": name], token: rootToken)
            #expect(answer.text.contains("repository name"), "\(answer.text)")
            let cli = try SluiceProcess.run(["repos", "add", "--data", server.dataDirectory, "--name", name])
            #expect(cli.status != 0)
            #expect(cli.stderr.contains("repository name"), "\(cli.stderr)")
        }
        #expect(try graphql(mutation, variables: ["name": String(repeating: "a", count: 241)], token: rootToken).text.contains("at most 240 bytes"))
        let longest = String(repeating: "a", count: 240)
        let added = try SluiceProcess.run(["repos", "add", "--data", server.dataDirectory, "--name", longest, "--reload"])
        #expect(added.status == 0, "\(added.stderr)")
        try server.waitForLog("tokens=reloaded")
        let token = added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try ingest(token, "fits=1") == 200)
        #expect(try StoredEvents.read(dataDirectory: server.dataDirectory, repository: longest).map(\.rawstring) == ["fits=1"])
    }
}
