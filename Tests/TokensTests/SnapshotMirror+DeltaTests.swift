import Foundation
import Synchronization
import Testing
@testable import Tokens

/// Changes of a few ingest tokens applied to the mirror and the store as deltas (no whole validation or
/// install), checked against what the full path makes of the same bucket.
@Suite struct SnapshotMirrorDeltaTests {
    static let source = "nats://127.0.0.1:4222/TOKENS"

    static func secret(_ n: Int) -> String {
        let digits = String(n)
        return "S" + digits + String(repeating: "x", count: 42 - digits.count)
    }

    /// The fixture with `count` more ingest tokens in `web` and `sandbox`.
    static func snapshot(tokens count: Int) -> Snapshot {
        var snapshot = Fixture.snapshot()
        for i in 0..<count {
            snapshot.ingestTokens.append(IngestToken(name: "t\(i)", repository: i % 3 == 0 ? "sandbox" : "web", token: secret(i)))
        }
        return snapshot
    }

    static func seededMirror(_ snapshot: Snapshot) -> (SnapshotMirror, UInt64) {
        var mirror = SnapshotMirror(source: source)
        var revision: UInt64 = 0
        for write in SnapshotMirror.seedWrites(snapshot) {
            revision += 1
            mirror.receive(key: write.key, revision: revision, value: write.value, nowMillis: 0)
        }
        _ = mirror.settle(nowMillis: 0, initial: true)
        return (mirror, revision)
    }

    static func sorted(_ tokens: [IngestToken]) -> [IngestToken] {
        tokens.sorted { ($0.repository, $0.name) < ($1.repository, $1.name) }
    }

    @Test func aNewTokenAppliesAsADeltaAndServesAtOnce() throws {
        let directory = TemporaryDirectory()
        let base = Self.snapshot(tokens: 20)
        _ = try Fixture.writeSnapshot(base, in: directory)
        let store = try TokenStore(dataDirectory: directory.path, logger: RecordingLog().logger)
        var (mirror, revision) = Self.seededMirror(base)
        _ = mirror.takeDelta()
        let token = IngestToken(name: "new", repository: "web", token: Self.secret(999))
        mirror.receive(key: SnapshotKey.ingestToken(repository: "web", name: "new").text, revision: revision + 1,
                       value: SnapshotElement.ingestToken(token).encoded(), nowMillis: 0)
        revision += 1
        let settled = mirror.settle(nowMillis: 0)
        #expect(settled.changed && settled.refusals.isEmpty)
        #expect(mirror.index == nil, "a delta, not a whole validation")
        let taken = mirror.takeDelta()
        let delta = try #require(taken)
        #expect(store.adoptDelta(mirror.snapshot, delta, entries: try #require(mirror.entries(for: delta))))
        #expect(store.lookup(Self.secret(999))?.metricLabel == "web/new")
        #expect(store.lookup(Self.secret(3))?.metricLabel == "sandbox/t3")
        #expect(store.serving.snapshot == mirror.snapshot)
    }

    @Test func aDeletedTokenIsRefusedByEveryObserverWhenTheApplyReturns() throws {
        let directory = TemporaryDirectory()
        let base = Self.snapshot(tokens: 10)
        _ = try Fixture.writeSnapshot(base, in: directory)
        let store = try TokenStore(dataDirectory: directory.path, logger: RecordingLog().logger)
        var (mirror, revision) = Self.seededMirror(base)
        _ = mirror.takeDelta()
        // An observer (the event loops' views) that checks the cache when it is called.
        let seen = Seen()
        _ = store.observeInstalls { [store] _ in seen.values.withLock { $0.append(store.lookup(Self.secret(4)) == nil) } }
        revision += 1
        mirror.receive(key: SnapshotKey.ingestToken(repository: "web", name: "t4").text, revision: revision, value: [], nowMillis: 0)
        #expect(mirror.settle(nowMillis: 0).changed)
        let taken = mirror.takeDelta()
        let delta = try #require(taken)
        #expect(store.adoptDelta(mirror.snapshot, delta, entries: try #require(mirror.entries(for: delta))))
        #expect(seen.values.withLock { $0 } == [true], "the observers ran, after the cache dropped the token, before the apply returned")
        #expect(store.lookup(Self.secret(4)) == nil)
        #expect(store.lookup(Self.secret(9))?.metricLabel == "sandbox/t9", "the token moved into the gap still serves")
    }

