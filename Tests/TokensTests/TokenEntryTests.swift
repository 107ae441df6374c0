import Parsers
import Testing
@testable import Tokens

/// The token table's rows: plain values, resolved by the catalog they were built with or by a loop's scopes
/// compiled from it, and by nothing else.
@Suite struct TokenEntryTests {
    @Test func anEntryHoldsNoReference() {
        #expect(_isPOD(TokenEntry.self), "the table stores no object reference")
    }

    /// A loop's scopes resolve a table entry into a principal equal to the catalog's, with the loop's own
    /// scope object and parser.
    @Test func aLoopsScopesResolveATableEntry() throws {
        let (set, generation) = try RecentCredentialTests.snapshotSet(parser: "kv")
        let cache = TokenCache(set)
        let parsers = try ParserRegistry.compile(generation.parsers)
        let scopes = LoopScopes(generation, parsers: parsers)
        for token in [Fixture.tokenA, Fixture.apiToken] {
            let entry = try #require(cache.entry(digest: TokenDigest(hashing: token)))
            #expect(entry.generation == set.catalog.stamp)
            let own = try #require(scopes.principal(for: entry))
            let shared = try #require(set.catalog.principal(for: entry))
            #expect(own.kind == shared.kind && own.metricLabel == shared.metricLabel && own.usageSlot == shared.usageSlot)
            #expect(own.canIngest == shared.canIngest && own.canReadMetrics == shared.canReadMetrics)
            #expect(own.expiresAtMillis == shared.expiresAtMillis && own.isPreviousSecret == shared.isPreviousSecret)
            #expect(own.scope !== shared.scope)
        }
        let entry = try #require(cache.entry(digest: TokenDigest(hashing: Fixture.tokenA)))
        #expect(scopes.principal(for: entry)?.parser === parsers.pipeline(named: "kv"))
        #expect(cache.lookup(Fixture.tokenA)?.metricLabel == "web/default")
    }

    /// An entry of one generation resolves in no other: not with another set's catalog, not with a loop's
    /// scopes of another generation, not without scopes.
    @Test func anEntryOfAnotherGenerationDoesNotResolve() throws {
        let first = try RecentCredentialTests.snapshotSet(parser: "kv")
        let second = try RecentCredentialTests.snapshotSet(parser: "kv")
        let entry = try #require(TokenCache(first.set).entry(digest: TokenDigest(hashing: Fixture.tokenA)))
        #expect(second.set.catalog.stamp != first.set.catalog.stamp)
        #expect(second.set.catalog.principal(for: entry) == nil)
        #expect(LoopScopes(second.generation, parsers: .builtins).principal(for: entry) == nil)
        #expect(LoopScopes().principal(for: entry) == nil)
        #expect(LoopScopes(first.generation, parsers: .builtins).principal(for: entry) != nil)
    }

    /// Labels are stored back to back and read back whole, whatever their length.
    @Test func labelsOfAnyLengthReadBack() {
        let long = String(repeating: "r", count: 300)
        let set = TokenCacheTests.set([("a", TokenCacheTests.ingestPrincipal("w", "s")), ("b", TokenCacheTests.ingestPrincipal(long, "é")),
                                       ("c", TokenCacheTests.ingestPrincipal("", ""))])
        let cache = TokenCache(set)
        #expect(cache.lookup("a")?.metricLabel == "w/s")
        #expect(cache.lookup("b")?.metricLabel == long + "/é")
        #expect(cache.lookup("c")?.metricLabel == "/")
        #expect(set.catalog.labels.count == "w/s".utf8.count + (long + "/é").utf8.count + 1)
    }
}
