/// The ingest endpoint families; they differ only in how a refusal is answered (HEC's own codes).
public enum IngestEndpointFamily: String, Sendable, CaseIterable {
    case structured, unstructured, raw, json, hec, elasticBulk
}

/// Whether a request may ingest, and into which repository; a refusal carries the HTTP status for the
/// endpoint family, the reason for the answer body, and the HEC error code (4 "Invalid token",
/// 7 "Incorrect index").
public enum IngestDecision: Sendable, Equatable {
    case accept(repository: String)
    case reject(status: Int, reason: String, hecCode: Int)
}

/// Whether a request may use the admin API (`/graphql`): API tokens pass (the resolvers check
/// permissions), ingest tokens get 403, no or unknown credential 401.
public enum AdminDecision: Sendable, Equatable {
    case allow
    case reject(status: Int, reason: String)
}

/// The scope rules of docs/tokens.md ("Who may ingest where"), in one place:
/// - unknown or missing credential → 401 (HEC: 403, code 4);
/// - personal API token → 403 "personal API tokens cannot ingest"; API token without its ingest
///   permission → 403 (HEC code 4);
/// - repository ingest token → its own repository; an event naming another repository → 400 (HEC code 7);
/// - organization token → the regular repository the event names, within its organization; system token →
///   the regular repository the event names, in any organization; no name, an unknown name, another
///   organization, or a system or sandbox repository → 400 (HEC code 7).
/// `repository` resolves a name against the serving snapshot (`TokenStore.repository(named:)`).
public func decideIngest(principal: Principal?, eventRepository: String?, family: IngestEndpointFamily,
                         repository: (String) -> Repository?) -> IngestDecision {
    let unauthorized = family == .hec ? 403 : 401
    guard let principal else {
        return .reject(status: unauthorized, reason: "unknown or missing token", hecCode: 4)
    }
    func incorrectIndex(_ reason: String) -> IngestDecision {
        .reject(status: 400, reason: "Incorrect index: " + reason, hecCode: 7)
    }
    switch principal.kind {
    case .personal:
        return .reject(status: 403, reason: "personal API tokens cannot ingest", hecCode: 4)
    case let .ingestToken(own):
        guard let named = eventRepository, named != own else { return .accept(repository: own) }
        return incorrectIndex("this ingest token belongs to repository '\(own)', the event names '\(named)'")
    case let .organizationToken(organization):
        guard principal.canIngest else {
            return .reject(status: 403, reason: "this API token has no ingest permission", hecCode: 4)
        }
        guard let named = eventRepository else { return incorrectIndex("the event names no repository") }
        guard let target = repository(named) else { return incorrectIndex("unknown repository '\(named)'") }
        guard target.organization == organization else {
            return incorrectIndex("repository '\(named)' is outside the token's organization")
        }
        guard target.kind == .regular else {
            return incorrectIndex("\(target.kind.rawValue) repository '\(named)' accepts only its own ingest tokens")
        }
        return .accept(repository: named)
    case .systemToken:
        guard principal.canIngest else {
            return .reject(status: 403, reason: "this API token has no ingest permission", hecCode: 4)
        }
        guard let named = eventRepository else { return incorrectIndex("the event names no repository") }
        guard let target = repository(named) else { return incorrectIndex("unknown repository '\(named)'") }
        guard target.kind == .regular else {
            return incorrectIndex("\(target.kind.rawValue) repository '\(named)' accepts only its own ingest tokens")
        }
        return .accept(repository: named)
    }
}

/// `decideIngest` against the store's serving repositories.
public func decideIngest(principal: Principal?, eventRepository: String?, family: IngestEndpointFamily,
                         store: TokenStore) -> IngestDecision {
    decideIngest(principal: principal, eventRepository: eventRepository, family: family,
                 repository: { store.repository(named: $0) })
}

/// Who may call the admin API: see `AdminDecision`.
public func decideAdmin(principal: Principal?) -> AdminDecision {
    guard let principal else { return .reject(status: 401, reason: "unknown or missing token") }
    if case .ingestToken = principal.kind {
        return .reject(status: 403, reason: "ingest tokens cannot use the admin API")
    }
    return .allow
}
