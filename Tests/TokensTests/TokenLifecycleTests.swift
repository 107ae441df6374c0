import Foundation
import Parsers
import Testing
@testable import Tokens

/// Creation time, expiry, rotation and status of ingest tokens, with the clock passed in: the snapshot
/// fields round-trip through the file and the compact table, validation guards the rotated-out secret,
/// and the cache's principals carry the expiry the gateway compares against on every request.
@Suite struct TokenLifecycleTests {
    static let t0: Int64 = 1_796_600_000_000  // 2026-12-06T…Z

    private func lookup(_ recent: inout RecentCredential, _ token: String, _ cache: TokenCache) -> Principal? {
        Array(token.utf8).withUnsafeBytes { recent.lookup($0, in: cache) }
    }

    @Test func timesRoundTripThroughTheFileAndTheTable() throws {
        var snapshot = Fixture.snapshot()
        snapshot.ingestTokens[0].createdAt = Self.t0
        snapshot.ingestTokens[0].expiresAt = Self.t0 + 1_500
        snapshot.ingestTokens[1].previousTokenSha256 = TokenDigest(hashing: "old secret").hex
        snapshot.ingestTokens[1].previousExpiresAt = Self.t0 + 60_000
        let text = String(decoding: SnapshotFile.encode(snapshot), as: UTF8.self)
        #expect(text.contains("\"createdAt\": \"\(RFC3339.format(millis: Self.t0))\""))
        #expect(text.contains(".500Z\""))
        let decoded = try SnapshotCodec.decode(Array(text.utf8), file: "t")
        #expect(decoded == snapshot)
        #expect(IngestTokenTable(snapshot.ingestTokens).tokens == snapshot.ingestTokens)
        #expect(RFC3339.parse(RFC3339.format(millis: Self.t0 + 7)) == Self.t0 + 7)
    }

