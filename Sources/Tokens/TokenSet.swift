import Parsers

/// A complete generation of credentials: digest → table entry (plain indexes into the set's ``TokenCatalog``),
/// built from a validated snapshot and handed to `TokenCache.replace(with:)` whole.
public struct TokenSet: Sendable {
    /// Each credential's digest and entry.
    let rows: Rows

    /// The ingest tokens' rows as columns — the digests being validation's own array (shared, not copied),
    /// each token's scope and where its label ends — then the other credentials' rows: a million tokens' set
    /// holds 8 bytes a token beside the index. An ingest token's label is the catalog's next bytes after the
    /// previous token's (they come first, in token order), and its last-use slot is its position plus one.
    struct Rows: RandomAccessCollection, Sendable {
        /// The catalog stamp of the ingest tokens' entries.
        let stamp: UInt32
        let ingestDigests: [TokenDigest]
        let ingestScopes: [UInt32]
        let ingestLabelEnds: [UInt32]
        let others: [(digest: TokenDigest, entry: TokenEntry)]

        var startIndex: Int { 0 }
        var endIndex: Int { ingestScopes.count + others.count }

        subscript(position: Int) -> (digest: TokenDigest, entry: TokenEntry) {
            guard position < ingestScopes.count else { return others[position - ingestScopes.count] }
            let start = position == 0 ? 0 : ingestLabelEnds[position - 1]
            return (ingestDigests[position], TokenEntry(generation: stamp, scope: ingestScopes[position], usageSlot: UInt32(position + 1),
                                                        labelOffset: start, labelLength: ingestLabelEnds[position] - start))
        }
    }

    /// The scopes and labels the entries point into: what each event loop compiles its own scopes from
    /// (``LoopScopes``).
    let catalog: TokenCatalog

    /// The set's credentials with their principals (resolved with the catalog's shared scopes).
    public var entries: [(digest: TokenDigest, principal: Principal)] {
        rows.map { ($0.digest, catalog.principal(for: $0.entry)!) }
    }

    /// The number of credentials.
    public var count: Int { rows.count }

    /// The catalog, as ``TokenGeneration`` takes it.
    var scopes: TokenCatalog { catalog }

    /// A set of the given principals; principals sharing a scope object share it in the set too.
    public init(entries: [(digest: TokenDigest, principal: Principal)] = []) {
        var builder = TokenCatalogBuilder()
        var indexes: [ObjectIdentifier: UInt32] = [:]
        rows = Rows(stamp: builder.stamp, ingestDigests: [], ingestScopes: [], ingestLabelEnds: [], others: entries.map { digest, principal in
            let scope: UInt32
            if let known = indexes[ObjectIdentifier(principal.scope)] {
                scope = known
            } else {
                scope = builder.add(principal.scope)
                indexes[ObjectIdentifier(principal.scope)] = scope
            }
            let label = builder.label(principal.metricLabel, "")
            return (digest, builder.entry(scope: scope, usageSlot: principal.usageSlot, label: label))
        })
        catalog = builder.build()
    }

