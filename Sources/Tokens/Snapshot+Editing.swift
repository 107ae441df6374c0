import Parsers

/// The edits the CLI and the admin API make, as mutations of a snapshot value. Each checks its arguments
/// and throws a `TokenError` saying which rule failed; apply them inside `SnapshotFile.edit` or
/// `TokenStore.edit` so they are validated, written atomically and reloaded. Policy that depends on the
/// caller (root, per-repository permissions, the `CustomIngestTokens` feature) is the caller's: see
/// `checkCustomTokenAllowed(callerIsRoot:)`.
extension Snapshot {
    public func repository(named name: String) -> Repository? {
        repositories.first { $0.name == name }
    }

    public func ingestTokens(in repository: String) -> [IngestToken] {
        ingestTokens.filter { $0.repository == repository }
    }

    public func user(named name: String) -> User? {
        users.first { $0.name == name }
    }

    public func hasFeature(_ feature: String) -> Bool {
        features.contains(feature)
    }

    /// True when `name` is a built-in or one of this snapshot's custom parsers.
    public func hasParser(_ name: String) -> Bool {
        ParserRegistry.builtinNames.contains(name) || parsers.contains { $0.name == name }
    }

    /// Adds an ingest token named `name` to `repository` and returns its value: a new random token, or
    /// `customToken` when given (16–256 printable ASCII characters without spaces, equal to no existing token).
    /// `createdAt` is the caller's clock (epoch milliseconds); `expiresAt`, when given, must be after it.
    @discardableResult
    public mutating func addIngestToken(repository: String, name: String, parser: String? = nil,
                                        customToken: String? = nil, createdAt: Int64? = nil,
                                        expiresAt: Int64? = nil) throws(TokenError) -> String {
        guard self.repository(named: repository) != nil else { throw .notFound("repository '\(repository)' does not exist") }
        if let problem = Snapshot.nameProblem(name) { throw .invalidArgument("token name: \(problem)") }
        guard !ingestTokens.contains(where: { $0.repository == repository && $0.name == name }) else {
            throw .conflict("repository '\(repository)' already has an ingest token named '\(name)'")
        }
        if let parser, !hasParser(parser) { throw .notFound("parser '\(parser)' does not exist") }
        if let expiresAt, let createdAt, expiresAt <= createdAt { throw .invalidArgument("the expiry time is not in the future") }
        let value: String
        if let customToken {
            if let problem = Snapshot.customTokenProblem(customToken) { throw .invalidArgument(problem) }
            guard !containsToken(customToken) else { throw .conflict("the custom token equals an existing token") }
            value = customToken
        } else {
            value = TokenGenerator.ingestToken()
        }
        ingestTokens.append(IngestToken(name: name, repository: repository, parser: parser, token: value,
                                        custom: customToken == nil ? nil : true, createdAt: createdAt, expiresAt: expiresAt))
        return value
    }

    /// Gives the ingest token `name` of `repository` a new random secret and returns it. The secret it
    /// replaces keeps working until `nowMillis + overlapMillis` (kept only as its SHA-256); with no overlap
    /// it stops at once. A rotation still in its overlap is cut short: only one previous secret is kept.
    /// The new secret is stored as the old one was: in clear, or as its digest only.
    @discardableResult
    public mutating func rotateIngestToken(repository: String, name: String, overlapMillis: Int64,
                                           nowMillis: Int64) throws(TokenError) -> String {
        let index = try ingestTokenIndex(repository: repository, name: name)
        guard overlapMillis >= 0 else { throw .invalidArgument("the overlap cannot be negative") }
        var token = ingestTokens[index]
        if let expiresAt = token.expiresAt, expiresAt <= nowMillis {
            throw .invalidArgument("ingest token '\(name)' of repository '\(repository)' has expired; set a new expiry first")
        }
        let previous = Snapshot.digest(token: token.token, sha256: token.tokenSha256)
        let value = TokenGenerator.ingestToken()
        if token.token != nil {
            token.token = value
        } else {
            token.tokenSha256 = TokenDigest(hashing: value).hex
        }
        token.custom = nil
        if overlapMillis > 0, let previous {
            token.previousTokenSha256 = previous.hex
            token.previousExpiresAt = nowMillis + overlapMillis
        } else {
            token.previousTokenSha256 = nil
            token.previousExpiresAt = nil
        }
        ingestTokens[index] = token
        return value
    }

