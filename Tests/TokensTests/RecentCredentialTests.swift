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

    /// A reload that removes or changes the remembered token takes effect from the next lookup on.
    @Test func forgetsItsAnswerAfterAReload() {
        let cache = TokenCache(TokenCacheTests.set([("kept", TokenCacheTests.ingestPrincipal("web", "v1")),
                                                    ("gone", TokenCacheTests.ingestPrincipal("web", "gone"))]))
        var recent = RecentCredential()
        #expect(lookup(&recent, "gone", cache)?.metricLabel == "web/gone")
        cache.replace(with: TokenCacheTests.set([("kept", TokenCacheTests.ingestPrincipal("web", "v2"))]))
        #expect(lookup(&recent, "gone", cache) == nil)
        #expect(lookup(&recent, "kept", cache)?.metricLabel == "web/v2")
        cache.replace(with: TokenCacheTests.set([("kept", TokenCacheTests.ingestPrincipal("web", "v3"))]))
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

    /// The remembered principal is the loop's own copy: equal in every property, but not the cache's scope
    /// object or parser, so that each loop's reference counting stays on memory only it writes.
    @Test func remembersAPrivateCopy() throws {
        let parser = try #require(ParserRegistry.builtins.pipeline(named: "accesslog"))
        let shared = Principal(kind: .ingestToken(repository: "web"), canIngest: true, metricLabel: "web/a-longer-label", parser: parser)
        let cache = TokenCache(TokenCacheTests.set([("token", shared)]))
        var recent = RecentCredential()
        let first = try #require(lookup(&recent, "token", cache))
        let again = try #require(lookup(&recent, "token", cache))
        for copy in [first, again] {
            #expect(copy.kind == shared.kind && copy.canIngest && copy.metricLabel == shared.metricLabel && copy.isRoot == shared.isRoot)
            #expect(copy.scope !== shared.scope)
            #expect(copy.parser !== parser && copy.parser?.name == parser.name)
        }
        #expect(first.scope === again.scope, "a hit returns the remembered copy")
    }
}
