import Admin
import Foundation
import Parsers
import Testing
import Tokens

/// The `Repository` fields and mutations LogScale's CLI uses, over the API without HTTP.
@Suite struct RepositoryFieldsTests {
    @Test func parsersListBuiltInThenCustom() async throws {
        let harness = try AdminHarness()
        try harness.store.edit { (snapshot: inout Snapshot) throws(TokenError) in
            snapshot.parsers.append(CustomParserDefinition(name: "mine", stages: [StageDefinition(op: "kvParse")]))
        }
        let answer = try await harness.run(#"{ repository(name: "web") { parsers { id name isBuiltIn } } }"#)
        let parsers = try #require(answer.value("repository", "parsers") as? [[String: Any]], "\(answer.text)")
        let rows = parsers.map { "\($0["id"] as? String ?? "?")/\($0["name"] as? String ?? "?")/\($0["isBuiltIn"] as? Bool ?? false)" }
        #expect(rows == ParserRegistry.builtinNames.map { "\($0)/\($0)/true" } + ["mine/mine/false"])
    }

    @Test func tokenParsersSayWhetherTheyAreBuiltIn() async throws {
        let harness = try AdminHarness()
        _ = try await harness.run(#"mutation { assignParserToIngestTokenV2(input: {repositoryName: "web", tokenName: "default", parser: "json"}) { name } }"#)
        let answer = try await harness.run(#"{ repository(name: "web") { ingestTokens { parser { id isBuiltIn } } } }"#)
        let tokens = try #require(answer.value("repository", "ingestTokens") as? [[String: Any]], "\(answer.text)")
        #expect((tokens.first?["parser"] as? [String: Any])?["isBuiltIn"] as? Bool == true)
    }

    @Test func storageFieldsComeFromTheServerSettings() async throws {
        let harness = try AdminHarness()
        let api = AdminAPI(tokens: harness.store, audit: harness.audit,
                           storage: RepositoryStorage(dataDirectory: harness.path, retentionHours: 36, retentionBytes: 2_500_000_000),
                           logger: .init(label: "test"))
        let token = harness.credentials[.root]!
        let body = #"{"query": "{ repository(name: \"web\") { timeBasedRetention storageSizeBasedRetention ingestSizeBasedRetention compressedByteSize } }"}"#
        let answer = try Answer(await api.execute(body: Array(body.utf8), principal: harness.principal(token), credential: TokenDigest(hashing: token)))
        #expect(answer.value("repository", "timeBasedRetention") as? Double == 1.5, "\(answer.text)")
        #expect(answer.value("repository", "storageSizeBasedRetention") as? Double == 2.5)
        #expect(answer.value("repository", "ingestSizeBasedRetention") is NSNull)
        #expect(answer.value("repository", "compressedByteSize") as? Int == 0)
    }

    /// humioctl's three `repos update` mutations, each with one argument: each sets its own setting and
    /// leaves the others; the fields read back the repository's own value, else the server's, else null.
    @Test func updateRetentionSetsEachSettingAndTheFieldsReadItBack() async throws {
        let harness = try AdminHarness()
        let api = AdminAPI(tokens: harness.store, audit: harness.audit,
                           storage: RepositoryStorage(dataDirectory: harness.path, retentionHours: 36, retentionBytes: 2_500_000_000),
                           logger: .init(label: "test"))
        let token = harness.credentials[.root]!
        func run(_ query: String, _ variables: [String: Any] = [:]) async throws -> Answer {
            let body = try JSONSerialization.data(withJSONObject: ["query": query, "variables": variables])
            return try Answer(await api.execute(body: Array(body), principal: harness.principal(token), credential: TokenDigest(hashing: token)))
        }
        let read = "{ repository(name: \"web\") { timeBasedRetention ingestSizeBasedRetention storageSizeBasedRetention } }"
        func values() async throws -> [Double?] {
            let answer = try await run(read)
            return ["timeBasedRetention", "ingestSizeBasedRetention", "storageSizeBasedRetention"].map { answer.value("repository", $0) as? Double }
        }
        #expect(try await values() == [1.5, nil, 2.5])
        for (argument, value) in [("timeBasedRetention", 7.0), ("ingestSizeBasedRetention", 10.0), ("storageSizeBasedRetention", 0.25)] {
            let answer = try await run("mutation U($R: String!, $V: Float) { updateRetention(repositoryName: $R, \(argument): $V) { __typename } }",
                                       ["R": "web", "V": value])
            #expect(answer.value("updateRetention", "__typename") as? String == "UpdateRetentionMutation", "\(answer.text)")
        }
        #expect(try await values() == [7, 10, 0.25])
        let stored = try #require(harness.store.snapshot.repository(named: "web"))
        #expect([stored.timeBasedRetention, stored.ingestSizeBasedRetention, stored.storageSizeBasedRetention] == [7, 10, 0.25])
        // Null clears a setting: the server's value is back; a repository without settings is untouched.
        let cleared = try await run("mutation { updateRetention(repositoryName: \"web\", timeBasedRetention: null, ingestSizeBasedRetention: null) { repository { timeBasedRetention } } }")
        #expect(cleared.value("updateRetention", "repository", "timeBasedRetention") as? Double == 1.5, "\(cleared.text)")
        #expect(try await values() == [1.5, nil, 0.25])
        let others = harness.store.snapshot.repositories.filter { $0.name != "web" }
        #expect(!others.isEmpty && others.allSatisfy { $0.retentionLimits.isUnlimited })
        #expect(harness.audit.recorded.filter { $0.operation == "updateRetention" }.map(\.result)
                == Array(repeating: AuditEvent.Result.success, count: 4))
    }

    @Test(arguments: [
        ("timeBasedRetention: 0", "timeBasedRetention must be a positive number of days"),
        ("timeBasedRetention: 2, storageSizeBasedRetention: -1", "storageSizeBasedRetention must be a positive number of GB"),
        ("timeBasedRetention: 2, ingestSizeBasedRetention: 1e12", "ingestSizeBasedRetention must be a positive number of GB, at most 1000000000"),
        ("timeBasedRetention: 2, timeBasedBackupRetention: 3", "timeBasedBackupRetention: Sluice keeps no backups of a repository"),
    ])
    func updateRetentionRefusesBadValuesAndChangesNothing(_ argument: String, _ message: String) async throws {
        let harness = try AdminHarness()
        let before = harness.store.snapshot
        let answer = try await harness.run("mutation { updateRetention(repositoryName: \"web\", \(argument)) { __typename } }")
        #expect(answer.messages.first?.hasPrefix(message) == true, "\(answer.text)")
        #expect(harness.store.snapshot == before)
        #expect(harness.audit.recorded.last?.operation == "updateRetention" && harness.audit.recorded.last?.result == .refused)
    }

    @Test(arguments: [(Caller.root, true), (.manager, true), (.plainUser, false), (.orgPlain, false)])
    func retentionIsChangedByWhoManagesTheRepository(caller: Caller, allowed: Bool) async throws {
        let harness = try AdminHarness()
        let answer = try await harness.run(#"mutation { updateRetention(repositoryName: "web", timeBasedRetention: 3) { __typename } }"#, as: caller)
        #expect(harness.store.snapshot.repository(named: "web")?.timeBasedRetention == (allowed ? 3 : nil), "\(answer.text)")
        if !allowed { #expect(answer.messages == ["You don't have permission to change this repository."]) }
    }

    @Test(arguments: [(Caller.root, true), (.manager, true), (.plainUser, false), (.orgPlain, false)])
    func descriptionIsChangedByWhoManagesTheRepository(caller: Caller, allowed: Bool) async throws {
        let harness = try AdminHarness()
        let answer = try await harness.run(#"mutation { updateDescriptionForSearchDomain(name: "web", newDescription: "front") { description } }"#, as: caller)
        #expect(answer.status == 200)
        if allowed {
            #expect(answer.value("updateDescriptionForSearchDomain", "description") as? String == "front", "\(answer.text)")
            #expect(harness.store.snapshot.repository(named: "web")?.description == "front")
        } else {
            #expect(answer.messages == ["You don't have permission to change this repository."], "\(answer.text)")
            #expect(harness.store.snapshot.repository(named: "web")?.description == nil)
        }
        #expect(harness.audit.recorded.last?.operation == "updateDescriptionForSearchDomain")
        #expect(harness.audit.recorded.last?.result == (allowed ? .success : .refused))
    }

    @Test func createRepositoryAnswersItsIdAndDescription() async throws {
        let harness = try AdminHarness()
        let answer = try await harness.run(#"mutation { createRepository(name: "new", description: "made here") { repository { id name description } } }"#)
        let id = try #require(answer.value("createRepository", "repository", "id") as? String, "\(answer.text)")
        #expect(id == harness.store.snapshot.repository(named: "new")?.id)
        #expect(answer.value("createRepository", "repository", "description") as? String == "made here")
    }

    @Test func deletedLogsAreSweptAfterTheGracePeriod() throws {
        let harness = try AdminHarness()
        let storage = RepositoryStorage(dataDirectory: harness.path, deletedRepositoryHours: 24)
        let deleted = harness.path + "/deleted"
        let now = 1_800_000_000
        for name in ["old~\(now - 25 * 3600)", "recent~\(now - 23 * 3600)", "not-ours"] {
            try FileManager.default.createDirectory(atPath: deleted + "/" + name + "/wal", withIntermediateDirectories: true)
        }
        #expect(storage.sweepDeleted(nowSeconds: now) == [deleted + "/old~\(now - 25 * 3600)"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: deleted).sorted() == ["not-ours", "recent~\(now - 23 * 3600)"])
    }
}
