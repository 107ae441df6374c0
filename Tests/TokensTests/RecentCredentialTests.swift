import Parsers
import Testing
@testable import Tokens

@Suite struct RecentCredentialTests {
    private func lookup(_ recent: inout RecentCredential, _ token: String, _ cache: TokenCache) -> Principal? {
        Array(token.utf8).withUnsafeBytes { recent.lookup($0, in: cache) }
    }

    @Test func answersWhatTheCacheAnswers() {
        let cache = TokenCache(TokenCacheTests.set([("token-one", TokenCacheTests.ingestPrincipal("web", "one")),
                                                    ("token-two", TokenCacheTests.ingestPrincipal("db", "two"))]))
        var recent = RecentCredential()
        for token in ["token-one", "token-one", "token-two", "token-one", "token-on", "token-one!", "", "token-two", "token-two"] {
            #expect(lookup(&recent, token, cache)?.metricLabel == cache.lookup(token)?.metricLabel, "\(token)")
        }
    }

    /// A reload that removes or changes the remembered token takes effect from the next lookup on: the loop
    /// forgets when it installs the reload's view, before the reload returns.
    @Test func forgetsItsAnswerAfterAReload() {
        let cache = TokenCache(TokenCacheTests.set([("kept", TokenCacheTests.ingestPrincipal("web", "v1")),
                                                    ("gone", TokenCacheTests.ingestPrincipal("web", "gone"))]))
        var recent = RecentCredential()
        #expect(lookup(&recent, "gone", cache)?.metricLabel == "web/gone")
        cache.replace(with: TokenCacheTests.set([("kept", TokenCacheTests.ingestPrincipal("web", "v2"))]))
        recent.forget()
        #expect(lookup(&recent, "gone", cache) == nil)
        #expect(lookup(&recent, "kept", cache)?.metricLabel == "web/v2")
        cache.replace(with: TokenCacheTests.set([("kept", TokenCacheTests.ingestPrincipal("web", "v3"))]))
        recent.forget()
        #expect(lookup(&recent, "kept", cache)?.metricLabel == "web/v3")
    }

    @Test func longCredentialsAreLookedUpEachTime() {
        let long = String(repeating: "k", count: RecentCredential.maxRemembered + 1)
        let cache = TokenCache(TokenCacheTests.set([(long, TokenCacheTests.ingestPrincipal("web", "long"))]))
        var recent = RecentCredential()
        #expect(lookup(&recent, long, cache)?.metricLabel == "web/long")
        cache.replace(with: TokenSet())
        #expect(lookup(&recent, long, cache) == nil)
    }

    /// Until the loop has its view of a reload, a principal of the new generation is answered as the cache
    /// holds it and not remembered; the remembered credential is then looked up again.
    @Test func aPrincipalOfAnotherGenerationIsNotRemembered() throws {
        let first = try Self.snapshotSet(parser: "accesslog")
        let second = try Self.snapshotSet(parser: "kv")
        let cache = TokenCache(second.set)
        let scopes = LoopScopes(first.generation, parsers: ParserRegistry.builtins)
        var recent = RecentCredential()
        let answer = try #require(Array(Fixture.tokenA.utf8).withUnsafeBytes { recent.lookup($0, in: cache, scopes: scopes) })
        #expect(answer.parser?.name == "kv")
        cache.replace(with: first.set)
        let again = try #require(Array(Fixture.tokenA.utf8).withUnsafeBytes { recent.lookup($0, in: cache, scopes: scopes) })
        #expect(again.parser?.name == "accesslog", "looked up again, not the remembered answer")
    }

    /// What `lend` lends is the principal `lookup` answers (held as `lentPrincipal` until the next lookup),
    /// every property read through the borrowed scope equal to the owned one's.
    @Test func lendsWhatItHolds() throws {
        let (set, generation) = try Self.snapshotSet(parser: "accesslog")
        let cache = TokenCache(set)
        let scopes = LoopScopes(generation, parsers: ParserRegistry.builtins)
        var recent = RecentCredential()
        for _ in 0..<2 {
            let borrowed = try #require(Array(Fixture.tokenA.utf8).withUnsafeBytes { recent.lend($0, in: cache, scopes: scopes) })
            let held = try #require(recent.lentPrincipal)
            #expect(borrowed == BorrowedPrincipal(held))
            #expect(borrowed.kind == held.kind && borrowed.canIngest == held.canIngest && borrowed.parser === held.parser)
            #expect(borrowed.ingestRepository == held.ingestRepository && borrowed.limits === held.limits)
            #expect(borrowed.usesHECAcknowledgements == held.usesHECAcknowledgements && borrowed.usageSlot == held.usageSlot)
            for now in [0, held.expiresAtMillis - 1, held.expiresAtMillis, .max] as [Int64] {
                #expect(borrowed.hasExpired(atMillis: now) == held.hasExpired(atMillis: now))
            }
        }
        #expect(Array("no-such-token".utf8).withUnsafeBytes { recent.lend($0, in: cache, scopes: scopes) } == nil)
        #expect(recent.lentPrincipal == nil)
        _ = Array(Fixture.tokenA.utf8).withUnsafeBytes { recent.lend($0, in: cache, scopes: scopes) }
        recent.forget()
        #expect(recent.lentPrincipal == nil)
    }

    static func snapshotSet(parser: String) throws -> (set: TokenSet, generation: TokenGeneration) {
        var snapshot = Fixture.snapshot()
        snapshot.ingestTokens[0].parser = parser
        let index = try snapshot.validate(file: "t")
        let set = TokenSet(snapshot: snapshot, index: index)
        return (set, TokenGeneration(scopes: set.scopes, parsers: snapshot.parsers, registry: index.registry,
                                     repositories: index.repositoriesByName))
    }

    /// The remembered principal is the loop's own (``LoopScopes``): equal in every property, but not the
    /// cache's scope object or parser, so that each loop's reference counting stays on memory only it writes.
    @Test func remembersTheLoopsOwnPrincipal() throws {
        let (set, generation) = try Self.snapshotSet(parser: "accesslog")
        let cache = TokenCache(set)
        let parsers = try ParserRegistry.compile([])
        let scopes = LoopScopes(generation, parsers: parsers)
        let shared = try #require(cache.lookup(Fixture.tokenA))
        var recent = RecentCredential()
        let first = try #require(Array(Fixture.tokenA.utf8).withUnsafeBytes { recent.lookup($0, in: cache, scopes: scopes) })
        let again = try #require(Array(Fixture.tokenA.utf8).withUnsafeBytes { recent.lookup($0, in: cache, scopes: scopes) })
        for copy in [first, again] {
            #expect(copy.kind == shared.kind && copy.canIngest && copy.metricLabel == shared.metricLabel && copy.isRoot == shared.isRoot)
            #expect(copy.expiresAtMillis == shared.expiresAtMillis && copy.usageSlot == shared.usageSlot)
            #expect(copy.scope !== shared.scope)
            #expect(copy.parser !== shared.parser && copy.parser === parsers.pipeline(named: "accesslog"))
        }
        #expect(first.scope === again.scope, "a hit returns the remembered principal")
    }
}