    @Test func anInvalidDeltaIsRefusedAndTheSetKeepsServing() throws {
        var (mirror, revision) = Self.seededMirror(Self.snapshot(tokens: 10))
        _ = mirror.takeDelta()
        let before = mirror.snapshot
        // The secret of another token: a duplicate, found without validating the whole set.
        let copy = IngestToken(name: "copy", repository: "web", token: Self.secret(5))
        #expect(mirror.deltaPositions([(.ingestToken(repository: "web", name: "copy"), .ingestToken(copy))]) == nil)
        revision += 1
        mirror.receive(key: SnapshotKey.ingestToken(repository: "web", name: "copy").text, revision: revision,
                       value: SnapshotElement.ingestToken(copy).encoded(), nowMillis: 0)
        let (changed, refusals) = mirror.settle(nowMillis: 0)
        #expect(!changed)
        #expect(refusals.count == 1 && refusals.first.map { "\($0)".contains("duplicate token") } == true)
        #expect(mirror.snapshot == before)
        // A token naming a missing repository is not a delta either, and is refused the same way.
        let stray = IngestToken(name: "stray", repository: "missing", token: Self.secret(77))
        #expect(mirror.deltaPositions([(.ingestToken(repository: "missing", name: "stray"), .ingestToken(stray))]) == nil)
        // A valid change after it still applies as a delta.
        revision += 1
        let good = IngestToken(name: "good", repository: "web", token: Self.secret(500))
        mirror.receive(key: SnapshotKey.ingestToken(repository: "web", name: "good").text, revision: revision,
                       value: SnapshotElement.ingestToken(good).encoded(), nowMillis: 0)
        let later = mirror.settle(nowMillis: 0)
        #expect(later.changed && later.refusals.isEmpty)
        let taken = mirror.takeDelta()
        #expect(taken != nil)
    }

    @Test func aGroupedChangeAppliesTogether() throws {
        var (mirror, revision) = Self.seededMirror(Self.snapshot(tokens: 5))
        _ = mirror.takeDelta()
        let first = IngestToken(name: "pair-1", repository: "web", token: Self.secret(601))
        let second = IngestToken(name: "pair-2", repository: "sandbox", token: Self.secret(602))
        for (n, token) in [first, second].enumerated() {
            revision += 1
            let value = SnapshotValue(batch: ("g1", 2), body: SnapshotElement.ingestToken(token).encoded()[...])
            mirror.receive(key: SnapshotElement.ingestToken(token).key.text, revision: revision, value: value.bytes, nowMillis: 0)
            let settled = mirror.settle(nowMillis: 0)
            #expect(settled.changed == (n == 1), "nothing applies before the whole batch arrived")
        }
        #expect(mirror.snapshot.ingestTokens.suffix(2).map(\.name) == ["pair-1", "pair-2"])
        let taken = mirror.takeDelta()
        #expect(try #require(taken).dirty.count == 2)
    }

    @Test func aRepositoryChangeTakesTheFullPath() throws {
        var (mirror, revision) = Self.seededMirror(Self.snapshot(tokens: 3))
        _ = mirror.takeDelta()
        revision += 1
        let repository = SnapshotElement.repository(Repository(name: "web", description: "changed"))
        mirror.receive(key: repository.key.text, revision: revision, value: repository.encoded(), nowMillis: 0)
        #expect(mirror.settle(nowMillis: 0).changed)
        #expect(mirror.index != nil)
        let taken = mirror.takeDelta()
        #expect(taken == nil, "the store installs the whole set")
    }

