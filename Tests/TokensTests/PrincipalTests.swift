import Parsers
import Testing
@testable import Tokens

/// A resolved principal's metric label is read from its catalog's bytes only when asked for.
@Suite struct PrincipalLabelTests {
    /// Tokens whose labels differ in length (inline and heap strings, multi-byte UTF-8) and sit side by side
    /// in the catalog's byte array, so a label read at a wrong offset or length shows.
    static func snapshot() -> Snapshot {
        var snapshot = Fixture.snapshot()
        let names = ["a", "bb", "a name well over fifteen bytes", "é🙂 ünïcödé", "t", String(repeating: "n", count: 200)]
        for (i, name) in names.enumerated() {
            snapshot.ingestTokens.append(IngestToken(name: name, repository: i % 2 == 0 ? "sandbox" : "elsewhere",
                                                     tokenSha256: TokenDigest(hashing: "label \(i)").hex))
        }
        return snapshot
    }

    @Test func everyResolvedLabelIsItsTokensRepositoryAndName() throws {
        let snapshot = Self.snapshot()
        let index = try snapshot.validate(file: "t")
        let set = TokenSet(snapshot: snapshot, index: index)
        let generation = TokenGeneration(scopes: set.scopes, parsers: snapshot.parsers, registry: index.registry,
                                         repositories: index.repositoriesByName)
        let scopes = LoopScopes(generation, parsers: try ParserRegistry.compile(snapshot.parsers))
        let cache = TokenCache(set)
        var expected: [(TokenDigest, String)] = zip(index.ingestDigests, snapshot.ingestTokens).map { ($0, "\($1.repository)/\($1.name)") }
        expected += zip(index.apiDigests, snapshot.apiTokens).map { ($0, "api/\($1.name)") }
        #expect(expected.count == set.count)
        for (digest, label) in expected {
            let shared = try #require(cache.lookup(digest: digest))
            let entry = try #require(cache.entry(digest: digest))
            let own = try #require(scopes.principal(for: entry))
            #expect(!shared.ownsLabel && !own.ownsLabel, "resolved without reading the label")
            #expect(shared.metricLabel == label)
            #expect(own.metricLabel == label)
            #expect(own.withOwnLabel().ownsLabel && own.withOwnLabel().metricLabel == label)
        }
    }

    /// A loop's remembered credential keeps its label read out after the second request, and the label stays right.
    @Test func aRememberedCredentialKeepsItsLabel() throws {
        let (set, generation) = try RecentCredentialTests.snapshotSet(parser: "json")
        let cache = TokenCache(set)
        let scopes = LoopScopes(generation, parsers: try ParserRegistry.compile(generation.parsers))
        var recent = RecentCredential()
        let first = try #require(Array(Fixture.tokenA.utf8).withUnsafeBytes { recent.lookup($0, in: cache, scopes: scopes) })
        let second = try #require(Array(Fixture.tokenA.utf8).withUnsafeBytes { recent.lookup($0, in: cache, scopes: scopes) })
        #expect(!first.ownsLabel && second.ownsLabel)
        #expect(first.metricLabel == "web/default" && second.metricLabel == "web/default")
    }

    @Test func aDirectlyBuiltPrincipalKeepsItsText() {
        let principal = Principal(kind: .ingestToken(repository: "web"), canIngest: true, metricLabel: "web/direct")
        #expect(principal.ownsLabel && principal.metricLabel == "web/direct")
    }
}
