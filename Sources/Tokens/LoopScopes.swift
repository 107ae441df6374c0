import Parsers

/// What a token store serves after one install, as each event loop compiles its own view of it: the
/// generation's catalog (scopes with their kinds, flags, parser names, limits and expiry; the tokens'
/// labels), its custom parsers' definitions and its repositories. Handed to the observers of
/// ``TokenStore/observeInstalls(_:)``.
public struct TokenGeneration: Sendable {
    let catalog: TokenCatalog
    /// The snapshot's custom parsers, which each loop compiles for itself.
    public let parsers: [CustomParserDefinition]
    /// The generation's compiled parsers, for a loop whose own compile fails (it cannot: validation
    /// compiled the same definitions).
    public let registry: ParserRegistry
    public let repositories: [String: Repository]

    init(scopes catalog: TokenCatalog, parsers: [CustomParserDefinition], registry: ParserRegistry,
         repositories: [String: Repository]) {
        self.catalog = catalog
        self.parsers = parsers
        self.registry = registry
        self.repositories = repositories
    }
}

/// One event loop's own copies of a generation's scopes: the loop resolves the token table's entries
/// (``TokenEntry``, plain indexes) into principals holding objects (scope, parser, limit policy) that only
/// this loop retains, while the table itself stays shared.
///
/// Guarantees: ``principal(for:)`` returns, for an entry of this generation, a principal equal in every
/// property to the one its catalog resolves (``TokenCatalog/principal(for:)``), else nil. The labels are
/// read in place from the generation's catalog, which is immutable.
/// Not thread-safe: one per loop.
public struct LoopScopes: Sendable {
    private let catalog: TokenCatalog?
    private let own: [Principal.Scope]

    /// No scopes: no entry resolves (callers serve the catalog's principal).
    public init() {
        catalog = nil
        own = []
    }

    /// Compiles the loop's own scope for each of `generation`'s, with parsers from the loop's `parsers`.
    public init(_ generation: TokenGeneration, parsers: ParserRegistry) {
        catalog = generation.catalog
        own = generation.catalog.scopes.map { Principal.Scope(compiling: $0, parsers: parsers) }
    }

    /// True when built with no generation (``init()``).
    public var isEmpty: Bool { catalog == nil }

    /// The principal `entry` names, with this loop's own scope and label storage; nil when the entry is not of
    /// this generation (a lookup between a reload's swap and this loop's new view).
    func principal(for entry: TokenEntry) -> Principal? {
        guard let catalog, catalog.holds(entry) else { return nil }
        return Principal(scope: own[Int(entry.scope)], catalog: catalog, entry: entry)
    }

    /// `principal` (as its catalog resolved it) with this loop's own scope; nil when it is not of this generation.
    public func localize(_ principal: Principal) -> Principal? {
        self.principal(for: principal.entry)
    }
}
