import Parsers

/// Who a credential authenticates as: what kind of token it is, what it may ingest into, its compiled
/// parser, and a stable label for metrics that is never the secret. A small value (one reference), so
/// copying it out of the cache costs one retain whatever it holds.
public struct Principal: Sendable {
    /// The token kind and its scope.
    public enum Kind: Sendable, Equatable {
        /// A repository ingest token: ingests into `repository` only.
        case ingestToken(repository: String)
        /// An organization API token: acts within `organization`.
        case organizationToken(organization: String)
        /// A system API token: acts across the cluster.
        case systemToken
        /// A personal API token of `user`: admin API only, never ingest.
        case personal(user: String)
    }

    /// One allocation per credential, kept small (a million of them live in a large snapshot): the kind
    /// as a tag plus its one name, and the flags in a byte.
    private final class Storage: Sendable {
        let tag: UInt8
        let flags: UInt8
        let scope: String
        let metricLabel: String
        let parser: ParserPipeline?

        init(tag: UInt8, flags: UInt8, scope: String, metricLabel: String, parser: ParserPipeline?) {
            self.tag = tag
            self.flags = flags
            self.scope = scope
            self.metricLabel = metricLabel
            self.parser = parser
        }
    }

    private static let ingestTag: UInt8 = 0, organizationTag: UInt8 = 1, systemTag: UInt8 = 2, personalTag: UInt8 = 3
    private static let canIngestFlag: UInt8 = 1, rootFlag: UInt8 = 2

    private let storage: Storage

    public init(kind: Kind, canIngest: Bool, metricLabel: String, parser: ParserPipeline? = nil, isRoot: Bool = false) {
        let tag: UInt8
        let scope: String
        switch kind {
        case let .ingestToken(repository): (tag, scope) = (Self.ingestTag, repository)
        case let .organizationToken(organization): (tag, scope) = (Self.organizationTag, organization)
        case .systemToken: (tag, scope) = (Self.systemTag, "")
        case let .personal(user): (tag, scope) = (Self.personalTag, user)
        }
        let flags = (canIngest ? Self.canIngestFlag : 0) | (isRoot ? Self.rootFlag : 0)
        storage = Storage(tag: tag, flags: flags, scope: scope, metricLabel: metricLabel, parser: parser)
    }

    public var kind: Kind {
        switch storage.tag {
        case Self.ingestTag: .ingestToken(repository: storage.scope)
        case Self.organizationTag: .organizationToken(organization: storage.scope)
        case Self.systemTag: .systemToken
        default: .personal(user: storage.scope)
        }
    }

    /// True for ingest tokens and for API tokens holding an ingest permission of their kind.
    public var canIngest: Bool { storage.flags & Self.canIngestFlag != 0 }
    /// `<repository>/<token name>` for ingest tokens, `api/<token name>` for API tokens.
    public var metricLabel: String { storage.metricLabel }
    /// The ingest token's parser, compiled with the snapshot it came from; nil when none is assigned.
    public var parser: ParserPipeline? { storage.parser }
    /// True for personal tokens of root users.
    public var isRoot: Bool { storage.flags & Self.rootFlag != 0 }
    /// The user of a personal token (nil for other kinds).
    public var userName: String? { storage.tag == Self.personalTag ? storage.scope : nil }
    /// The repository of an ingest token (without building a `Kind`).
    public var ingestRepository: String? { storage.tag == Self.ingestTag ? storage.scope : nil }
}

/// A complete generation of credentials: digest → principal, built from a validated snapshot and handed to
/// `TokenCache.replace(with:)` whole.
public struct TokenSet: Sendable {
    public var entries: [(digest: TokenDigest, principal: Principal)]

    public init(entries: [(digest: TokenDigest, principal: Principal)] = []) {
        self.entries = entries
    }

    /// The principals of every ingest and API token of `snapshot`, using the digests and parsers that
    /// validation produced.
    public init(snapshot: Snapshot, index: SnapshotIndex) {
        var entries = [(digest: TokenDigest, principal: Principal)]()
        entries.reserveCapacity(snapshot.ingestTokens.count + snapshot.apiTokens.count)
        for (token, digest) in zip(snapshot.ingestTokens, index.ingestDigests) {
            let principal = Principal(kind: .ingestToken(repository: token.repository), canIngest: true,
                                      metricLabel: token.repository + "/" + token.name,
                                      parser: token.parser.flatMap { index.registry.pipeline(named: $0) })
            entries.append((digest, principal))
        }
        let rootUsers = Set(snapshot.users.lazy.filter(\.root).map(\.name))
        for (token, digest) in zip(snapshot.apiTokens, index.apiDigests) {
            let principal: Principal
            let label = "api/" + token.name
            switch token.kind {
            case .personal:
                let user = token.user ?? ""
                principal = Principal(kind: .personal(user: user), canIngest: false, metricLabel: label,
                                      isRoot: rootUsers.contains(user))
            case .organization:
                principal = Principal(kind: .organizationToken(organization: token.organization ?? ""),
                                      canIngest: token.permissions.contains(Snapshot.Permission.ingestWithinOrganization),
                                      metricLabel: label)
            case .system:
                principal = Principal(kind: .systemToken,
                                      canIngest: token.permissions.contains(Snapshot.Permission.ingestWithinCluster),
                                      metricLabel: label)
            }
            entries.append((digest, principal))
        }
        self.entries = entries
    }
}
