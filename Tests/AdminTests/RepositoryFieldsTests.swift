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
