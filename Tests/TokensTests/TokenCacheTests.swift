import Testing
@testable import Tokens

@Suite struct TokenCacheTests {
    static func ingestPrincipal(_ repository: String, _ name: String) -> Principal {
        Principal(kind: .ingestToken(repository: repository), canIngest: true, metricLabel: repository + "/" + name)
    }

    static func set(_ tokens: [(String, Principal)]) -> TokenSet {
        TokenSet(entries: tokens.map { (TokenDigest(hashing: $0.0), $0.1) })
    }

    @Test func hitsAndMisses() {
        let cache = TokenCache(Self.set([("token-one", Self.ingestPrincipal("web", "one")),
                                         ("token-two", Self.ingestPrincipal("db", "two"))]))
        #expect(cache.count == 2)
        #expect(cache.lookup("token-one")?.metricLabel == "web/one")
        #expect(cache.lookup("token-two")?.kind == .ingestToken(repository: "db"))
        #expect(cache.lookup("token-three") == nil)
        #expect(cache.lookup("token-on") == nil)
        #expect(cache.lookup("") == nil)
    }

    @Test func replaceSwapsTheWholeSet() {
        let cache = TokenCache(Self.set([("old", Self.ingestPrincipal("web", "old")),
                                         ("kept", Self.ingestPrincipal("web", "kept-v1"))]))
        cache.replace(with: Self.set([("new", Self.ingestPrincipal("web", "new")),
                                      ("kept", Self.ingestPrincipal("web", "kept-v2"))]))
        #expect(cache.lookup("old") == nil)  // removed: fails from the next lookup on
        #expect(cache.lookup("new")?.metricLabel == "web/new")
        #expect(cache.lookup("kept")?.metricLabel == "web/kept-v2")
        #expect(cache.count == 2)
        cache.replace(with: TokenSet())
        #expect(cache.lookup("new") == nil && cache.count == 0)
    }

    /// 100 000 tokens: every one found, absent ones not, with the same digests the snapshot uses.
    @Test func largeSetLoadsAndAnswers() {
        let count = 100_000
        var entries = [(digest: TokenDigest, principal: Principal)]()
        entries.reserveCapacity(count)
        let principal = Self.ingestPrincipal("web", "bulk")
        for i in 0..<count { entries.append((TokenDigest(hashing: "token-\(i)"), principal)) }
        let cache = TokenCache(TokenSet(entries: entries))
        #expect(cache.count == count)
        var found = 0
        for i in stride(from: 0, to: count, by: 7) where cache.lookup("token-\(i)") != nil { found += 1 }
        #expect(found == (count + 6) / 7)
        var spurious = 0
        for i in count..<(count + 10_000) where cache.lookup("token-\(i)") != nil { spurious += 1 }
        #expect(spurious == 0)
    }

    /// Digests that share the stripe byte and the home slot still resolve to their own principal.
    @Test func collidingDigestsProbeToTheirOwnEntry() {
        let a = TokenDigest(w0: 7, w1: 42, w2: 1, w3: 1)
        let b = TokenDigest(w0: 7, w1: 42, w2: 1, w3: 2)
        let c = TokenDigest(w0: 7, w1: 42, w2: 2, w3: 1)
        let cache = TokenCache(TokenSet(entries: [(a, Self.ingestPrincipal("r", "a")), (b, Self.ingestPrincipal("r", "b"))]))
        #expect(cache.lookup(digest: a)?.metricLabel == "r/a")
        #expect(cache.lookup(digest: b)?.metricLabel == "r/b")
        #expect(cache.lookup(digest: c) == nil)
    }

