import Testing
@testable import Tokens

/// The load a store serves from (`SnapshotCodec.decodeServing`, `SnapshotFile.loadServing`: ingest tokens
/// decoded straight into the compact table) against the whole decode and `validate(file:)`: the same
/// snapshot, the same tokens, the same refusal with the same words, the same index.
@Suite struct SnapshotCodecServingTests {
    /// SplitMix64: the same cases on every run.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    }

    static let hexes = (0..<40).map { TokenDigest(hashing: "secret \($0)").hex }

    /// A snapshot of `count` ingest tokens in every form the file can hold; `faults` percent of them carry
    /// one of the problems validation refuses.
    static func randomSnapshot(seed: UInt64, count: Int, faults: Int) -> Snapshot {
        var random = Random(state: seed)
        var snapshot = Fixture.snapshot()
        snapshot.features = ["CustomIngestTokens"]
        let repositories = ["web", "sandbox", "elsewhere", "humio"]
        for i in 0..<count {
            var token = IngestToken(name: random.chance(10) ? "a token name longer than fifteen bytes \(i)" : "t\(i)",
                                    repository: repositories[random.below(repositories.count)])
            switch random.below(5) {
            case 0: token.token = TokenGenerator.ingestToken()
            case 1: token.tokenSha256 = TokenDigest(hashing: "token \(seed) \(i)").hex
            case 2: token.tokenSha256 = TokenDigest(hashing: "token \(seed) \(i)").hex.uppercased()
            case 3:
                token.token = "custom-\(seed)-\(i)-" + String(repeating: "x", count: 8 + random.below(60))
                token.custom = true
            default: token.token = TokenGenerator.ingestToken(); token.custom = false
            }
            if random.chance(20) { token.parser = random.chance(50) ? "json" : "mine" }
            if random.chance(10) { token.limits = IngestLimits(eventsPerSecond: Double(1 + random.below(100))) }
            if random.chance(10) { token.dailyBytes = 1 + random.below(1_000_000) }
            if random.chance(30) { token.createdAt = 1_700_000_000_000 + Int64(random.below(1_000_000)) }
            if random.chance(20) { token.expiresAt = 1_800_000_000_000 + Int64(random.below(1_000_000)) }
            if random.chance(10) { token.hecAcknowledgements = random.chance(50) }
            if random.chance(5) {
                token.previousTokenSha256 = TokenDigest(hashing: "previous \(seed) \(i)").hex
                token.previousExpiresAt = 1_750_000_000_000
            }
            if random.chance(faults) {
                switch random.below(12) {
                case 0: token.tokenSha256 = hexes[0]; token.token = TokenGenerator.ingestToken()  // both
                case 1: token.token = nil; token.tokenSha256 = nil  // neither
                case 2: token.token = nil; token.tokenSha256 = "not hex"
                case 3: token.token = "short"; token.tokenSha256 = nil; token.custom = random.chance(50) ? true : nil
                case 4: token.token = nil; token.tokenSha256 = hexes[random.below(3)]  // a duplicate secret
                case 5: token.name = "t\(random.below(max(1, i)))"  // perhaps a duplicate name
                case 6: token.repository = "nowhere"
                case 7: token.parser = "absent"
                case 8: token.limits = IngestLimits(burstSeconds: 1)
                case 9: token.previousTokenSha256 = hexes[4]; token.previousExpiresAt = nil
                case 10: token.previousTokenSha256 = nil; token.previousExpiresAt = 1
                default: token.previousTokenSha256 = hexes[5]; token.previousExpiresAt = 1  // perhaps a duplicate
                }
            }
            snapshot.ingestTokens.append(token)
        }
        return snapshot
    }

    /// Validation's outcome in a comparable form: the refusal's words, or what the index holds.
    static func outcome(_ validate: () throws(TokenError) -> SnapshotIndex) -> String {
        do throws(TokenError) {
            let index = try validate()
            return "valid \(Array(index.apiDigests)) \(Array(index.ingestDigests)) \(index.previousDigests.map { "\($0.0) \($0.1)" })"
                + " \(index.repositoriesByName.keys.sorted()) \(index.ingestTokenCount)"
        } catch {
            return "\(error)"
        }
    }

    static func check(_ snapshot: Snapshot) throws {
        let bytes = SnapshotCodec.encode(snapshot)
        let whole = try SnapshotCodec.decode(bytes, file: "f.json")
        let (catalog, table) = try SnapshotCodec.decodeServing(bytes, file: "f.json")
        var expectedCatalog = whole
        expectedCatalog.ingestTokens = []
        #expect(catalog == expectedCatalog)
        #expect(table.tokens == whole.ingestTokens)
        let old = outcome { () throws(TokenError) in try whole.validate(file: "f.json") }
        let new = outcome { () throws(TokenError) in try catalog.validate(file: "f.json", ingestTokens: table) }
        #expect(old == new)
    }