    /// The credentials of every ingest and API token of `snapshot`, using the digests and parsers that
    /// validation produced. Tokens with the same scope share one `Principal.Scope`. Ingest tokens record
    /// their use in `usage` (slot = snapshot index + 1) when given; a rotated-out secret is an entry of its
    /// own with its token's label and slot, expiring at the end of the overlap. `limits` holds each ingest
    /// token's limit policy (``LimiterStates``), or is empty when none has any.
    public init(snapshot: Snapshot, index: SnapshotIndex, limits: [IngestLimitPolicy?] = [], usage: TokenUsage? = nil) {
        // The ingest tokens are read from the index (validation's compact table of them), so a snapshot
        // loaded for serving, whose own list is empty, builds the same set.
        let tokens = index.ingestTable
        var ingestScopes = [UInt32](), ingestLabelEnds = [UInt32]()
        ingestScopes.reserveCapacity(tokens.count)
        ingestLabelEnds.reserveCapacity(tokens.count)
        var rows = [(digest: TokenDigest, entry: TokenEntry)]()
        rows.reserveCapacity(index.previousDigests.underestimatedCount + snapshot.apiTokens.count)
        var scopes = ScopeInterner(registry: index.registry, usage: usage)
        var ingestLabelBytes = 0
        for position in 0..<tokens.count { ingestLabelBytes += tokens.repository(at: position).utf8.count + 1 + tokens.name(at: position).utf8.count }
        scopes.catalog = TokenCatalogBuilder(labelBytes: ingestLabelBytes + snapshot.apiTokens.count * 16)
        for position in 0..<tokens.count {
            let repository = tokens.repository(at: position)
            let scope = scopes.scope(.ingestToken(repository: repository), canIngest: true, parser: tokens.parser(at: position),
                                     limits: limits.isEmpty ? nil : limits[position], expiresAtMillis: tokens.expiresAt(at: position) ?? .max,
                                     hecAcknowledgements: tokens.usesHECAcknowledgements(at: position))
            let label = scopes.catalog.label(repository, "/", tokens.name(at: position))
            assert(label.offset == ingestLabelEnds.last ?? 0, "ingest token labels are the catalog's first bytes, in order")
            ingestScopes.append(scope)
            ingestLabelEnds.append(label.offset + label.length)
        }
        for (position, digest) in index.previousDigests {
            let repository = tokens.repository(at: position)
            let expiresAt = tokens.expiresAt(at: position)
            let scope = scopes.scope(.ingestToken(repository: repository), canIngest: true, parser: tokens.parser(at: position),
                                     limits: limits.isEmpty ? nil : limits[position],
                                     expiresAtMillis: min(tokens.rotation(at: position)?.expiresAt ?? .min, expiresAt ?? .max),
                                     isPreviousSecret: true, hecAcknowledgements: tokens.usesHECAcknowledgements(at: position))
            let label = scopes.catalog.label(repository, "/", tokens.name(at: position))
            rows.append((digest, scopes.catalog.entry(scope: scope, usageSlot: UInt32(position + 1), label: label)))
        }
        let rootUsers = Set(snapshot.users.lazy.filter(\.root).map(\.name))
        for (token, digest) in zip(snapshot.apiTokens, index.apiDigests) {
            let scope: UInt32
            switch token.kind {
            case .personal:
                let user = token.user ?? ""
                let root = rootUsers.contains(user)
                scope = scopes.scope(.personal(user: user), canIngest: false, isRoot: root, canReadMetrics: root)
            case .organization:
                scope = scopes.scope(.organizationToken(organization: token.organization ?? ""),
                                     canIngest: token.permissions.contains(Snapshot.Permission.ingestWithinOrganization),
                                     canReadMetrics: token.permissions.contains(Snapshot.Permission.readMetrics))
            case .system:
                scope = scopes.scope(.systemToken, canIngest: token.permissions.contains(Snapshot.Permission.ingestWithinCluster),
                                     canReadMetrics: token.permissions.contains(Snapshot.Permission.readMetrics))
            }
            let label = scopes.catalog.label("api/", token.name)
            rows.append((digest, scopes.catalog.entry(scope: scope, usageSlot: 0, label: label)))
        }
        self.rows = Rows(stamp: scopes.catalog.stamp, ingestDigests: index.ingestDigestList, ingestScopes: ingestScopes,
                         ingestLabelEnds: ingestLabelEnds, others: rows)
        catalog = scopes.catalog.build()
    }
}

/// Hands out one `Principal.Scope` (its catalog index) per distinct (kind, flags, parser, limits, expiry), remembering the last one asked for
/// (tokens of a repository usually sit together in the snapshot).
private struct ScopeInterner {
    struct Key: Hashable {
        var kind: String
        var tag: Principal.Scope.KindTag
        var flags: Principal.Scope.Flags
        var parser: String?
        var limits: ObjectIdentifier?
        var expiresAtMillis: Int64
    }

    let registry: ParserRegistry
    let usage: TokenUsage?
    var scopes: [Key: UInt32] = [:]
    /// The scopes handed out, and the labels of the entries using them.
    var catalog = TokenCatalogBuilder()
    var last: (key: Key, scope: UInt32)?

    init(registry: ParserRegistry, usage: TokenUsage?) {
        self.registry = registry
        self.usage = usage
    }

    mutating func scope(_ kind: Principal.Kind, canIngest: Bool, isRoot: Bool = false, canReadMetrics: Bool = false,
                        parser: String? = nil, limits: IngestLimitPolicy? = nil, expiresAtMillis: Int64 = .max,
                        isPreviousSecret: Bool = false, hecAcknowledgements: Bool = false) -> UInt32 {
        let (tag, name) = Principal.Scope.split(kind)
        let key = Key(kind: name, tag: tag,
                      flags: Principal.Scope.flags(canIngest: canIngest, isRoot: isRoot, canReadMetrics: canReadMetrics,
                                                   isPreviousSecret: isPreviousSecret, hecAcknowledgements: hecAcknowledgements),
                      parser: parser, limits: limits.map(ObjectIdentifier.init), expiresAtMillis: expiresAtMillis)
        if let last, last.key == key { return last.scope }
        if let known = scopes[key] {
            last = (key, known)
            return known
        }
        let scope = Principal.Scope(kind: kind, canIngest: canIngest,
                                    parser: parser.flatMap { registry.pipeline(named: $0) }, isRoot: isRoot,
                                    canReadMetrics: canReadMetrics, limits: limits, expiresAtMillis: expiresAtMillis,
                                    isPreviousSecret: isPreviousSecret,
                                    usage: tag == .ingest ? usage : nil,
                                    hecAcknowledgements: hecAcknowledgements)
        let index = catalog.add(scope)
        scopes[key] = index
        last = (key, index)
        return index
    }
}
