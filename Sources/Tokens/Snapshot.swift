import Parsers

/// The token snapshot: the whole authority for who may ingest where. It is a plain value, decoded from and
/// encoded to `DATA/tokens.json` (see docs/tokens.md for the schema); a `Snapshot` that came out of
/// `SnapshotFile.load()` or `edit` has passed `validate(file:)`, so its references all resolve and its
/// token digests are unique.
public struct Snapshot: Codable, Sendable, Equatable {
    /// The schema version this build reads and writes.
    public static let currentVersion = 1

    public var version: Int
    public var organizations: [Organization]
    public var repositories: [Repository]
    public var users: [User]
    public var apiTokens: [APIToken]
    public var ingestTokens: [IngestToken]
    public var parsers: [CustomParserDefinition]
    public var features: [String]
    /// Forwarding targets repositories name in `forwardTo` (docs/forwarding.md).
    public var forwarders: [Forwarder]

    public init(version: Int = Snapshot.currentVersion, organizations: [Organization] = [],
                repositories: [Repository] = [], users: [User] = [], apiTokens: [APIToken] = [],
                ingestTokens: [IngestToken] = [], parsers: [CustomParserDefinition] = [], features: [String] = [],
                forwarders: [Forwarder] = []) {
        self.version = version
        self.organizations = organizations
        self.repositories = repositories
        self.users = users
        self.apiTokens = apiTokens
        self.ingestTokens = ingestTokens
        self.parsers = parsers
        self.features = features
        self.forwarders = forwarders
    }

    enum CodingKeys: String, CodingKey {
        case version, organizations, repositories, users, apiTokens, ingestTokens, parsers, features, forwarders
    }

    /// `version` is required; every list may be left out and then is empty.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decode(Int.self, forKey: .version)
        organizations = try c.decodeIfPresent([Organization].self, forKey: .organizations) ?? []
        repositories = try c.decodeIfPresent([Repository].self, forKey: .repositories) ?? []
        users = try c.decodeIfPresent([User].self, forKey: .users) ?? []
        apiTokens = try c.decodeIfPresent([APIToken].self, forKey: .apiTokens) ?? []
        ingestTokens = try c.decodeIfPresent([IngestToken].self, forKey: .ingestTokens) ?? []
        parsers = try c.decodeIfPresent([CustomParserDefinition].self, forKey: .parsers) ?? []
        features = try c.decodeIfPresent([String].self, forKey: .features) ?? []
        forwarders = try c.decodeIfPresent([Forwarder].self, forKey: .forwarders) ?? []
    }
}

/// An organization: the scope of organization API tokens.
public struct Organization: Codable, Sendable, Equatable {
    public var name: String
    public init(name: String) { self.name = name }
}