    @Test(arguments: 0..<24)
    func agreesWithTheWholeDecodeOnRandomSnapshots(_ seed: Int) throws {
        // Without faults every third seed, so valid snapshots (and their indexes) are compared too.
        try Self.check(Self.randomSnapshot(seed: UInt64(seed), count: 40 + seed * 20, faults: seed % 3 == 0 ? 0 : 1 + seed % 4))
    }

    @Test func agreesOnAValidSnapshotOfManyTokens() throws {
        let snapshot = Self.randomSnapshot(seed: 99, count: 20_000, faults: 0)
        try Self.check(snapshot)
        #expect(Self.outcome { () throws(TokenError) in try snapshot.validate(file: "f.json") }.hasPrefix("valid"))
    }

    /// Files of `IngestTokenSecondHalf.minimumBytes` and more have the second half of their ingest tokens
    /// read on a second thread: the same table and the same refusals (a fault in either half), with and
    /// without faults.
    @Test(arguments: [0, 1, 2, 3])
    func agreesWhenTheSecondHalfIsReadAtOnce(_ seed: Int) throws {
        let snapshot = Self.randomSnapshot(seed: 500 + UInt64(seed), count: 40_000, faults: seed == 0 ? 0 : seed)
        #expect(SnapshotCodec.encode(snapshot).count >= IngestTokenSecondHalf.minimumBytes)
        try Self.check(snapshot)
    }

