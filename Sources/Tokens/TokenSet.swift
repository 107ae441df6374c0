import Parsers

/// A complete generation of credentials: digest → principal, built from a validated snapshot and handed to
/// `TokenCache.replace(with:)` whole.
public struct TokenSet: Sendable {
    public var entries: [(digest: TokenDigest, principal: Principal)]

    public init(entries: [(digest: TokenDigest, principal: Principal)] = []) {
        self.entries = entries
    }

    /// The principals of every ingest and API token of `snapshot`, using the digests and parsers that
    /// validation produced. Tokens with the same scope share one `Principal.Scope`. Ingest tokens record
    /// their use in `usage` (slot = snapshot index + 1) when given; a rotated-out secret is an entry of its
    /// own with its token's label and slot, expiring at the end of the overlap. `limits` holds each ingest
    /// token's limit policy (``LimiterStates``), or is empty when none has any.
    public init(snapshot: Snapshot, index: SnapshotIndex, limits: [IngestLimitPolicy?] = [], usage: TokenUsage? = nil) {
        var entries = [(digest: TokenDigest, principal: Principal)]()
        entries.reserveCapacity(snapshot.ingestTokens.count + snapshot.apiTokens.count)
        var scopes = ScopeInterner(registry: index.registry, usage: usage)
        for (position, (token, digest)) in zip(snapshot.ingestTokens, index.ingestDigests).enumerated() {
            let scope = scopes.scope(.ingestToken(repository: token.repository), canIngest: true, parser: token.parser,
                                     limits: limits.isEmpty ? nil : limits[position], expiresAtMillis: token.expiresAt ?? .max,
                                     hecAcknowledgements: token.hecAcknowledgements == true)
            entries.append((digest, Principal(scope: scope, metricLabel: token.repository + "/" + token.name,
                                              usageSlot: UInt32(position + 1))))
        }
        for (position, digest) in index.previousDigests {
            let token = snapshot.ingestTokens[position]
            let scope = scopes.scope(.ingestToken(repository: token.repository), canIngest: true, parser: token.parser,
                                     limits: limits.isEmpty ? nil : limits[position], expiresAtMillis: min(token.previousExpiresAt ?? .min, token.expiresAt ?? .max),
                                     isPreviousSecret: true, hecAcknowledgements: token.hecAcknowledgements == true)
            entries.append((digest, Principal(scope: scope, metricLabel: token.repository + "/" + token.name,
                                              usageSlot: UInt32(position + 1))))
        }
        let rootUsers = Set(snapshot.users.lazy.filter(\.root).map(\.name))
        for (token, digest) in zip(snapshot.apiTokens, index.apiDigests) {
            let scope: Principal.Scope
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
            entries.append((digest, Principal(scope: scope, metricLabel: "api/" + token.name)))
        }
        self.entries = entries
    }
}

/// Hands out one `Principal.Scope` per distinct (kind, flags, parser), remembering the last one asked for
/// (tokens of a repository usually sit together in the snapshot).
private struct ScopeInterner {
    struct Key: Hashable {
        var kind: String
        var tag: UInt8
        var flags: UInt8
        var parser: String?
        var limits: ObjectIdentifier?
        var expiresAtMillis: Int64
    }

    let registry: ParserRegistry
    let usage: TokenUsage?
    var scopes: [Key: Principal.Scope] = [:]
    var last: (key: Key, scope: Principal.Scope)?

    init(registry: ParserRegistry, usage: TokenUsage?) {
        self.registry = registry
        self.usage = usage
    }

    mutating func scope(_ kind: Principal.Kind, canIngest: Bool, isRoot: Bool = false, canReadMetrics: Bool = false,
                        parser: String? = nil, limits: IngestLimitPolicy? = nil, expiresAtMillis: Int64 = .max,
                        isPreviousSecret: Bool = false, hecAcknowledgements: Bool = false) -> Principal.Scope {
        let (tag, name): (UInt8, String)
        switch kind {
        case let .ingestToken(repository): (tag, name) = (Principal.ingestTag, repository)
        case let .organizationToken(organization): (tag, name) = (Principal.organizationTag, organization)
        case .systemToken: (tag, name) = (Principal.systemTag, "")
        case let .personal(user): (tag, name) = (Principal.personalTag, user)
        }
        let key = Key(kind: name, tag: tag,
                      flags: (canIngest ? 1 : 0) | (isRoot ? 2 : 0) | (canReadMetrics ? 4 : 0) | (isPreviousSecret ? 8 : 0)
                          | (hecAcknowledgements ? 16 : 0),
                      parser: parser, limits: limits.map(ObjectIdentifier.init), expiresAtMillis: expiresAtMillis)
        if let last, last.key == key { return last.scope }
        let scope = scopes[key] ?? Principal.Scope(kind: kind, canIngest: canIngest,
                                                   parser: parser.flatMap { registry.pipeline(named: $0) }, isRoot: isRoot,
                                                   canReadMetrics: canReadMetrics, limits: limits, expiresAtMillis: expiresAtMillis,
                                                   isPreviousSecret: isPreviousSecret,
                                                   usage: tag == Principal.ingestTag ? usage : nil,
                                                   hecAcknowledgements: hecAcknowledgements)
        scopes[key] = scope
        last = (key, scope)
        return scope
    }
}