    /// Lookups running while the set is replaced back and forth always get a principal of one whole
    /// generation: a token present in both generations is never missing, and one present in neither never appears.
    @Test func lookupsDuringReplaceSeeOldOrNew() async {
        let generationA = Self.set((0..<1000).map { ("t\($0)", Self.ingestPrincipal("a", "t\($0)")) })
        let generationB = Self.set((0..<1000).map { ("t\($0)", Self.ingestPrincipal("b", "t\($0)")) })
        let cache = TokenCache(generationA)
        await withTaskGroup(of: Int.self) { group in
            group.addTask {
                for round in 0..<50 { cache.replace(with: round % 2 == 0 ? generationB : generationA) }
                return 0
            }
            group.addTask {
                var problems = 0
                for round in 0..<20_000 {
                    let i = round % 1000
                    guard let principal = cache.lookup("t\(i)") else { problems += 1; continue }
                    if principal.metricLabel.hasSuffix("/t\(i)") == false { problems += 1 }
                    if cache.lookup("absent\(i)") != nil { problems += 1 }
                }
                return problems
            }
            var problems = 0
            for await result in group { problems += result }
            #expect(problems == 0)
        }
    }

    @Test func digestHexRoundTrips() throws {
        let digest = TokenDigest(hashing: "abc")
        #expect(digest.hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(TokenDigest(hex: digest.hex) == digest)
        #expect(TokenDigest(hex: digest.hex.uppercased()) == digest)
        #expect(TokenDigest(hex: "xyz") == nil)
    }
}

@Suite struct PrincipalTests {
    @Test(arguments: [
        Principal.Kind.ingestToken(repository: "web"), .organizationToken(organization: "acme"), .systemToken, .personal(user: "bob"),
    ], [false, true])
    func kindsAndFlagsRoundTrip(_ kind: Principal.Kind, _ flag: Bool) {
        let principal = Principal(kind: kind, canIngest: flag, metricLabel: "label", isRoot: !flag)
        #expect(principal.kind == kind)
        #expect(principal.canIngest == flag && principal.isRoot == !flag && principal.metricLabel == "label")
        if case let .personal(user) = kind { #expect(principal.userName == user) } else { #expect(principal.userName == nil) }
        if case let .ingestToken(repository) = kind { #expect(principal.ingestRepository == repository) } else { #expect(principal.ingestRepository == nil) }
    }
}

@Suite struct TokenSetTests {
    /// Tokens of one repository and parser share one scope object; a different parser or repository gets its own.
    @Test func scopesAreShared() throws {
        var snapshot = Fixture.snapshot()
        snapshot.ingestTokens.append(IngestToken(name: "second", repository: "web", parser: "json", token: "C" + String(repeating: "c", count: 42)))
        let set = TokenSet(snapshot: snapshot, index: try snapshot.validate(file: "f"))
        let principals = Dictionary(uniqueKeysWithValues: set.entries.map { ($0.principal.metricLabel, $0.principal) })
        let first = try #require(principals["web/default"]), second = try #require(principals["web/second"])
        let unparsed = try #require(principals["web/hashed"])
        #expect(first.scope === second.scope)
        #expect(first.scope !== unparsed.scope)
        #expect(second.parser?.name == "json" && unparsed.parser == nil)
        #expect(principals["api/shipper"]?.kind == .organizationToken(organization: "default"))
        #expect(principals["api/alice-personal"]?.userName == "alice")
    }
}

@Suite struct SlotSlabTests {
    @Test func anEntryFitsItsSlot() {
        #expect(MemoryLayout<TokenEntry>.size <= SlotSlab.Layout.occupied - SlotSlab.Layout.entry)
        #expect(SlotSlab.Layout.stride == 64)
    }

    /// Replacing a generation releases the principals it held (the slab's deinit), both for a small slab
    /// and for a large one (2 MiB or more: the huge-page mapping).
    @Test(arguments: [10, 50_000])
    func replacedGenerationsReleaseTheirPrincipals(_ count: Int) {
        weak var released: AnyObject?
        let cache: TokenCache
        do {
            let principal = TokenCacheTests.ingestPrincipal("web", "a label longer than fifteen bytes")
            released = principal.scope
            cache = TokenCache(TokenSet(entries: (0..<count).map { (TokenDigest(hashing: "t\($0)"), principal) }))
        }
        #expect(released != nil)
        #expect(cache.lookup("t\(count - 1)")?.metricLabel == "web/a label longer than fifteen bytes")
        cache.replace(with: TokenCacheTests.set([("other", TokenCacheTests.ingestPrincipal("db", "x"))]))
        #expect(released == nil)
        #expect(cache.lookup("t0") == nil && cache.lookup("other") != nil)
    }
}
