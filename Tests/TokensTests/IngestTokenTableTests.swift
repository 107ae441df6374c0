import Testing
@testable import Tokens

@Suite struct IngestTokenTableTests {
    static let generated = "G" + String(repeating: "g", count: 43)  // 44 bytes: the longest inline secret
    static let digest = TokenDigest(hashing: "abc").hex

    /// Every form a validated snapshot can hold comes back exactly (`==`), in order.
    @Test(arguments: [
        IngestToken(name: "default", repository: "web", parser: "json", token: generated),
        IngestToken(name: "short", repository: "web", token: String(generated.dropLast())),
        IngestToken(name: "a name longer than fifteen bytes", repository: "db", tokenSha256: digest),
        IngestToken(name: "upper", repository: "db", tokenSha256: digest.uppercased()),
        IngestToken(name: "custom", repository: "web", parser: "mine", token: "custom-token-value", custom: true),
        IngestToken(name: "custom-long", repository: "web", token: String(repeating: "c", count: 200), custom: true),
        IngestToken(name: "not-custom", repository: "web", token: generated, custom: false),
        IngestToken(name: "empty", repository: "x", token: ""),
        IngestToken(name: "neither", repository: "x"),
    ])
    func oneTokenRoundTrips(_ token: IngestToken) {
        let table = IngestTokenTable([token])
        #expect(table.tokens == [token])
        #expect(table.tokens(in: token.repository) == [token])
    }

    @Test func aRecordIsEightyEightBytes() {
        #expect(MemoryLayout<IngestTokenTable.Record>.stride == 88)
    }

    @Test func manyTokensKeepTheirOrderAndRepository() {
        let tokens = (0..<1000).map { i in
            IngestToken(name: "t\(i)", repository: ["web", "db", "logs"][i % 3], parser: i % 5 == 0 ? "p\(i % 2)" : nil,
                        token: i % 7 == 0 ? nil : TokenGenerator.ingestToken(),
                        tokenSha256: i % 7 == 0 ? TokenDigest(hashing: "t\(i)").hex : nil)
        }
        let table = IngestTokenTable(tokens)
        #expect(table.count == 1000)
        #expect(table.tokens == tokens)
        #expect(table.tokens(in: "db") == tokens.filter { $0.repository == "db" })
        #expect(table.tokens(in: "absent").isEmpty)
    }

    /// Built with validation's digests, the table holds what it holds when it parses them itself.
    @Test func validationsDigestsGiveTheSameTable() throws {
        var snapshot = Fixture.snapshot()
        snapshot.ingestTokens += (0..<50).map { i in
            IngestToken(name: "h\(i)", repository: "web",
                        tokenSha256: i % 2 == 0 ? TokenDigest(hashing: "h\(i)").hex : TokenDigest(hashing: "h\(i)").hex.uppercased())
        }
        let index = try snapshot.validate(file: "f.json")
        let table = IngestTokenTable(snapshot.ingestTokens, digests: index.ingestDigests)
        #expect(table.tokens == snapshot.ingestTokens)
        #expect(table.tokens == IngestTokenTable(snapshot.ingestTokens).tokens)
    }

    /// The store keeps the compact form and still answers with the whole snapshot as written.
    @Test func storeServesTheSnapshotItLoaded() throws {
        let directory = TemporaryDirectory()
        _ = try Fixture.writeSnapshot(Fixture.snapshot(), in: directory)
        let store = try TokenStore(dataDirectory: directory.path, logger: RecordingLog().logger)
        #expect(store.snapshot == Fixture.snapshot())
        let serving = store.serving
        #expect(serving.catalog.ingestTokens.isEmpty)
        #expect(serving.catalog.repositories == Fixture.snapshot().repositories)
        #expect(serving.ingestTokens(in: "web") == Fixture.snapshot().ingestTokens(in: "web"))
    }
}