    /// Sets (or with nil clears) when the ingest token `name` of `repository` stops being accepted.
    @discardableResult
    public mutating func setIngestTokenExpiry(repository: String, name: String, expiresAt: Int64?) throws(TokenError) -> IngestToken {
        let index = try ingestTokenIndex(repository: repository, name: name)
        ingestTokens[index].expiresAt = expiresAt
        return ingestTokens[index]
    }

    /// Removes the ingest token `name` of `repository`.
    public mutating func removeIngestToken(repository: String, name: String) throws(TokenError) {
        let index = try ingestTokenIndex(repository: repository, name: name)
        ingestTokens.remove(at: index)
    }

    /// Assigns `parser` (built-in or custom) to the ingest token `tokenName` of `repository`.
    @discardableResult
    public mutating func assignParser(repository: String, tokenName: String, parser: String) throws(TokenError) -> IngestToken {
        let index = try ingestTokenIndex(repository: repository, name: tokenName)
        guard hasParser(parser) else { throw .notFound("parser '\(parser)' does not exist") }
        ingestTokens[index].parser = parser
        return ingestTokens[index]
    }

    /// Removes the parser of the ingest token `tokenName` of `repository`.
    @discardableResult
    public mutating func unassignParser(repository: String, tokenName: String) throws(TokenError) -> IngestToken {
        let index = try ingestTokenIndex(repository: repository, name: tokenName)
        ingestTokens[index].parser = nil
        return ingestTokens[index]
    }

    /// Creates a repository (and its organization when new) with an ingest token named `default`;
    /// returns that token.
    @discardableResult
    public mutating func addRepository(name: String, organization: String = Snapshot.defaultOrganization,
                                       kind: Repository.Kind = .regular, createdAt: Int64? = nil) throws(TokenError) -> String {
        if let problem = Snapshot.repositoryNameProblem(name) { throw .invalidArgument("repository name: \(problem)") }
        if let problem = Snapshot.nameProblem(organization) { throw .invalidArgument("organization name: \(problem)") }
        guard repository(named: name) == nil else { throw .conflict("repository '\(name)' already exists") }
        if !organizations.contains(where: { $0.name == organization }) {
            organizations.append(Organization(name: organization))
        }
        repositories.append(Repository(name: name, organization: organization, kind: kind,
                                       id: Base62.encode(TokenGenerator.randomBytes(16), width: 22)))
        return try addIngestToken(repository: name, name: "default", createdAt: createdAt)
    }

    /// Adds custom parser `definition`, or replaces the one of that name when `replace` is set. It is
    /// compiled with the others when the edit is validated, so a bad stage refuses the edit with the
    /// compiler's reason, as in the snapshot file.
    public mutating func installParser(_ definition: CustomParserDefinition, replace: Bool) throws(TokenError) {
        if let problem = Snapshot.nameProblem(definition.name) { throw .invalidArgument("parser name: \(problem)") }
        if ParserRegistry.builtinNames.contains(definition.name) {
            throw .conflict("parser '\(definition.name)' is built in")
        }
        if let index = parsers.firstIndex(where: { $0.name == definition.name }) {
            guard replace else { throw .conflict("parser '\(definition.name)' already exists") }
            parsers[index] = definition
        } else {
            parsers.append(definition)
        }
    }

