import Testing
@testable import Tokens

/// The scope table of docs/tokens.md, every row × repository kind (the decision takes no endpoint family: how each
/// refusal is answered per family is `GatewayTests.IngestRefusalTests`).
@Suite struct ScopeCheckTests {
    static let repositories: [String: Repository] = [
        "web": Repository(name: "web", organization: "default", kind: .regular),
        "audit": Repository(name: "audit", organization: "default", kind: .system),
        "play": Repository(name: "play", organization: "default", kind: .sandbox),
        "theirs": Repository(name: "theirs", organization: "other", kind: .regular),
    ]

    enum Credential: String, CaseIterable, Sendable {
        case unknown, ingestToken, organizationToken, organizationTokenWithoutPermission,
             systemToken, systemTokenWithoutPermission, personal, personalRoot
    }

    static func principal(_ credential: Credential, ownRepository: String) -> Principal? {
        switch credential {
        case .unknown: return nil
        case .ingestToken:
            return Principal(kind: .ingestToken(repository: ownRepository), canIngest: true, metricLabel: ownRepository + "/default")
        case .organizationToken:
            return Principal(kind: .organizationToken(organization: "default"), canIngest: true, metricLabel: "api/org")
        case .organizationTokenWithoutPermission:
            return Principal(kind: .organizationToken(organization: "default"), canIngest: false, metricLabel: "api/org")
        case .systemToken:
            return Principal(kind: .systemToken, canIngest: true, metricLabel: "api/sys")
        case .systemTokenWithoutPermission:
            return Principal(kind: .systemToken, canIngest: false, metricLabel: "api/sys")
        case .personal:
            return Principal(kind: .personal(user: "alice"), canIngest: false, metricLabel: "api/alice")
        case .personalRoot:
            return Principal(kind: .personal(user: "admin"), canIngest: false, metricLabel: "api/admin", isRoot: true)
        }
    }

    /// What the table says for a credential whose own repository (for ingest tokens) or the event's named
    /// repository (for API tokens) has `kind`; `named` is nil when the event names no repository. (How each
    /// refusal is answered, per family, is `GatewayTests.IngestRefusalTests`.)
    static func expected(_ credential: Credential, kind: Repository.Kind, named: String?) -> IngestDecision {
        switch credential {
        case .unknown: return .reject(.unknownCredential)
        case .personal, .personalRoot: return .reject(.personalToken)
        case .organizationTokenWithoutPermission, .systemTokenWithoutPermission: return .reject(.noIngestPermission)
        case .ingestToken:
            return .accept(repository: repositoryName(kind))
        case .organizationToken, .systemToken:
            guard let named else { return .reject(.noRepositoryNamed) }
            return kind == .regular ? .accept(repository: named) : .reject(.notRegular(kind, named))
        }
    }

    static func repositoryName(_ kind: Repository.Kind) -> String {
        switch kind {
        case .regular: "web"
        case .system: "audit"
        case .sandbox: "play"
        }
    }

    @Test(arguments: Credential.allCases)
    func tableRows(_ credential: Credential) {
        for kind in Repository.Kind.allCases {
            let repository = Self.repositoryName(kind)
            let principal = Self.principal(credential, ownRepository: repository)
            // The event names the repository in question, or (for ingest tokens) nothing.
            for named in [repository, nil] as [String?] {
                let decision = decideIngest(principal: principal, eventRepository: named) { Self.repositories[$0] }
                #expect(decision == Self.expected(credential, kind: kind, named: named), "\(credential) \(kind) named=\(named ?? "-")")
            }
        }
    }

    /// A principal lent for one request (the gateway's loops) is decided by the same rules, row for row.
    @Test(arguments: Credential.allCases.filter { $0 != .unknown })
    func borrowedPrincipalTableRows(_ credential: Credential) throws {
        for kind in Repository.Kind.allCases {
            let repository = Self.repositoryName(kind)
            let principal = try #require(Self.principal(credential, ownRepository: repository))
            let borrowed = BorrowedPrincipal(principal)
            for named in [repository, nil] as [String?] {
                let decision = decideIngest(principal: borrowed, eventRepository: named) { Self.repositories[$0] }
                #expect(decision == Self.expected(credential, kind: kind, named: named), "\(credential) \(kind) named=\(named ?? "-")")
            }
        }
    }

    @Test func repositoryTokenWithEventNamingAnotherRepositoryIsIncorrectIndex() {
        let principal = Self.principal(.ingestToken, ownRepository: "web")
        let decision = decideIngest(principal: principal, eventRepository: "theirs") { Self.repositories[$0] }
        #expect(decision == .reject(.otherRepository(own: "web", named: "theirs")))
    }

    @Test(arguments: ["theirs", "nowhere"])
    func organizationTokenOutsideItsOrganizationOrUnknownIsIncorrectIndex(_ named: String) {
        let principal = Self.principal(.organizationToken, ownRepository: "")
        let decision = decideIngest(principal: principal, eventRepository: named) { Self.repositories[$0] }
        #expect(decision == .reject(named == "theirs" ? .outsideOrganization(named) : .unknownRepository(named)))
    }

    @Test func systemTokenIngestsIntoAnyOrganization() {
        let principal = Self.principal(.systemToken, ownRepository: "")
        #expect(decideIngest(principal: principal, eventRepository: "theirs") { Self.repositories[$0] }
            == .accept(repository: "theirs"))
        #expect(decideIngest(principal: principal, eventRepository: "nowhere") { Self.repositories[$0] }
            == .reject(.unknownRepository("nowhere")))
    }

    @Test func personalTokensCannotIngest() {
        let decision = decideIngest(principal: Self.principal(.personal, ownRepository: ""), eventRepository: "web") { Self.repositories[$0] }
        #expect(decision == .reject(.personalToken))
    }

    @Test(arguments: Credential.allCases)
    func adminAPI(_ credential: Credential) {
        let decision = decideAdmin(principal: Self.principal(credential, ownRepository: "web"))
        switch credential {
        case .unknown: #expect(decision == .reject(.unknownCredential))
        case .ingestToken: #expect(decision == .reject(.ingestToken))
        default: #expect(decision == .allow)
        }
    }
}