/// A repository: events land in its WAL (`DATA/<name>/wal`). Its kind decides who may ingest into it by name.
public struct Repository: Codable, Sendable, Equatable {
    /// `regular` repositories take events from organization and system tokens; `system` and `sandbox`
    /// repositories only from their own ingest tokens.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case regular, system, sandbox
    }

    public var name: String
    public var organization: String
    public var kind: Kind
    /// Assigned at creation (22 base62 characters) and never changed; nil in snapshots written before
    /// repositories had one, which then show ``displayID``.
    public var id: String?
    /// Free text an operator keeps with the repository (LogScale's `description`).
    public var description: String?
    /// Names of the forwarding targets this repository's WAL is delivered to.
    public var forwardTo: [String]
    /// Days after which its sealed WAL segments are deleted (LogScale's name and unit); nil: the server's
    /// `--retention-hours`. See ``retentionLimits``.
    public var timeBasedRetention: Double?
    /// GB (10^9 bytes) of uncompressed events its WAL keeps at most; nil: no such limit.
    public var ingestSizeBasedRetention: Double?
    /// GB (10^9 bytes) its WAL keeps on disk at most; nil: the server's `--retention-bytes`.
    public var storageSizeBasedRetention: Double?
    /// Rate limits over all of the repository's ingest (docs/limits.md); nil for none.
    public var limits: IngestLimits?
    /// Request body bytes the repository takes per UTC day; nil for no quota.
    public var dailyBytes: Int?
    /// True refuses all ingest into the repository with 503 (LogScale's "block ingest").
    public var ingestBlocked: Bool?
    /// The text a blocked repository's refusals carry; a default one when nil.
    public var ingestBlockedMessage: String?

    public init(name: String, organization: String = Snapshot.defaultOrganization, kind: Kind = .regular,
                id: String? = nil, description: String? = nil, forwardTo: [String] = [],
                timeBasedRetention: Double? = nil, ingestSizeBasedRetention: Double? = nil, storageSizeBasedRetention: Double? = nil,
                limits: IngestLimits? = nil, dailyBytes: Int? = nil, ingestBlocked: Bool? = nil, ingestBlockedMessage: String? = nil) {
        self.name = name
        self.organization = organization
        self.kind = kind
        self.id = id
        self.description = description
        self.forwardTo = forwardTo
        self.timeBasedRetention = timeBasedRetention
        self.ingestSizeBasedRetention = ingestSizeBasedRetention
        self.storageSizeBasedRetention = storageSizeBasedRetention
        self.limits = limits
        self.dailyBytes = dailyBytes
        self.ingestBlocked = ingestBlocked
        self.ingestBlockedMessage = ingestBlockedMessage
    }

    /// The id the admin API shows: the stored one, else one derived from the name, so a repository from
    /// an older snapshot keeps the same id from answer to answer.
    public var displayID: String {
        id ?? String(TokenDigest(hashing: "sluice repository " + name).hex.prefix(22))
    }

    enum CodingKeys: String, CodingKey {
        case name, organization, kind, id, description, forwardTo
        case timeBasedRetention, ingestSizeBasedRetention, storageSizeBasedRetention
        case limits, dailyBytes, ingestBlocked, ingestBlockedMessage
    }

    /// `organization` defaults to `default` and `kind` to `regular`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        organization = try c.decodeIfPresent(String.self, forKey: .organization) ?? Snapshot.defaultOrganization
        kind = try c.decodeIfPresent(Kind.self, forKey: .kind) ?? .regular
        id = try c.decodeIfPresent(String.self, forKey: .id)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        forwardTo = try c.decodeIfPresent([String].self, forKey: .forwardTo) ?? []
        timeBasedRetention = try c.decodeIfPresent(Double.self, forKey: .timeBasedRetention)
        ingestSizeBasedRetention = try c.decodeIfPresent(Double.self, forKey: .ingestSizeBasedRetention)
        storageSizeBasedRetention = try c.decodeIfPresent(Double.self, forKey: .storageSizeBasedRetention)
        limits = try c.decodeIfPresent(IngestLimits.self, forKey: .limits)
        dailyBytes = try c.decodeIfPresent(Int.self, forKey: .dailyBytes)
        ingestBlocked = try c.decodeIfPresent(Bool.self, forKey: .ingestBlocked)
        ingestBlockedMessage = try c.decodeIfPresent(String.self, forKey: .ingestBlockedMessage)
    }

    /// Whether ingest into the repository is refused (``ingestBlocked`` is true).
    public var isIngestBlocked: Bool { ingestBlocked == true }
}

/// Token-bucket rate limits on ingest (docs/limits.md): events and request body bytes per second, with a
/// bucket holding `burstSeconds` (default 1) of each rate. Absent rates are not limited.
public struct IngestLimits: Codable, Sendable, Equatable {
    public var eventsPerSecond: Double?
    public var bytesPerSecond: Double?
    public var burstSeconds: Double?

    public init(eventsPerSecond: Double? = nil, bytesPerSecond: Double? = nil, burstSeconds: Double? = nil) {
        self.eventsPerSecond = eventsPerSecond
        self.bytesPerSecond = bytesPerSecond
        self.burstSeconds = burstSeconds
    }

    /// The bucket size in seconds of rate when ``burstSeconds`` is absent.
    public static let defaultBurstSeconds = 1.0

    /// True when no field is set (stored as no limits at all).
    public var isEmpty: Bool { eventsPerSecond == nil && bytesPerSecond == nil && burstSeconds == nil }
}

/// A user: owner of personal API tokens. Root users may do everything; others need per-repository
/// permissions (`ChangeIngestTokens`) to manage that repository's tokens.
public struct User: Codable, Sendable, Equatable {
    public var name: String
    public var root: Bool
    /// Repository name → permission names.
    public var permissions: [String: [String]]

    public init(name: String, root: Bool = false, permissions: [String: [String]] = [:]) {
        self.name = name
        self.root = root
        self.permissions = permissions
    }

    enum CodingKeys: String, CodingKey { case name, root, permissions }

    /// `root` defaults to false and `permissions` to none.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        root = try c.decodeIfPresent(Bool.self, forKey: .root) ?? false
        permissions = try c.decodeIfPresent([String: [String]].self, forKey: .permissions) ?? [:]
    }
}

