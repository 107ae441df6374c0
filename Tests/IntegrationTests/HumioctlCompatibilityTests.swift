import Foundation
import Testing

/// The operations LogScale's CLI (`humioctl repos create|show|list|update`, `parsers list`) sends, with its
/// operation names, variable names and selections, against `sluice serve`; every field humioctl reads is
/// checked with its type and nullability, in the order an operator runs the commands.
@Suite(.serialized) struct HumioctlCompatibilityTests {
    let server: SluiceProcess
    let rootToken: String

    init() throws {
        server = try SluiceProcess(arguments: ["--fsync", "always", "--retention-hours", "48", "--retention-bytes", "5000000000"])
        rootToken = try #require(try server.bootstrapCredentials()["apiToken"])
    }

    /// Every field of a repository humioctl's `repos create` and `repos show` select.
    static let repositoryDetails = """
        fragment RepositoryDetails on Repository {
          id name description timeBasedRetention ingestSizeBasedRetention storageSizeBasedRetention
          compressedByteSize automaticSearch s3ArchivingConfiguration { bucket region disabled format }
        }
        """

    func graphql(_ query: String, _ variables: [String: Any], operationName: String) throws -> (status: Int, object: [String: Any], text: String) {
        let client = try RawHTTPClient(port: server.port)
        let body = try JSONSerialization.data(withJSONObject: ["query": query, "variables": variables, "operationName": operationName])
        let answer = try client.request("POST", "/graphql", headers: ["Content-Type": "application/json", "Authorization": "Bearer \(rootToken)"],
                                        body: Array(body))
        return (answer.status, (try? answer.json()) as? [String: Any] ?? [:], answer.text)
    }

    func data(_ answer: (status: Int, object: [String: Any], text: String), _ path: String...) -> Any? {
        var current: Any? = answer.object["data"]
        for key in path { current = (current as? [String: Any])?[key] }
        return current
    }

