/// The ingest endpoint families; they differ only in how a refusal is answered (HEC's own codes), which the
/// gateway decides.
public enum IngestEndpointFamily: String, Sendable, CaseIterable {
    case structured, unstructured, raw, json, hec, elasticBulk
}

/// Whether a request may ingest, and into which repository; a refusal says why (the gateway's refusal table
/// turns it into an HTTP status, a HEC code and a text).
public enum IngestDecision: Sendable, Equatable {
    case accept(repository: String)
    case reject(ScopeRefusal)
}

/// Why a credential may not ingest where a request asks.
public enum ScopeRefusal: Sendable, Equatable {
    /// No principal: the credential is missing or unknown.
    case unknownCredential
    /// Personal API tokens never ingest.
    case personalToken
    /// An organization or system API token without its ingest permission.
    case noIngestPermission
    /// An ingest token's event names another repository than the token's own.
    case otherRepository(own: String, named: String)
    /// An API token's event names no repository.
    case noRepositoryNamed
    /// An API token's event names a repository the snapshot does not have.
    case unknownRepository(String)
    /// An organization token's event names a repository of another organization.
    case outsideOrganization(String)
    /// An API token's event names a system or sandbox repository, which only its own ingest tokens write to.
    case notRegular(Repository.Kind, String)

    /// Whether the credential itself is refused (whatever the events name), rather than where an event goes.
    public var refusesCredential: Bool {
        switch self {
        case .unknownCredential, .personalToken, .noIngestPermission: true
        case .otherRepository, .noRepositoryNamed, .unknownRepository, .outsideOrganization, .notRegular: false
        }
    }
}

/// Whether a request may use the admin API (`/graphql`): API tokens pass (the resolvers check
/// permissions), ingest tokens and no or an unknown credential are refused.
public enum AdminDecision: Sendable, Equatable {
    case allow
    case reject(AdminRefusal)
}

/// Why a credential may not use the admin API.
public enum AdminRefusal: Sendable, Equatable {
    /// No principal: the credential is missing or unknown.
    case unknownCredential
    /// Ingest tokens only ingest.
    case ingestToken
}

/// The scope rules of docs/tokens.md ("Who may ingest where"), in one place:
/// - unknown or missing credential → `.unknownCredential`;
/// - personal API token → `.personalToken`; API token without its ingest permission → `.noIngestPermission`;
/// - repository ingest token → its own repository; an event naming another repository → `.otherRepository`;
/// - organization token → the regular repository the event names, within its organization; system token →
///   the regular repository the event names, in any organization; no name, an unknown name, another
///   organization, or a system or sandbox repository → the matching refusal.
/// The decision is the same for every endpoint family (how a refusal is answered differs, in the Gateway).
/// `repository` resolves a name against the serving snapshot (`TokenStore.repository(named:)`).
public func decideIngest(principal: Principal?, eventRepository: String?,
                         repository: (String) -> Repository?) -> IngestDecision {
    guard let principal else { return .reject(.unknownCredential) }
    return decideIngest(scope: principal.scope, eventRepository: eventRepository, repository: repository)
}

/// `decideIngest` for a principal lent out for one request (the gateway's loops).
public func decideIngest(principal: BorrowedPrincipal, eventRepository: String?,
                         repository: (String) -> Repository?) -> IngestDecision {
    principal.scope.with { decideIngest(scope: $0, eventRepository: eventRepository, repository: repository) }
}

/// The rules themselves: they depend on the principal's scope only.
private func decideIngest(scope: Principal.Scope, eventRepository: String?,
                          repository: (String) -> Repository?) -> IngestDecision {
    let canIngest = scope.flags.contains(.canIngest)
    switch scope.kind {
    case .personal:
        return .reject(.personalToken)
    case let .ingestToken(own):
        guard let named = eventRepository, named != own else { return .accept(repository: own) }
        return .reject(.otherRepository(own: own, named: named))
    case let .organizationToken(organization):
        guard canIngest else { return .reject(.noIngestPermission) }
        guard let named = eventRepository else { return .reject(.noRepositoryNamed) }
        guard let target = repository(named) else { return .reject(.unknownRepository(named)) }
        guard target.organization == organization else { return .reject(.outsideOrganization(named)) }
        guard target.kind == .regular else { return .reject(.notRegular(target.kind, named)) }
        return .accept(repository: named)
    case .systemToken:
        guard canIngest else { return .reject(.noIngestPermission) }
        guard let named = eventRepository else { return .reject(.noRepositoryNamed) }
        guard let target = repository(named) else { return .reject(.unknownRepository(named)) }
        guard target.kind == .regular else { return .reject(.notRegular(target.kind, named)) }
        return .accept(repository: named)
    }
}

/// `decideIngest` against the store's serving repositories.
public func decideIngest(principal: Principal?, eventRepository: String?, store: TokenStore) -> IngestDecision {
    decideIngest(principal: principal, eventRepository: eventRepository, repository: { store.repository(named: $0) })
}

/// Who may call the admin API: see `AdminDecision`.
public func decideAdmin(principal: Principal?) -> AdminDecision {
    guard let principal else { return .reject(.unknownCredential) }
    if case .ingestToken = principal.kind { return .reject(.ingestToken) }
    return .allow
}
