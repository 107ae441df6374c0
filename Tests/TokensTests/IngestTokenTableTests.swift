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

    /// A token of any form the table holds (inline, digest, overflow, limits, rotation, parser), by `n`.
    static func anyForm(_ n: Int, repository: String) -> IngestToken {
        var token = IngestToken(name: n % 11 == 0 ? "a name longer than fifteen bytes \(n)" : "t\(n)", repository: repository,
                                parser: n % 4 == 0 ? "p\(n % 3)" : nil)
        switch n % 6 {
        case 0: token.tokenSha256 = TokenDigest(hashing: "h\(n)").hex
        case 1: token.tokenSha256 = TokenDigest(hashing: "h\(n)").hex.uppercased()
        case 2:
            token.token = "custom-\(n)-" + String(repeating: "c", count: 60)
            token.custom = true
        case 3:
            token.token = "x\(n)"
            token.tokenSha256 = TokenDigest(hashing: "both").hex
        default: token.token = TokenGenerator.ingestToken()
        }
        if n % 9 == 0 { token.dailyBytes = n }
        if n % 13 == 0 { (token.previousTokenSha256, token.previousExpiresAt) = (TokenDigest(hashing: "p\(n)").hex, Int64(n)) }
        if n % 5 == 0 { token.hecAcknowledgements = n % 2 == 0 }
        if n % 7 == 0 { token.expiresAt = Int64(n) * 1000 }
        return token
    }

    /// Random replacements, appends and truncations over three chunks of records, as deltas leave a set:
    /// each patched table holds exactly what a table built from the same list holds (every token, every
    /// accessor validation and the credential build read), and the table it was patched from is unchanged.
    @Test func patchesEqualAFreshBuild() throws {
        var random = SystemRandomNumberGenerator()
        var list = (0..<2500).map { Self.anyForm($0, repository: ["web", "db", "logs"][$0 % 3]) }
        var table = IngestTokenTable(list)
        var fresh = 10_000
        for step in 0..<200 {
            var next = list
            var changed = Set<Int>()
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                fresh += 1
                let repository = Int.random(in: 0..<20, using: &random) == 0 ? "new-\(fresh)" : ["web", "db", "logs"][fresh % 3]
                switch Int.random(in: 0..<3, using: &random) {
                case 0:
                    let position = Int.random(in: 0..<next.count, using: &random)
                    next[position] = Self.anyForm(fresh, repository: repository)
                    changed.insert(position)
                case 1:
                    next.append(Self.anyForm(fresh, repository: repository))
                    changed.insert(next.count - 1)
                default:
                    // A deletion: the last token moves into the gap.
                    let position = Int.random(in: 0..<next.count, using: &random)
                    next.swapAt(position, next.count - 1)
                    next.removeLast()
                    changed.remove(next.count)
                    if position < next.count { changed.insert(position) }
                }
            }
            let patched = try #require(table.patched(count: next.count, setting: changed.map { ($0, next[$0]) }), "step \(step)")
            let built = IngestTokenTable(next)
            #expect(patched.tokens == next, "step \(step)")
            #expect(table.tokens == list, "step \(step): the previous table is unchanged")
            #expect(patched.count == built.count && patched.hasLimits == built.hasLimits && patched.rotationIndexes == built.rotationIndexes)
            for index in 0..<next.count {
                #expect(patched.key(at: index) == built.key(at: index))
                #expect(patched.acceptedDigest(at: index) == built.acceptedDigest(at: index))
                #expect(patched.repository(at: index) == built.repository(at: index) && patched.parser(at: index) == built.parser(at: index))
                #expect(patched.limits(at: index)?.dailyBytes == built.limits(at: index)?.dailyBytes)
                #expect(patched.rotation(at: index)?.sha256 == built.rotation(at: index)?.sha256)
            }
            #expect(patched.patchDepth == step + 1)
            list = next
            table = patched
        }
    }

    /// A patch that leaves a new position unset is refused (the caller builds the table whole).
    @Test func aPatchWithAGapIsRefused() {
        let tokens = (0..<3).map { Self.anyForm($0, repository: "web") }
        let table = IngestTokenTable(tokens)
        #expect(table.patched(count: 5, setting: [(3, Self.anyForm(3, repository: "web"))]) == nil)
        #expect(table.patched(count: 2, setting: [(2, Self.anyForm(3, repository: "web"))]) == nil)
        #expect(table.patched(count: 4, setting: [(3, Self.anyForm(3, repository: "web"))])?.tokens == tokens + [Self.anyForm(3, repository: "web")])
    }

    /// Replacing overflow secrets again and again leaves the table's texts bounded, and the table exact.
    @Test func replacedOverflowTextsAreDropped() throws {
        var list = (0..<5).map { IngestToken(name: "t\($0)", repository: "web", token: "custom-\($0)-" + String(repeating: "c", count: 60), custom: true) }
        var table = IngestTokenTable(list)
        for round in 0..<500 {
            let position = round % list.count
            list[position].token = "custom-round-\(round)-" + String(repeating: "c", count: 60)
            table = try #require(table.patched(count: list.count, setting: [(position, list[position])]))
        }
        #expect(table.tokens == list)
        #expect(table.overflowCount <= 2 * list.count + 64)
    }

    /// The cache file written from the listing table (`SnapshotCodec.encode(serving)`) has the bytes of
    /// the same snapshot written whole, for every form a token takes, built or patched.
    @Test func theListingEncodesAsTheWholeSnapshot() throws {
        var snapshot = Fixture.snapshot()
        snapshot.ingestTokens += (0..<300).map { Self.anyForm($0, repository: ["web", "db"][$0 % 2]) }
        let serving = ServingSnapshot(snapshot)
        #expect(SnapshotCodec.encode(serving) == SnapshotCodec.encode(snapshot))
        var changed = snapshot
        changed.ingestTokens[5] = Self.anyForm(1001, repository: "web")
        changed.ingestTokens.append(Self.anyForm(1002, repository: "fresh"))
        let count = snapshot.ingestTokens.count
        let patched = ServingSnapshot(changed, patching: serving, dirty: [5, count])
        #expect(patched.ingestTokens.patchDepth == 1)
        #expect(SnapshotCodec.encode(patched) == SnapshotCodec.encode(changed))
        let empty = ServingSnapshot(Fixture.snapshot().withoutIngestTokens)
        #expect(SnapshotCodec.encode(empty) == SnapshotCodec.encode(Fixture.snapshot().withoutIngestTokens))
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

extension Snapshot {
    /// This snapshot with no ingest tokens.
    var withoutIngestTokens: Snapshot {
        var copy = self
        copy.ingestTokens = []
        return copy
    }
}