    /// Random adds, deletions, rotations and parser changes, alone or in batches: after each, the mirror's
    /// set equals what the full path makes of the same keys, its digests equal a whole validation's, and a
    /// store patched with the deltas answers every credential exactly as a store loaded from that set.
    @Test func deltasEqualAFullRebuild() throws {
        let directory = TemporaryDirectory()
        let base = Self.snapshot(tokens: 40)
        _ = try Fixture.writeSnapshot(base, in: directory)
        let store = try TokenStore(dataDirectory: directory.path, logger: RecordingLog().logger)
        var (mirror, revision) = Self.seededMirror(base)
        _ = mirror.takeDelta()
        let latest = Latest()
        let serving = store.observeInstalls { installed in latest.generation.withLock { $0 = installed } }
        latest.generation.withLock { $0 = $0 ?? serving }
        var reference = base
        var random = SystemRandomNumberGenerator()
        var fresh = 1000
        for step in 0..<60 {
            var changes: [SnapshotElement?] = []
            var keys: [SnapshotKey] = []
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let existing = reference.ingestTokens.filter { token in !keys.contains(.ingestToken(repository: token.repository, name: token.name)) }
                var token = existing.randomElement(using: &random)!
                switch Int.random(in: 0..<5, using: &random) {
                case 0:
                    fresh += 1
                    token = IngestToken(name: "n\(fresh)", repository: Bool.random(using: &random) ? "web" : "sandbox", token: Self.secret(fresh))
                    changes.append(.ingestToken(token))
                case 1:
                    changes.append(nil)
                case 4:
                    // Forms the listing keeps beside its records: an upper-case digest, a long custom token.
                    fresh += 1
                    token = IngestToken(name: "o\(fresh)", repository: "web")
                    if Bool.random(using: &random) {
                        token.tokenSha256 = TokenDigest(hashing: Self.secret(fresh)).hex.uppercased()
                    } else {
                        (token.token, token.custom) = ("custom-\(fresh)-" + String(repeating: "c", count: 60), true)
                    }
                    changes.append(.ingestToken(token))
                case 2:
                    fresh += 1
                    token.previousTokenSha256 = token.token.map { TokenDigest(hashing: $0).hex } ?? token.tokenSha256
                    token.previousExpiresAt = 4_000_000_000_000
                    token.token = Self.secret(fresh)
                    token.tokenSha256 = nil
                    changes.append(.ingestToken(token))
                default:
                    token.parser = token.parser == nil ? "json" : nil
                    changes.append(.ingestToken(token))
                }
                keys.append(.ingestToken(repository: token.repository, name: token.name))
            }
            for (key, element) in zip(keys, changes) {
                reference.set(key, to: element)
                revision += 1
                let value = SnapshotValue(batch: keys.count > 1 ? ("s\(step)", keys.count) : nil, body: (element?.encoded() ?? [])[...])
                mirror.receive(key: key.text, revision: revision, value: value.bytes, nowMillis: 0)
            }
            let settled = mirror.settle(nowMillis: 0)
            #expect(settled.refusals.isEmpty, "step \(step): \(settled.refusals)")
            #expect(mirror.index == nil, "step \(step) took the full path")
            let index = try reference.validate(file: "reference")
            #expect(Self.sorted(mirror.snapshot.ingestTokens) == Self.sorted(reference.ingestTokens))
            var withoutTokens = mirror.snapshot
            withoutTokens.ingestTokens = reference.ingestTokens
            #expect(withoutTokens == reference, "step \(step): only ingest tokens change")
            let rebuilt = try mirror.snapshot.validate(file: "rebuilt")
            #expect(Array(rebuilt.ingestDigests) == mirror.deltaIndex?.ingestDigests)
            #expect(rebuilt.ingestNameHashList == mirror.deltaIndex?.ingestNameHashes, "step \(step): the name hashes follow the list")
            Self.expectPositionsFound(mirror, step: step)
            #expect(Dictionary(rebuilt.previousDigests.map { ($0, $1) }, uniquingKeysWith: { a, _ in a }) == mirror.deltaIndex?.previousDigests)
            #expect(Set(Self.digests(index)) == Set(Self.digests(rebuilt)))

            let taken = mirror.takeDelta()
            let delta = try #require(taken)
            let before = LoopScopes(try #require(latest.generation.withLock { $0 }), parsers: store.parsers)
            #expect(store.adoptDelta(mirror.snapshot, delta, entries: try #require(mirror.entries(for: delta))))
            #expect(store.serving.ingestTokens.patchDepth == step + 1, "step \(step): the listing was patched, not built again")
            let loop = LoopScopes(try #require(latest.generation.withLock { $0 }), parsers: store.parsers)
            let other = TemporaryDirectory()
            _ = try Fixture.writeSnapshot(mirror.snapshot, in: other)
            let full = try TokenStore(dataDirectory: other.path, logger: RecordingLog().logger)
            #expect(store.cache.count == full.cache.count, "step \(step): no credential more or less than a full load")
            for digest in Self.digests(rebuilt) {
                let loaded = try #require(full.cache.lookup(digest: digest))
                let entry = try #require(store.cache.entry(digest: digest), "step \(step): \(loaded.metricLabel) missing")
                let shared = store.cache.lookup(digest: digest), own = loop.principal(for: entry)
                #expect(Self.same(shared, loaded) && Self.same(own, loaded), "step \(step): credential of \(loaded.metricLabel)")
                // A loop still on the previous view resolves the entry as the new set does, or not at all
                // (it then asks the cache).
                if let stale = before.principal(for: entry) { #expect(Self.same(stale, loaded), "step \(step): stale view of \(loaded.metricLabel)") }
            }
            #expect(store.serving.snapshot == mirror.snapshot)
        }
    }

    /// Edits of one ingest token prepared on that token alone (``SnapshotMirror/prepare(batchID:ingestToken:_:)``)
    /// write exactly what the same edits prepared on the whole set write, refuse with the same words, and
    /// leave the same set once committed; the accepted ones apply as deltas.
    @Test func editsOfOneTokenEqualEditsOfTheWholeSet() throws {
        var (focused, revision) = Self.seededMirror(Self.snapshot(tokens: 30))
        var whole = focused
        var random = SystemRandomNumberGenerator()
        var fresh = 2000
        var applied = 0
        for step in 0..<60 {
            let existing = focused.snapshot.ingestTokens.randomElement(using: &random)!
            fresh += 1
            let key: TokenKey
            let body: (inout Snapshot) throws(TokenError) -> String
            switch Int.random(in: 0..<9, using: &random) {
            case 0, 1:
                let name = "n\(fresh)", custom = "custom-token-\(fresh)"
                key = TokenKey(repository: "web", name: name)
                body = { (s) throws(TokenError) in try s.addIngestToken(repository: "web", name: name, customToken: custom, createdAt: 1) }
            case 2:
                key = TokenKey(repository: existing.repository, name: existing.name)
                body = { (s) throws(TokenError) in try s.removeIngestToken(repository: existing.repository, name: existing.name); return "" }
            case 3:
                key = TokenKey(repository: existing.repository, name: existing.name)
                let expiry = Int64(fresh) * 1_000_000_000
                body = { (s) throws(TokenError) in try s.setIngestTokenExpiry(repository: existing.repository, name: existing.name, expiresAt: expiry).name }
            case 4:
                key = TokenKey(repository: existing.repository, name: existing.name)
                body = { (s) throws(TokenError) in
                    existing.parser == nil ? try s.assignParser(repository: existing.repository, tokenName: existing.name, parser: "json").name
                        : try s.unassignParser(repository: existing.repository, tokenName: existing.name).name
                }
            case 5:
                key = TokenKey(repository: existing.repository, name: existing.name)
                body = { (s) throws(TokenError) in
                    try s.setIngestTokenLimits(repository: existing.repository, name: existing.name, limits: nil, dailyBytes: 1 << 20).name
                }
            case 6:
                // Refused: the name is taken.
                key = TokenKey(repository: existing.repository, name: existing.name)
                body = { (s) throws(TokenError) in try s.addIngestToken(repository: existing.repository, name: existing.name, createdAt: 1) }
            case 7:
                // Refused: the custom secret is another token's (found by the whole-set run the focused one defers to).
                let taken = existing.token ?? "custom-unused-secret-\(fresh)"
                key = TokenKey(repository: "web", name: "dup\(fresh)")
                body = { (s) throws(TokenError) in try s.addIngestToken(repository: "web", name: "dup\(fresh)", customToken: taken, createdAt: 1) }
            default:
                // Refused: no such token.
                key = TokenKey(repository: "web", name: "missing")
                body = { (s) throws(TokenError) in try s.removeIngestToken(repository: "web", name: "missing"); return "" }
            }
            let a = Result { () throws(TokenError) in try focused.prepare(batchID: "b\(step)", ingestToken: key, body) }
            let b = Result { () throws(TokenError) in try whole.prepare(batchID: "b\(step)", body) }
            switch (a, b) {
            case let (.success(one), .success(all)):
                #expect(one.writes == all.writes, "step \(step)")
                #expect(one.result == all.result)
                if one.isFocused { applied += 1 }
                let written = one.writes.map { _ in revision += 1; return revision }
                focused.committed(one, revisions: written)
                whole.committed(all, revisions: written)
                #expect(!one.isFocused || one.writes.isEmpty || focused.index == nil, "step \(step): a focused edit applies as a delta")
            case let (.failure(one), .failure(all)):
                #expect("\(one)" == "\(all)", "step \(step)")
            default:
                Issue.record("step \(step): \(a) against \(b)")
            }
            #expect(Self.sorted(focused.snapshot.ingestTokens) == Self.sorted(whole.snapshot.ingestTokens), "step \(step)")
            #expect(focused.revisions == whole.revisions)
            if focused.deltaIndex != nil { Self.expectPositionsFound(focused, step: step) }
        }
        #expect(applied > 10)
        // The focused mirror's set is what a whole validation accepts, with the digests it kept up to date.
        let rebuilt = try focused.snapshot.validate(file: "rebuilt")
        #expect(Array(rebuilt.ingestDigests) == focused.deltaIndex?.ingestDigests)
        #expect(rebuilt.ingestNameHashList == focused.deltaIndex?.ingestNameHashes)
    }

    /// Every ingest token is found at its own position through the delta index's name hashes, and a key not
    /// in the set is not found.
    static func expectPositionsFound(_ mirror: SnapshotMirror, step: Int) {
        #expect(mirror.deltaIndex != nil, "step \(step): positions are looked up by name hash")
        let tokens = mirror.snapshot.ingestTokens
        let found = mirror.ingestPositions(of: tokens.map { ($0.repository, $0.name) })
        #expect(found == tokens.indices.map { Optional($0) }, "step \(step): a token is found where it stands")
        #expect(mirror.ingestPositions(of: [("web", "absent-token")]) == [nil])
    }

    /// Every credential digest a validation produced.
    static func digests(_ index: SnapshotIndex) -> [TokenDigest] {
        Array(index.apiDigests) + Array(index.ingestDigests) + index.previousDigests.map(\.1)
    }

    /// Whether two principals resolve to the same credential in every property a request uses.
    static func same(_ a: Principal?, _ b: Principal?) -> Bool {
        guard let a, let b else { return false }
        return a.metricLabel == b.metricLabel && a.usageSlot == b.usageSlot && a.expiresAtMillis == b.expiresAtMillis
            && a.isPreviousSecret == b.isPreviousSecret && a.parser?.name == b.parser?.name && a.kind == b.kind
            && a.canIngest == b.canIngest && a.usesHECAcknowledgements == b.usesHECAcknowledgements && (a.limits == nil) == (b.limits == nil)
    }
}

/// The generation an install observer saw last.
final class Latest: Sendable {
    let generation = Mutex<TokenGeneration?>(nil)
}

/// What an install observer saw, one entry per call.
final class Seen: Sendable {
    let values = Mutex<[Bool]>([])
}