    @Test func badTimesAndHalfRotationsAreRefused() throws {
        let bad = #"{"version":1,"repositories":[{"name":"web"}],"organizations":[{"name":"default"}],"ingestTokens":[{"name":"a","repository":"web","token":"\#(Fixture.tokenA)","expiresAt":"tomorrow"}]}"#
        #expect(throws: TokenError.self) { _ = try SnapshotCodec.decode(Array(bad.utf8), file: "t") }
        var snapshot = Fixture.snapshot()
        snapshot.ingestTokens[0].previousTokenSha256 = TokenDigest(hashing: "x").hex
        #expect(throws: TokenError.invalidSnapshot(file: "t", path: "$.ingestTokens[0].previousTokenSha256",
                                                   reason: "previousTokenSha256 needs previousExpiresAt (the end of the rotation's overlap)")) {
            _ = try snapshot.validate(file: "t")
        }
        // A rotated-out secret equal to a current token is a duplicate credential.
        snapshot.ingestTokens[0].previousTokenSha256 = TokenDigest(hashing: Fixture.tokenB).hex
        snapshot.ingestTokens[0].previousExpiresAt = Self.t0
        #expect(throws: TokenError.invalidSnapshot(file: "t", path: "$.ingestTokens[0].previousTokenSha256",
                                                   reason: "duplicate token: the same token (by SHA-256) as $.ingestTokens[1]")) {
            _ = try snapshot.validate(file: "t")
        }
    }

    @Test func statusFollowsTheClock() {
        let token = IngestToken(name: "a", repository: "web", token: Fixture.tokenA, createdAt: Self.t0, expiresAt: Self.t0 + 10_000,
                                previousTokenSha256: TokenDigest(hashing: "old").hex, previousExpiresAt: Self.t0 + 5_000)
        #expect(token.status(atMillis: Self.t0) == .rotating)
        #expect(token.status(atMillis: Self.t0 + 5_000) == .active)
        #expect(token.status(atMillis: Self.t0 + 10_000) == .expired)
        #expect(IngestToken(name: "b", repository: "web").status(atMillis: .max - 1) == .active)
    }

    @Test func addRecordsCreationAndRefusesAPastExpiry() throws {
        var snapshot = Fixture.snapshot()
        try snapshot.addIngestToken(repository: "web", name: "new", createdAt: Self.t0, expiresAt: Self.t0 + 1)
        #expect(snapshot.ingestTokens.last?.createdAt == Self.t0)
        #expect(snapshot.ingestTokens.last?.expiresAt == Self.t0 + 1)
        #expect(throws: TokenError.self) {
            try snapshot.addIngestToken(repository: "web", name: "late", createdAt: Self.t0, expiresAt: Self.t0)
        }
        try snapshot.setIngestTokenExpiry(repository: "web", name: "new", expiresAt: nil)
        #expect(snapshot.ingestTokens.last?.expiresAt == nil)
    }

    @Test func rotationKeepsTheOldSecretAsADigestUntilTheOverlapEnds() throws {
        var snapshot = Fixture.snapshot()
        let fresh = try snapshot.rotateIngestToken(repository: "web", name: "default", overlapMillis: 30_000, nowMillis: Self.t0)
        let rotated = snapshot.ingestTokens[0]
        #expect(rotated.token == fresh && fresh != Fixture.tokenA)
        #expect(rotated.previousTokenSha256 == TokenDigest(hashing: Fixture.tokenA).hex)
        #expect(rotated.previousExpiresAt == Self.t0 + 30_000)
        // A token kept only as a digest stays so.
        try snapshot.rotateIngestToken(repository: "web", name: "hashed", overlapMillis: 0, nowMillis: Self.t0)
        #expect(snapshot.ingestTokens[1].token == nil && snapshot.ingestTokens[1].previousTokenSha256 == nil)
        #expect(snapshot.ingestTokens[1].tokenSha256 != TokenDigest(hashing: Fixture.tokenB).hex)
        _ = try snapshot.validate(file: "t")

        // Both secrets authenticate as the same token; the old one expires at the overlap's end.
        let index = try snapshot.validate(file: "t")
        let cache = TokenCache(TokenSet(snapshot: snapshot, index: index, usage: TokenUsage(tokenCount: snapshot.ingestTokens.count)))
        let old = try #require(cache.lookup(Fixture.tokenA))
        let new = try #require(cache.lookup(fresh))
        #expect(old.metricLabel == "web/default" && new.metricLabel == "web/default")
        #expect(old.isPreviousSecret && !new.isPreviousSecret)
        #expect(!old.hasExpired(atMillis: Self.t0 + 29_999) && old.hasExpired(atMillis: Self.t0 + 30_000))
        #expect(!new.hasExpired(atMillis: .max - 1))
        #expect(cache.lookup(Fixture.tokenB) == nil)
    }

    /// The loop remembers its last credential; the expiry still applies to that remembered answer.
    @Test func aRememberedCredentialStillExpires() throws {
        var snapshot = Fixture.snapshot()
        snapshot.ingestTokens[0].expiresAt = Self.t0 + 2_000
        let cache = TokenCache(TokenSet(snapshot: snapshot, index: try snapshot.validate(file: "t")))
        var recent = RecentCredential()
        var clock = Self.t0
        for _ in 0..<4 {
            let principal = try #require(lookup(&recent, Fixture.tokenA, cache))
            #expect(principal.hasExpired(atMillis: clock) == (clock >= Self.t0 + 2_000), "\(clock - Self.t0)")
            clock += 1_000
        }
    }

    @Test func usesLandInTheTokensSlotOnly() throws {
        let snapshot = Fixture.snapshot()
        let usage = TokenUsage(tokenCount: snapshot.ingestTokens.count)
        let cache = TokenCache(TokenSet(snapshot: snapshot, index: try snapshot.validate(file: "t"), usage: usage))
        try #require(cache.lookup(Fixture.tokenB)).noteUse(atSeconds: 1_000)
        try #require(cache.lookup(Fixture.apiToken)).noteUse(atSeconds: 2_000)
        var recent = RecentCredential()
        try #require(lookup(&recent, Fixture.tokenB, cache)).noteUse(atSeconds: 1_005)
        #expect(usage.lastUse(0) == 0)
        #expect(usage.lastUse(1) == 1_005)
    }
}