    /// A field misspelt in either half of a large list is refused with the whole decode's words and path.
    @Test(arguments: [0.25, 0.75, 0.99])
    func refusesAMisspeltFieldInEitherHalf(_ at: Double) throws {
        var bytes = SnapshotCodec.encode(Self.randomSnapshot(seed: 5, count: 40_000, faults: 0))
        let field = Array(#""repository""#.utf8)
        var position = Int(Double(bytes.count) * at)
        while !bytes[position...].starts(with: field) { position += 1 }
        bytes[position + field.count - 2] = UInt8(ascii: "x")
        func refusal(_ decode: () throws(TokenError) -> Void) -> String {
            do throws(TokenError) {
                try decode()
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        let whole = refusal { () throws(TokenError) in _ = try SnapshotCodec.decode(bytes, file: "f.json") }
        let serving = refusal { () throws(TokenError) in _ = try SnapshotCodec.decodeServing(bytes, file: "f.json") }
        #expect(whole.contains("unknown field 'repositorx'"))
        #expect(whole == serving)
    }

    /// The second reader starts at a comma between two ingest token entries and reads the list's tail: the
    /// tokens the whole decode has there, in order, up to the list's `]`.
    @Test func theSecondHalfIsTheListsTail() throws {
        let snapshot = Self.randomSnapshot(seed: 77, count: 40_000, faults: 0)
        let bytes = SnapshotCodec.encode(snapshot)
        let start = try #require(bytes.withUnsafeBytes { IngestTokenSecondHalf.startingPoint(in: $0) })
        #expect(bytes[start.end - 1] == UInt8(ascii: "}") && bytes[start.comma] == UInt8(ascii: ","))
        let half = try #require(IngestTokenSecondHalf(bytes, file: "f.json"))
        defer { half.finish() }
        let taken = try #require(half.take())
        #expect(bytes[taken.closing] == UInt8(ascii: "]"))
        #expect(!taken.parts.isEmpty && taken.parts.dropLast().allSatisfy { $0.count == IngestTokenSecondHalf.partSize })
        var tail = IngestTokenTable.Builder()
        for part in taken.parts { tail.append(contentsOf: part) }
        let tokens = IngestTokenTable(tail).tokens
        #expect(tokens.count > 10_000 && tokens.count < 30_000)
        #expect(tokens == Array(snapshot.ingestTokens.suffix(tokens.count)))
    }

    /// A snapshot too small, or with no line ending in `},`, is read by one thread.
    @Test func smallOrOneLineFilesAreReadByOneThread() {
        let small = SnapshotCodec.encode(Self.randomSnapshot(seed: 3, count: 100, faults: 0))
        #expect(IngestTokenSecondHalf(small, file: "f.json") == nil)
        let oneLine = Array(repeating: UInt8(ascii: " "), count: IngestTokenSecondHalf.minimumBytes)
        #expect(oneLine.withUnsafeBytes { IngestTokenSecondHalf.startingPoint(in: $0) } == nil)
    }

    /// Tokens appended in two builders and then joined make the table appending them all to one makes: the
    /// same tokens, repositories and parsers in the same order, wherever the list is cut.
    @Test(arguments: [0, 1, 17, 250, 399, 400])
    func joinedBuildersMakeTheSameTable(_ cut: Int) {
        let tokens = Self.randomSnapshot(seed: 11, count: 400, faults: 8).ingestTokens
        var first = IngestTokenTable.Builder(), second = IngestTokenTable.Builder()
        for token in tokens[..<cut] { first.append(token) }
        for token in tokens[cut...] { second.append(token) }
        first.append(contentsOf: second)
        let joined = IngestTokenTable(first), whole = IngestTokenTable(tokens)
        #expect(joined.tokens == tokens)
        #expect(joined.repositories == whole.repositories)
        #expect(joined.parsers == whole.parsers)
        #expect(joined.rotationIndexes == whole.rotationIndexes)
    }

    /// Every token form a refusal can hinge on comes back from the table as it was written.
    @Test func refusedFormsSurviveTheTable() {
        let forms = [
            IngestToken(name: "both", repository: "web", token: Fixture.tokenA, tokenSha256: Self.hexes[0]),
            IngestToken(name: "neither", repository: "web"),
            IngestToken(name: "half rotation", repository: "web", token: Fixture.tokenA, previousTokenSha256: Self.hexes[1]),
            IngestToken(name: "other half", repository: "web", token: Fixture.tokenA, previousExpiresAt: 5),
            IngestToken(name: "bad hex", repository: "web", tokenSha256: "xyz"),
        ]
        #expect(IngestTokenTable(forms).tokens == forms)
    }

    /// Refusals while reading (syntax, unknown or duplicate fields, missing ones) inside the ingest tokens read
    /// the same in both decodes.
    @Test(arguments: [
        #"{"version": 1, "ingestTokens": [{"name": "a", "repository": "web", "token": "x"}, {"name": "b", "repository": "web", "tokn": "x"}]}"#,
        #"{"version": 1, "ingestTokens": [{"name": "a", "repository": "web", "name": "b"}]}"#,
        #"{"version": 1, "ingestTokens": [{"name": "a"}]}"#,
        #"{"version": 1, "ingestTokens": [{"name": "a", "repository": "web", "expiresAt": "yesterday"}]}"#,
        #"{"version": 1, "ingestTokens": [{"name": "a", "repository": "web", "token": "x"},"#,
        #"{"version": 1, "ingestTokens": {"name": "a"}}"#,
        #"{"ingestTokens": [], "ingestTokens": []}"#,
        #"{"ingestTokens": [{"name": "a", "repository": "web"}]}"#,
    ])
    func refusesWhatTheWholeDecodeRefuses(_ text: String) {
        func refusal(_ decode: () throws(TokenError) -> Void) -> String {
            do throws(TokenError) {
                try decode()
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        let bytes = Array(text.utf8)
        let whole = refusal { () throws(TokenError) in _ = try SnapshotCodec.decode(bytes, file: "f.json") }
        let serving = refusal { () throws(TokenError) in _ = try SnapshotCodec.decodeServing(bytes, file: "f.json") }
        #expect(whole != "accepted")
        #expect(whole == serving)
    }

    /// A store loaded for serving answers as one built from the whole snapshot: the same credentials, with
    /// the same labels, slots and expiry.
    @Test func theServedSetEqualsTheWholeSnapshotsSet() throws {
        let snapshot = Self.randomSnapshot(seed: 7, count: 500, faults: 0)
        let directory = TemporaryDirectory()
        let file = try Fixture.writeSnapshot(snapshot, in: directory)
        let (catalog, index) = try file.loadServing()
        #expect(catalog.ingestTokens.isEmpty)
        let served = TokenSet(snapshot: catalog, index: index).entries
        let whole = TokenSet(snapshot: snapshot, index: try snapshot.validate(file: "f.json")).entries
        #expect(served.count == whole.count)
        #expect(served.map(\.digest) == whole.map(\.digest))
        #expect(served.map(\.principal.metricLabel) == whole.map(\.principal.metricLabel))
        #expect(served.map(\.principal.usageSlot) == whole.map(\.principal.usageSlot))
        #expect(served.map(\.principal.expiresAtMillis) == whole.map(\.principal.expiresAtMillis))
        #expect(served.map(\.principal.parser?.name) == whole.map(\.principal.parser?.name))
        #expect(served.map(\.principal.isPreviousSecret) == whole.map(\.principal.isPreviousSecret))
        #expect(ServingSnapshot(catalog, index: index).snapshot == snapshot)
    }
}