/// An API token (`<id>~<secret>`): personal (acts as its user), organization or system (acts with its
/// permission list). Stored as the token or as its SHA-256 (`tokenSha256`, 64 hex digits).
public struct APIToken: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case personal, organization, system
    }

    public var id: String
    public var name: String
    public var kind: Kind
    public var user: String?
    public var organization: String?
    public var permissions: [String]
    public var token: String?
    public var tokenSha256: String?

    public init(id: String, name: String, kind: Kind, user: String? = nil, organization: String? = nil,
                permissions: [String] = [], token: String? = nil, tokenSha256: String? = nil) {
        self.id = id
        self.name = name
        self.kind = kind
        self.user = user
        self.organization = organization
        self.permissions = permissions
        self.token = token
        self.tokenSha256 = tokenSha256
    }

    enum CodingKeys: String, CodingKey { case id, name, kind, user, organization, permissions, token, tokenSha256 }

    /// `permissions` defaults to none.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        name = try c.decode(String.self, forKey: .name)
        kind = try c.decode(Kind.self, forKey: .kind)
        user = try c.decodeIfPresent(String.self, forKey: .user)
        organization = try c.decodeIfPresent(String.self, forKey: .organization)
        permissions = try c.decodeIfPresent([String].self, forKey: .permissions) ?? []
        token = try c.decodeIfPresent(String.self, forKey: .token)
        tokenSha256 = try c.decodeIfPresent(String.self, forKey: .tokenSha256)
    }
}

/// A repository ingest token: ingests into its repository only, through its optional parser. Stored as
/// the token or its SHA-256. `custom` marks an operator-chosen value (16–256 printable ASCII, no spaces);
/// other tokens must be 43–44 base62 characters.
public struct IngestToken: Codable, Sendable, Equatable {
    public var name: String
    public var repository: String
    public var parser: String?
    public var token: String?
    public var tokenSha256: String?
    public var custom: Bool?
    /// Rate limits on this token's ingest (docs/limits.md); nil for none.
    public var limits: IngestLimits?
    /// Request body bytes this token may send per UTC day; nil for no quota.
    public var dailyBytes: Int?
    /// When the token was created, epoch milliseconds (RFC 3339 text in the file); nil for tokens created
    /// before tokens carried it.
    public var createdAt: Int64?
    /// After this instant (epoch milliseconds) the token is refused; nil: never.
    public var expiresAt: Int64?
    /// The SHA-256 of the secret a rotation replaced: it keeps working until `previousExpiresAt`, so
    /// shippers move to the new secret without a gap. Only ever stored as a digest.
    public var previousTokenSha256: String?
    /// The end of the rotation's overlap (epoch milliseconds); present exactly when `previousTokenSha256` is.
    public var previousExpiresAt: Int64?
    /// Splunk HEC indexer acknowledgements for this token's HEC requests (absent: off).
    public var hecAcknowledgements: Bool?

    public init(name: String, repository: String, parser: String? = nil, token: String? = nil,
                tokenSha256: String? = nil, custom: Bool? = nil, limits: IngestLimits? = nil, dailyBytes: Int? = nil,
                createdAt: Int64? = nil, expiresAt: Int64? = nil,
                previousTokenSha256: String? = nil, previousExpiresAt: Int64? = nil, hecAcknowledgements: Bool? = nil) {
        self.name = name
        self.repository = repository
        self.parser = parser
        self.token = token
        self.tokenSha256 = tokenSha256
        self.custom = custom
        self.limits = limits
        self.dailyBytes = dailyBytes
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.previousTokenSha256 = previousTokenSha256
        self.previousExpiresAt = previousExpiresAt
        self.hecAcknowledgements = hecAcknowledgements
    }

    /// The token's state at `nowMillis`: `expired` once `expiresAt` has passed, `rotating` while a
    /// rotated-out secret still works, `active` otherwise.
    public func status(atMillis nowMillis: Int64) -> IngestTokenStatus {
        if let expiresAt, expiresAt <= nowMillis { return .expired }
        if previousTokenSha256 != nil, let previousExpiresAt, previousExpiresAt > nowMillis { return .rotating }
        return .active
    }
}

/// An ingest token's state as `sluice tokens list` and the admin API show it.
public enum IngestTokenStatus: String, Codable, Sendable, CaseIterable {
    case active, expired, rotating
}

extension Snapshot {
    public static let defaultOrganization = "default"
    public static let systemRepositoryNames = ["humio", "humio-audit", "humio-activity", "humio-metrics"]

    /// Permission names with a meaning to the ingest scope check.
    public enum Permission {
        public static let changeIngestTokens = "ChangeIngestTokens"
        public static let ingestWithinOrganization = "IngestAcrossAllReposWithinOrganization"
        public static let ingestWithinCluster = "IngestAcrossAllReposWithinCluster"
        /// Reading `/metrics` when `sluice serve --metrics-auth` asks for a token (organization and system
        /// API tokens; root users' personal tokens may without it).
        public static let readMetrics = "ReadMetrics"
    }

    /// How long a rotated-out secret keeps working when the rotation names no overlap.
    public static let defaultRotationOverlapSeconds: Int64 = 3600

    /// Feature names with a meaning to this module.
    public enum Feature {
        public static let customIngestTokens = "CustomIngestTokens"
    }
}
