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

    private final class Storage: Sendable {
        let kind: Kind
        let canIngest: Bool
        let metricLabel: String
        let parser: ParserPipeline?
        let isRoot: Bool
        let userName: String?

        init(kind: Kind, canIngest: Bool, metricLabel: String, parser: ParserPipeline?, isRoot: Bool, userName: String?) {
            self.kind = kind
            self.canIngest = canIngest
            self.metricLabel = metricLabel
            self.parser = parser
            self.isRoot = isRoot
            self.userName = userName
        }
    }

    private let storage: Storage

    public init(kind: Kind, canIngest: Bool, metricLabel: String, parser: ParserPipeline? = nil,
                isRoot: Bool = false, userName: String? = nil) {
        storage = Storage(kind: kind, canIngest: canIngest, metricLabel: metricLabel, parser: parser,
                          isRoot: isRoot, userName: userName)
    }

    public var kind: Kind { storage.kind }
    /// True for ingest tokens and for API tokens holding an ingest permission of their kind.
    public var canIngest: Bool { storage.canIngest }
    /// `<repository>/<token name>` for ingest tokens, `api/<token name>` for API tokens.
    public var metricLabel: String { storage.metricLabel }
    /// The ingest token's parser, compiled with the snapshot it came from; nil when none is assigned.
    public var parser: ParserPipeline? { storage.parser }
    /// True for personal tokens of root users.
    public var isRoot: Bool { storage.isRoot }
    /// The user of a personal token.
    public var userName: String? { storage.userName }
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
                                      isRoot: rootUsers.contains(user), userName: user)
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
