import Tokens

/// Who is calling the admin API and what they may do. Built once per request from the authenticated
/// `Principal` (never from an ingest token) and the serving snapshot; the permission questions take the
/// snapshot to answer against, so a mutation decides on the snapshot it edits (under the writers' lock).
///
/// Rules (docs/admin-graphql.md, "Permissions"; Sluice's choices marked):
/// - A root user may do everything.
/// - A non-root user manages the ingest tokens of repository R when its `permissions[R]` holds
///   `ChangeIngestTokens`.
/// - Sluice rule: an organization API token manages the ingest tokens of its organization's repositories
///   when its permission list holds `ChangeIngestTokens`, and creates repositories in its organization with
///   `CreateRepository`; a system API token the same across organizations.
/// - Sluice rule: only root changes the ingest tokens of a system repository; nobody lists them.
/// - Features, custom tokens and new API tokens: root only.
public struct AdminCaller: Sendable, Equatable {
    public enum Identity: Sendable, Equatable {
        case user(name: String)
        case organizationToken(name: String, organization: String, permissions: [String])
        case systemToken(name: String, permissions: [String])
    }

    public let identity: Identity

    public init(identity: Identity) {
        self.identity = identity
    }

    /// The caller for `principal`, or nil for an ingest token. An organization or system token's
    /// permission list is found in `snapshot` by `credential` (the digest of the token as sent); without
    /// it, by kind and name when exactly one API token matches, else the token acts with no permission.
    public init?(principal: Principal, credential: TokenDigest?, snapshot: Snapshot) {
        let name = principal.metricLabel.hasPrefix("api/") ? String(principal.metricLabel.dropFirst(4)) : principal.metricLabel
        switch principal.kind {
        case .ingestToken:
            return nil
        case let .personal(user):
            identity = .user(name: user)
        case let .organizationToken(organization):
            let entry = Self.apiToken(kind: .organization, name: name, credential: credential, snapshot: snapshot)
            identity = .organizationToken(name: entry?.name ?? name, organization: organization,
                                          permissions: entry?.permissions ?? [])
        case .systemToken:
            let entry = Self.apiToken(kind: .system, name: name, credential: credential, snapshot: snapshot)
            identity = .systemToken(name: entry?.name ?? name, permissions: entry?.permissions ?? [])
        }
    }

    /// The name the audit log records: the user, or the API token's name (never its value).
    public var actor: String {
        switch identity {
        case let .user(name), let .organizationToken(name, _, _), let .systemToken(name, _): return name
        }
    }

    /// `user`, `organizationToken` or `systemToken`, for the audit log.
    public var actorKind: String {
        switch identity {
        case .user: return "user"
        case .organizationToken: return "organizationToken"
        case .systemToken: return "systemToken"
        }
    }

    public func isRoot(in snapshot: Snapshot) -> Bool {
        guard case let .user(name) = identity else { return false }
        return snapshot.user(named: name)?.root ?? false
    }

    /// Whether the caller may list, add, assign, unassign or remove the ingest tokens of `repository`.
    public func mayManageIngestTokens(of repository: Repository, in snapshot: Snapshot) -> Bool {
        if isRoot(in: snapshot) { return true }
        guard repository.kind != .system else { return false }
        let permission = Snapshot.Permission.changeIngestTokens
        switch identity {
        case let .user(name):
            return snapshot.user(named: name)?.permissions[repository.name]?.contains(permission) ?? false
        case let .organizationToken(_, organization, permissions):
            return organization == repository.organization && permissions.contains(permission)
        case let .systemToken(_, permissions):
            return permissions.contains(permission)
        }
    }

    /// The organization a new repository goes to, or nil when the caller may not create repositories.
    public func repositoryOrganization(in snapshot: Snapshot) -> String? {
        if isRoot(in: snapshot) { return Snapshot.defaultOrganization }
        switch identity {
        case .user: return nil
        case let .organizationToken(_, organization, permissions):
            return permissions.contains(AdminPermission.createRepository) ? organization : nil
        case let .systemToken(_, permissions):
            return permissions.contains(AdminPermission.createRepository) ? Snapshot.defaultOrganization : nil
        }
    }

    /// The repositories `repositories` lists: those whose ingest tokens the caller may manage.
    public func listedRepositories(in snapshot: Snapshot) -> [Repository] {
        snapshot.repositories.filter { $0.kind != .system && mayManageIngestTokens(of: $0, in: snapshot) }
    }

    private static func apiToken(kind: APIToken.Kind, name: String, credential: TokenDigest?, snapshot: Snapshot) -> APIToken? {
        if let credential {
            return snapshot.apiTokens.first { token in
                token.kind == kind && (token.token.map { TokenDigest(hashing: $0) } ?? token.tokenSha256.flatMap { TokenDigest(hex: $0) }) == credential
            }
        }
        let matches = snapshot.apiTokens.filter { $0.kind == kind && $0.name == name }
        return matches.count == 1 ? matches[0] : nil
    }
}

/// Permission names the admin API gives a meaning to, beyond `Snapshot.Permission`.
public enum AdminPermission {
    public static let createRepository = "CreateRepository"
}
