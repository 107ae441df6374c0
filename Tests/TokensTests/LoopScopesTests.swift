import Parsers
import Testing
@testable import Tokens

/// A loop's own scopes: equal principals for its generation's, none for another generation's.
@Suite struct LoopScopesTests {
    @Test func localizesPrincipalsOfItsGenerationOnly() throws {
        let (set, generation) = try RecentCredentialTests.snapshotSet(parser: "json")
        let (otherSet, _) = try RecentCredentialTests.snapshotSet(parser: "json")
        let scopes = LoopScopes(generation, parsers: try ParserRegistry.compile(generation.parsers))
        let cache = TokenCache(set)
        for token in [Fixture.tokenA, Fixture.apiToken] {
            let shared = try #require(cache.lookup(token))
            let own = try #require(scopes.localize(shared))
            #expect(own.kind == shared.kind && own.canIngest == shared.canIngest && own.isRoot == shared.isRoot)
            #expect(own.canReadMetrics == shared.canReadMetrics && own.metricLabel == shared.metricLabel)
            #expect(own.parser?.name == shared.parser?.name && own.usesHECAcknowledgements == shared.usesHECAcknowledgements)
            #expect(own.scope !== shared.scope)
        }
        let foreign = try #require(TokenCache(otherSet).lookup(Fixture.tokenA))
        #expect(scopes.localize(foreign) == nil)
        #expect(LoopScopes().localize(foreign) == nil)
    }
}
