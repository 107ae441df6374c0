import Parsers

/// What a token store serves after one install, as each event loop compiles its own view of it: the
/// generation's scopes (kinds, flags, parser names, limits, expiry), its custom parsers' definitions and its
/// repositories. Handed to the observers of ``TokenStore/observeInstalls(_:)``.
public struct TokenGeneration: Sendable {
    let scopes: [Principal.Scope]
    /// The snapshot's custom parsers, which each loop compiles for itself.
    public let parsers: [CustomParserDefinition]
    /// The generation's compiled parsers, for a loop whose own compile fails (it cannot: validation
    /// compiled the same definitions).
    public let registry: ParserRegistry
    public let repositories: [String: Repository]
}

/// One event loop's own copies of a generation's scopes, so the principals it serves hold objects (scope,
/// parser, limit policy) that only this loop retains, while the credential cache stays shared.
///
/// Guarantees: ``localize(_:)`` returns a principal equal in every property to the one given when that
/// principal is of this generation (found by its scope's index and identity), else nil; the generation's
/// shared scopes are kept alive here, so an identity is never that of a freed and reused object.
/// Not thread-safe: one per loop.
public struct LoopScopes: Sendable {
    private let shared: [Principal.Scope]
    private let own: [Principal.Scope]

    /// No scopes: every principal is served as the cache holds it.
    public init() {
        shared = []
        own = []
    }

    /// Compiles the loop's own scope for each of `generation`'s, with parsers from the loop's `parsers`.
    public init(_ generation: TokenGeneration, parsers: ParserRegistry) {
        shared = generation.scopes
        own = generation.scopes.map { Principal.Scope(compiling: $0, parsers: parsers) }
    }

    /// True when built with no generation (``init()``).
    public var isEmpty: Bool { shared.isEmpty }

    /// `principal` with this loop's own scope and label storage; nil when its scope is not of this generation
    /// (a lookup between a reload's swap and this loop's new view).
    public func localize(_ principal: Principal) -> Principal? {
        let index = principal.scope.index
        guard index >= 0, index < shared.count, shared[index] === principal.scope else { return nil }
        return Principal(scope: own[index], metricLabel: String(decoding: Array(principal.metricLabel.utf8), as: UTF8.self),
                         usageSlot: principal.usageSlot)
    }
}