    /// Checks the `RepositoryDetails` humioctl decodes: non-null fields present with their type, nullable
    /// ones present (as JSON null where Sluice has no value).
    func expectDetails(_ repository: [String: Any]?, name: String, description: String?,
                       retention: (days: Double, ingestGB: Double?, storageGB: Double) = (2, nil, 5)) throws -> (id: String, bytes: Int) {
        let repository = try #require(repository)
        #expect(Set(repository.keys) == ["id", "name", "description", "timeBasedRetention", "ingestSizeBasedRetention",
                                         "storageSizeBasedRetention", "compressedByteSize", "automaticSearch", "s3ArchivingConfiguration"])
        let id = try #require(repository["id"] as? String)
        #expect(id.count == 22 && id.allSatisfy { $0.isLetter || $0.isNumber })
        #expect(repository["name"] as? String == name)
        if let description { #expect(repository["description"] as? String == description) } else { #expect(repository["description"] is NSNull) }
        #expect((repository["timeBasedRetention"] as? NSNumber)?.doubleValue == retention.days)
        if let ingest = retention.ingestGB {
            #expect((repository["ingestSizeBasedRetention"] as? NSNumber)?.doubleValue == ingest)
        } else {
            #expect(repository["ingestSizeBasedRetention"] is NSNull)
        }
        #expect((repository["storageSizeBasedRetention"] as? NSNumber)?.doubleValue == retention.storageGB)
        let bytes = try #require(repository["compressedByteSize"] as? Int)
        #expect(repository["automaticSearch"] as? Bool == true)
        #expect(repository["s3ArchivingConfiguration"] is NSNull)
        return (id, bytes)
    }

    @Test func reposCreateShowListUpdateAndParsersList() throws {
        let created = try graphql("""
            mutation CreateRepository($RepositoryName: String!) {
              createRepository(name: $RepositoryName) { repository { ...RepositoryDetails } }
            }
            """ + Self.repositoryDetails, ["RepositoryName": "payments"], operationName: "CreateRepository")
        #expect(created.status == 200, "\(created.text)")
        let fresh = try expectDetails(data(created, "createRepository", "repository") as? [String: Any], name: "payments", description: nil)
        #expect(fresh.bytes == 0)

        let added = try graphql("mutation AddToken($R: String!) { addIngestTokenV3(input: {repositoryName: $R, name: \"t\"}) { token } }",
                                ["R": "payments"], operationName: "AddToken")
        let token = try #require(data(added, "addIngestTokenV3", "token") as? String, "\(added.text)")
        let ingest = try RawHTTPClient(port: server.port).request("POST", "/api/v1/ingest/raw", headers: ["Authorization": "Bearer \(token)"],
                                                                  body: Array("amount=12".utf8))
        #expect(ingest.status == 200)

        let show = "query GetRepository($RepositoryName: String!) { repository(name: $RepositoryName) { ...RepositoryDetails } }\n"
            + Self.repositoryDetails
        let shown = try graphql(show, ["RepositoryName": "payments"], operationName: "GetRepository")
        let details = try expectDetails(data(shown, "repository") as? [String: Any], name: "payments", description: nil)
        #expect(details.id == fresh.id)
        #expect(details.bytes > 0, "its WAL holds a record now")

        let listed = try graphql("query ListRepositories { repositories { id name compressedByteSize } }", [:], operationName: "ListRepositories")
        let rows = try #require(data(listed, "repositories") as? [[String: Any]], "\(listed.text)")
        let row = try #require(rows.first { $0["name"] as? String == "payments" })
        #expect(row["id"] as? String == fresh.id)
        #expect(row["compressedByteSize"] as? Int == details.bytes)
        #expect(rows.allSatisfy { ($0["id"] as? String)?.isEmpty == false && $0["compressedByteSize"] is Int })
        #expect(Set(rows.compactMap { $0["id"] as? String }).count == rows.count, "ids are unique")

        let described = try graphql("""
            mutation UpdateDescriptionForSearchDomain($SearchDomainName: String!, $NewDescription: String!) {
              updateDescriptionForSearchDomain(name: $SearchDomainName, newDescription: $NewDescription) { __typename }
            }
            """, ["SearchDomainName": "payments", "NewDescription": "card payments"], operationName: "UpdateDescriptionForSearchDomain")
        #expect(data(described, "updateDescriptionForSearchDomain", "__typename") as? String == "UpdateDescriptionMutation", "\(described.text)")
        let again = try graphql(show, ["RepositoryName": "payments"], operationName: "GetRepository")
        #expect(try expectDetails(data(again, "repository") as? [String: Any], name: "payments", description: "card payments").id == fresh.id)

        // `repos update --retention-time / --ingest-size-based-retention / --storage-size-based-retention`:
        // one mutation each, each changing its own setting; the repository's values win over the server's.
        for (operation, argument, variable, value) in [("UpdateTimeBasedRetention", "timeBasedRetention", "RetentionInDays", 30.0),
                                                       ("UpdateIngestBasedRetention", "ingestSizeBasedRetention", "IngestInGB", 12.5),
                                                       ("UpdateStorageBasedRetention", "storageSizeBasedRetention", "StorageInGB", 3.0)] {
            let updated = try graphql("""
                mutation \(operation)($RepositoryName: String!, $\(variable): Float) {
                  updateRetention(repositoryName: $RepositoryName, \(argument): $\(variable)) { __typename }
                }
                """, ["RepositoryName": "payments", variable: value], operationName: operation)
            #expect(data(updated, "updateRetention", "__typename") as? String == "UpdateRetentionMutation", "\(updated.text)")
        }
        let retained = try graphql(show, ["RepositoryName": "payments"], operationName: "GetRepository")
        _ = try expectDetails(data(retained, "repository") as? [String: Any], name: "payments", description: "card payments",
                              retention: (30, 12.5, 3))
        let refused = try graphql("""
            mutation UpdateTimeBasedRetention($RepositoryName: String!, $RetentionInDays: Float) {
              updateRetention(repositoryName: $RepositoryName, timeBasedRetention: $RetentionInDays) { __typename }
            }
            """, ["RepositoryName": "payments", "RetentionInDays": -1], operationName: "UpdateTimeBasedRetention")
        #expect(refused.object["data"] is NSNull, "\(refused.text)")
        #expect(((refused.object["errors"] as? [[String: Any]])?.first?["message"] as? String)?
                    .hasPrefix("timeBasedRetention must be a positive number of days") == true)

        let parsers = try graphql("query ListParsers($RepositoryName: String!) { repository(name: $RepositoryName) { parsers { id name isBuiltIn } } }",
                                  ["RepositoryName": "payments"], operationName: "ListParsers")
        let list = try #require(data(parsers, "repository", "parsers") as? [[String: Any]], "\(parsers.text)")
        #expect(list.contains { $0["id"] as? String == "kv" && $0["name"] as? String == "kv" && $0["isBuiltIn"] as? Bool == true })
        #expect(list.allSatisfy { $0["id"] is String && $0["name"] is String && $0["isBuiltIn"] is Bool })

        // The id is in the snapshot, so it survives a reload; the changes are audited.
        let snapshot = try String(contentsOfFile: server.dataDirectory + "/tokens.json", encoding: .utf8)
        #expect(snapshot.contains("\"id\": \"\(fresh.id)\"") && snapshot.contains("\"description\": \"card payments\""))
        let audit = try StoredEvents.read(dataDirectory: server.dataDirectory, repository: "humio-audit")
        let rows2 = audit.map { [$0.fields["operation"], $0.fields["repository"], $0.fields["result"]] }
        #expect(rows2.contains(["createRepository", "payments", "success"]))
        #expect(rows2.contains(["updateDescriptionForSearchDomain", "payments", "success"]))
        #expect(rows2.filter { $0 == ["updateRetention", "payments", "success"] }.count == 3)
        #expect(rows2.contains(["updateRetention", "payments", "refused"]))
        #expect(snapshot.contains("\"timeBasedRetention\": 30, \"ingestSizeBasedRetention\": 12.5, \"storageSizeBasedRetention\": 3"))
    }

    /// Every field of a parser humioctl's `parsers install` selects.
    static let parserDetails = """
        fragment ParserDetails on Parser {
          id name displayName description isBuiltIn script fieldsToTag fieldsToBeRemovedBeforeParsing
          testCases { event { rawString } outputAssertions { assertions { fieldsHaveValues { fieldName expectedValue } fieldsNotPresent } outputEventIndex } }
        }
        """

    /// humioctl talks to a server older than LogScale 1.129 (Sluice's `/api/v1/status` version) with its
    /// legacy parser operations; `DeleteParserByID` is the newer one.
    @Test func parsersInstallShowRemove() throws {
        let create = """
            mutation LegacyCreateParser($RepositoryName: String!, $Name: String!, $TestData: [String!]!, $TagFields: [String!]!,
                                        $SourceCode: String!, $Force: Boolean!) {
              createParser(input: {name: $Name, repositoryName: $RepositoryName, testData: $TestData, tagFields: $TagFields,
                                   sourceCode: $SourceCode, force: $Force}) { parser { ...ParserDetails } }
            }
            """ + Self.parserDetails
        let stages = #"[{"op": "kvParse"}]"#
        var variables: [String: Any] = ["RepositoryName": "sandbox", "Name": "payments-kv", "TestData": [String](),
                                        "TagFields": ["service"], "SourceCode": stages, "Force": false]
        let created = try graphql(create, variables, operationName: "LegacyCreateParser")
        let parser = try #require(data(created, "createParser", "parser") as? [String: Any], "\(created.text)")
        #expect(parser["id"] as? String == "payments-kv" && parser["name"] as? String == "payments-kv")
        #expect(parser["displayName"] as? String == "payments-kv" && parser["description"] is NSNull)
        #expect(parser["isBuiltIn"] as? Bool == false)
        #expect((parser["script"] as? String)?.contains("kvParse") == true)
        #expect((parser["script"] as? String)?.contains("service") == true, "tagFields become a tag stage")
        #expect(parser["fieldsToTag"] as? [String] == [] && parser["fieldsToBeRemovedBeforeParsing"] as? [String] == [])
        #expect(parser["testCases"] as? [Any] != nil)

        let again = try graphql(create, variables, operationName: "LegacyCreateParser")
        #expect(again.object["data"] is NSNull && again.text.contains("already exists"), "\(again.text)")
        variables["SourceCode"] = #"[{"op": "regex", "pattern": "("}]"#
        variables["Force"] = true
        let broken = try graphql(create, variables, operationName: "LegacyCreateParser")
        #expect(broken.text.contains("payments-kv") && broken.object["data"] is NSNull, "compile errors name the parser: \(broken.text)")

        // The parser serves: a token assigned to it parses the next event with it.
        let assigned = try graphql("mutation A { assignParserToIngestTokenV2(input: {repositoryName: \"sandbox\", tokenName: \"default\", parser: \"payments-kv\"}) { name } }",
                                   [:], operationName: "A")
        #expect(assigned.object["errors"] == nil, "\(assigned.text)")
        let listed = try graphql("query ListParsers($RepositoryName: String!) { repository(name: $RepositoryName) { parsers { id name isBuiltIn } } }",
                                 ["RepositoryName": "sandbox"], operationName: "ListParsers")
        let rows = try #require(data(listed, "repository", "parsers") as? [[String: Any]])
        #expect(rows.last?["id"] as? String == "payments-kv" && rows.last?["isBuiltIn"] as? Bool == false)

        let shown = try graphql("""
            query LegacyGetParser($RepositoryName: String!, $ParserName: String!) {
              repository(name: $RepositoryName) { parser(name: $ParserName) { id name sourceCode testData tagFields } }
            }
            """, ["RepositoryName": "sandbox", "ParserName": "payments-kv"], operationName: "LegacyGetParser")
        #expect(data(shown, "repository", "parser", "id") as? String == "payments-kv", "\(shown.text)")
        #expect((data(shown, "repository", "parser", "sourceCode") as? String)?.contains("kvParse") == true)

        let legacyDelete = """
            mutation LegacyDeleteParserByID($RepositoryName: String!, $ParserID: String!) {
              removeParser(input: {repositoryName: $RepositoryName, id: $ParserID}) { __typename }
            }
            """
        let inUse = try graphql(legacyDelete, ["RepositoryName": "sandbox", "ParserID": "payments-kv"], operationName: "LegacyDeleteParserByID")
        #expect(inUse.text.contains("assigned to ingest token 'default'"), "\(inUse.text)")
        _ = try graphql("mutation U { unassignIngestToken(repositoryName: \"sandbox\", tokenName: \"default\") { __typename } }", [:], operationName: "U")
        let removed = try graphql(legacyDelete, ["RepositoryName": "sandbox", "ParserID": "payments-kv"], operationName: "LegacyDeleteParserByID")
        #expect(data(removed, "removeParser", "__typename") as? String == "RemoveParserMutation", "\(removed.text)")

        variables["SourceCode"] = stages
        _ = try graphql(create, variables, operationName: "LegacyCreateParser")
        let deleted = try graphql("""
            mutation DeleteParserByID($RepositoryName: RepoOrViewName!, $ParserID: String!) {
              deleteParser(input: {repositoryName: $RepositoryName, id: $ParserID}) { __typename }
            }
            """, ["RepositoryName": "sandbox", "ParserID": "payments-kv"], operationName: "DeleteParserByID")
        #expect(data(deleted, "deleteParser", "__typename") as? String == "BooleanResultType", "\(deleted.text)")
        let builtIn = try graphql(legacyDelete, ["RepositoryName": "sandbox", "ParserID": "kv"], operationName: "LegacyDeleteParserByID")
        #expect(builtIn.text.contains("built in"), "\(builtIn.text)")

        let audit = try StoredEvents.read(dataDirectory: server.dataDirectory, repository: "humio-audit").map { [$0.fields["operation"], $0.fields["result"]] }
        #expect(audit.filter { $0[0] == "createParser" }.map { $0[1] } == ["success", "refused", "refused", "success"])
        #expect(audit.filter { $0[0] == "removeParser" }.map { $0[1] } == ["refused", "success", "refused"])
        #expect(audit.contains(["deleteParser", "success"]))
    }

    @Test func reposDeleteStopsTokensMovesTheLogAsideAndRefusesSystemRepositories() throws {
        _ = try graphql("mutation C($N: String!) { createRepository(name: $N) { repository { id } } }", ["N": "old-app"], operationName: "C")
        let added = try graphql("mutation A { addIngestTokenV3(input: {repositoryName: \"old-app\", name: \"t\"}) { token } }", [:], operationName: "A")
        let token = try #require(data(added, "addIngestTokenV3", "token") as? String, "\(added.text)")
        func ingest() throws -> Int {
            try RawHTTPClient(port: server.port).request("POST", "/api/v1/ingest/raw", headers: ["Authorization": "Bearer \(token)"],
                                                         body: Array("kept for a day".utf8)).status
        }
        #expect(try ingest() == 200)

        let delete = """
            mutation DeleteSearchDomain($SearchDomainName: String!, $DeleteMessage: String!) {
              deleteSearchDomain(name: $SearchDomainName, deleteMessage: $DeleteMessage) { __typename }
            }
            """
        let deleted = try graphql(delete, ["SearchDomainName": "old-app", "DeleteMessage": "app retired"], operationName: "DeleteSearchDomain")
        #expect(data(deleted, "deleteSearchDomain", "__typename") as? String == "BooleanResultType", "\(deleted.text)")
        #expect(try ingest() == 401, "its tokens stop working at once")
        let shown = try graphql("query S { repository(name: \"old-app\") { name } }", [:], operationName: "S")
        #expect(shown.object["data"] is NSNull)

        #expect(!FileManager.default.fileExists(atPath: server.dataDirectory + "/repos/old-app"))
        let aside = try FileManager.default.contentsOfDirectory(atPath: server.dataDirectory + "/deleted")
        #expect(aside.count == 1 && aside.first?.hasPrefix("old-app~") == true, "\(aside)")
        let segments = try FileManager.default.contentsOfDirectory(atPath: server.dataDirectory + "/deleted/" + aside[0] + "/wal")
        #expect(!segments.isEmpty, "the log is kept for the grace period")

        for protected in ["humio-audit", "sandbox"] {
            let refused = try graphql(delete, ["SearchDomainName": protected, "DeleteMessage": "oops"], operationName: "DeleteSearchDomain")
            #expect(refused.object["data"] is NSNull && refused.text.contains("cannot be deleted"), "\(refused.text)")
        }

        // The name can be used again, with an empty log.
        let again = try graphql("mutation C($N: String!) { createRepository(name: $N) { repository { compressedByteSize } } }", ["N": "old-app"],
                                operationName: "C")
        #expect(data(again, "createRepository", "repository", "compressedByteSize") as? Int == 0, "\(again.text)")

        let audit = try StoredEvents.read(dataDirectory: server.dataDirectory, repository: "humio-audit")
            .filter { $0.fields["operation"] == "deleteSearchDomain" }
            .map { [$0.fields["repository"], $0.fields["result"], $0.fields["message"]] }
        #expect(audit == [["old-app", "success", "app retired"], ["humio-audit", "refused", "oops"], ["sandbox", "refused", "oops"]])
    }

    /// A repository deleted and created again under its name takes ingest into a new, empty log on every
    /// event loop: no loop keeps serving the deleted log it had mapped.
    @Test func aRepositoryCreatedAgainAfterItsDeletionIngestsIntoItsNewLog() throws {
        func addToken() throws -> String {
            let added = try graphql("mutation A { addIngestTokenV3(input: {repositoryName: \"reborn\", name: \"t\"}) { token } }", [:],
                                    operationName: "A")
            return try #require(data(added, "addIngestTokenV3", "token") as? String, "\(added.text)")
        }
        func ingest(_ token: String, _ line: String) throws -> Int {
            try RawHTTPClient(port: server.port).request("POST", "/api/v1/ingest/raw", headers: ["Authorization": "Bearer \(token)"],
                                                         body: Array(line.utf8)).status
        }
        let create = "mutation C($N: String!) { createRepository(name: $N) { repository { id } } }"
        _ = try graphql(create, ["N": "reborn"], operationName: "C")
        let first = try addToken()
        // Several connections, so that every loop maps the first log.
        for round in 0..<8 { #expect(try ingest(first, "before \(round)") == 200) }
        let deleted = try graphql("mutation D { deleteSearchDomain(name: \"reborn\", deleteMessage: \"again\") { __typename } }", [:],
                                  operationName: "D")
        #expect(data(deleted, "deleteSearchDomain", "__typename") as? String == "BooleanResultType", "\(deleted.text)")
        _ = try graphql(create, ["N": "reborn"], operationName: "C")
        let second = try addToken()
        for round in 0..<8 { #expect(try ingest(second, "after \(round)") == 200) }
        let stored = try StoredEvents.read(dataDirectory: server.dataDirectory, repository: "reborn").map(\.rawstring)
        #expect(stored.sorted() == (0..<8).map { "after \($0)" }.sorted())
    }
}