    /// Removes custom parser `name`; refused while an ingest token uses it, naming the token.
    public mutating func removeParser(name: String) throws(TokenError) {
        if ParserRegistry.builtinNames.contains(name) { throw .invalidArgument("parser '\(name)' is built in and cannot be removed") }
        guard let index = parsers.firstIndex(where: { $0.name == name }) else { throw .notFound("parser '\(name)' does not exist") }
        if let user = ingestTokens.first(where: { $0.parser == name }) {
            throw .conflict("parser '\(name)' is assigned to ingest token '\(user.name)' of repository '\(user.repository)'")
        }
        parsers.remove(at: index)
    }

    /// Removes a regular repository with its ingest tokens and the permissions users hold on it. System
    /// and sandbox repositories are refused: the server writes to them itself.
    public mutating func removeRepository(name: String) throws(TokenError) {
        guard let index = repositories.firstIndex(where: { $0.name == name }) else {
            throw .notFound("repository '\(name)' does not exist")
        }
        guard repositories[index].kind == .regular else {
            throw .invalidArgument("repository '\(name)' is a \(repositories[index].kind.rawValue) repository and cannot be deleted")
        }
        repositories.remove(at: index)
        ingestTokens.removeAll { $0.repository == name }
        for user in users.indices { users[user].permissions[name] = nil }
    }

    /// Sets (or, with nil or empty text, clears) a repository's description.
    public mutating func setRepositoryDescription(name: String, description: String?) throws(TokenError) {
        guard let index = repositories.firstIndex(where: { $0.name == name }) else {
            throw .notFound("repository '\(name)' does not exist")
        }
        let text = description.flatMap { $0.isEmpty ? nil : $0 }
        if let text, let problem = Snapshot.descriptionProblem(text) { throw .invalidArgument("description: \(problem)") }
        repositories[index].description = text
    }

    /// Sets (nil clears) the rate limits and daily byte quota of the ingest token `name` of `repository`.
    @discardableResult
    public mutating func setIngestTokenLimits(repository: String, name: String, limits: IngestLimits?,
                                              dailyBytes: Int?) throws(TokenError) -> IngestToken {
        let index = try ingestTokenIndex(repository: repository, name: name)
        let limits = limits.flatMap { $0.isEmpty ? nil : $0 }
        if case let (field, problem)? = Snapshot.limitsProblem(limits, dailyBytes: dailyBytes) { throw .invalidArgument("\(field): \(problem)") }
        ingestTokens[index].limits = limits
        ingestTokens[index].dailyBytes = dailyBytes
        return ingestTokens[index]
    }

    /// Sets (nil clears) a repository's rate limits and daily byte quota.
    @discardableResult
    public mutating func setRepositoryLimits(name: String, limits: IngestLimits?, dailyBytes: Int?) throws(TokenError) -> Repository {
        guard let index = repositories.firstIndex(where: { $0.name == name }) else {
            throw .notFound("repository '\(name)' does not exist")
        }
        let limits = limits.flatMap { $0.isEmpty ? nil : $0 }
        if case let (field, problem)? = Snapshot.limitsProblem(limits, dailyBytes: dailyBytes) { throw .invalidArgument("\(field): \(problem)") }
        repositories[index].limits = limits
        repositories[index].dailyBytes = dailyBytes
        return repositories[index]
    }

    /// Blocks (with an optional message for the refusals) or unblocks ingest into a repository.
    @discardableResult
    public mutating func setRepositoryIngestBlocked(name: String, blocked: Bool, message: String? = nil) throws(TokenError) -> Repository {
        guard let index = repositories.firstIndex(where: { $0.name == name }) else {
            throw .notFound("repository '\(name)' does not exist")
        }
        let text = blocked ? message.flatMap { $0.isEmpty ? nil : $0 } : nil
        if let text, let problem = Snapshot.descriptionProblem(text) { throw .invalidArgument("message: \(problem)") }
        repositories[index].ingestBlocked = blocked ? true : nil
        repositories[index].ingestBlockedMessage = text
        return repositories[index]
    }

