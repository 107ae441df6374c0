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

    public init(name: String, organization: String = Snapshot.defaultOrganization, kind: Kind = .regular,
                id: String? = nil, description: String? = nil, forwardTo: [String] = []) {
        self.name = name
        self.organization = organization
        self.kind = kind
        self.id = id
        self.description = description
        self.forwardTo = forwardTo
    }

    /// The id the admin API shows: the stored one, else one derived from the name, so a repository from
    /// an older snapshot keeps the same id from answer to answer.
    public var displayID: String {
        id ?? String(TokenDigest(hashing: "sluice repository " + name).hex.prefix(22))
    }

    enum CodingKeys: String, CodingKey { case name, organization, kind, id, description, forwardTo }

    /// `organization` defaults to `default` and `kind` to `regular`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        organization = try c.decodeIfPresent(String.self, forKey: .organization) ?? Snapshot.defaultOrganization
        kind = try c.decodeIfPresent(Kind.self, forKey: .kind) ?? .regular
        id = try c.decodeIfPresent(String.self, forKey: .id)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        forwardTo = try c.decodeIfPresent([String].self, forKey: .forwardTo) ?? []
    }
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
    /// Splunk HEC indexer acknowledgements for this token's HEC requests (absent: off).
    public var hecAcknowledgements: Bool?

    public init(name: String, repository: String, parser: String? = nil, token: String? = nil,
                tokenSha256: String? = nil, custom: Bool? = nil, hecAcknowledgements: Bool? = nil) {
        self.name = name
        self.repository = repository
        self.parser = parser
        self.token = token
        self.tokenSha256 = tokenSha256
        self.custom = custom
        self.hecAcknowledgements = hecAcknowledgements
    }
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

    /// Feature names with a meaning to this module.
    public enum Feature {
        public static let customIngestTokens = "CustomIngestTokens"
    }
}