    /// Adds a user.
    public mutating func addUser(name: String, root: Bool = false) throws(TokenError) {
        if let problem = Snapshot.nameProblem(name) { throw .invalidArgument("user name: \(problem)") }
        guard user(named: name) == nil else { throw .conflict("user '\(name)' already exists") }
        users.append(User(name: name, root: root))
    }

    /// Creates an API token and returns it (`<id>~<secret>`). Only its SHA-256 is stored: the value is
    /// shown once. Personal tokens name an existing user; organization tokens an existing organization.
    @discardableResult
    public mutating func addAPIToken(kind: APIToken.Kind, name: String, user: String? = nil,
                                     organization: String? = nil, permissions: [String] = []) throws(TokenError) -> String {
        if let problem = Snapshot.nameProblem(name) { throw .invalidArgument("token name: \(problem)") }
        switch kind {
        case .personal:
            guard let user else { throw .invalidArgument("a personal token needs a user") }
            guard self.user(named: user) != nil else { throw .notFound("user '\(user)' does not exist") }
            guard organization == nil else { throw .invalidArgument("a personal token has no organization") }
        case .organization:
            guard user == nil else { throw .invalidArgument("only personal tokens have a user") }
            let organization = organization ?? Snapshot.defaultOrganization
            guard organizations.contains(where: { $0.name == organization }) else {
                throw .notFound("organization '\(organization)' does not exist")
            }
        case .system:
            guard user == nil, organization == nil else {
                throw .invalidArgument("a system token has no user and no organization")
            }
        }
        if let bad = permissions.first(where: { Snapshot.nameProblem($0) != nil }) {
            throw .invalidArgument("bad permission name '\(bad)'")
        }
        let (id, token) = TokenGenerator.apiToken()
        apiTokens.append(APIToken(id: id, name: name, kind: kind, user: user,
                                  organization: kind == .organization ? (organization ?? Snapshot.defaultOrganization) : nil,
                                  permissions: permissions, tokenSha256: TokenDigest(hashing: token).hex))
        return token
    }

    /// Enables or disables a feature flag; returns whether it changed anything.
    @discardableResult
    public mutating func setFeature(_ feature: String, enabled: Bool) throws(TokenError) -> Bool {
        if let problem = Snapshot.nameProblem(feature) { throw .invalidArgument("feature name: \(problem)") }
        if enabled {
            guard !features.contains(feature) else { return false }
            features.append(feature)
        } else {
            guard let index = features.firstIndex(of: feature) else { return false }
            features.remove(at: index)
        }
        return true
    }

    /// The admin API's rule for `customToken`: the caller must be root and `CustomIngestTokens` enabled.
    public func checkCustomTokenAllowed(callerIsRoot: Bool) throws(TokenError) {
        guard callerIsRoot else { throw .permissionDenied("only root users may choose a custom token") }
        guard hasFeature(Feature.customIngestTokens) else {
            throw .permissionDenied("custom ingest tokens need the feature CustomIngestTokens to be enabled")
        }
    }

    /// True when some ingest or API token, stored in clear or as a digest, equals `token`.
    public func containsToken(_ token: String) -> Bool {
        let digest = TokenDigest(hashing: token)
        return ingestTokens.contains { Self.digest(token: $0.token, sha256: $0.tokenSha256) == digest }
            || apiTokens.contains { Self.digest(token: $0.token, sha256: $0.tokenSha256) == digest }
    }

    private static func digest(token: String?, sha256: String?) -> TokenDigest? {
        if let token { return TokenDigest(hashing: token) }
        return sha256.flatMap { TokenDigest(hex: $0) }
    }

    private func ingestTokenIndex(repository: String, name: String) throws(TokenError) -> Int {
        guard self.repository(named: repository) != nil else { throw .notFound("repository '\(repository)' does not exist") }
        guard let index = ingestTokens.firstIndex(where: { $0.repository == repository && $0.name == name }) else {
            throw .notFound("repository '\(repository)' has no ingest token named '\(name)'")
        }
        return index
    }
}
