import Foundation
import Logging
import Parsers
import Tokens
import POSIX

/// What the GraphQL resolvers do, free of GraphQL: each operation checks the caller's permission,
/// applies its change through `TokenStore.edit` (writers' lock, validation, atomic write, reload — so
/// the change serves before it returns) and records one audit event, whether it succeeded or was refused.
/// Permission is checked on the serving snapshot first (a refused caller costs no lock and no file read)
/// and decided on the snapshot being edited, under the lock.
struct AdminOperations: Sendable {
    let tokens: TokenStore
    let audit: any AuditSink
    let caller: AdminCaller
    var storage = RepositoryStorage()

    // MARK: Queries

    /// Every parser a token can name; the same for every repository (custom parsers are server-wide).
    func parsers() -> [ParserNode] {
        let catalog = tokens.serving.catalog
        return catalog.parserRows.map { row in
            ParserNode(name: row.name, isBuiltIn: row.isBuiltIn, definition: row.isBuiltIn ? nil : catalog.parsers.first { $0.name == row.name })
        }
    }

    /// One parser by name (its id is its name).
    func parser(named name: String?) throws(AdminError) -> ParserNode {
        guard let name, let found = parsers().first(where: { $0.name == name }) else {
            throw .token(.notFound("parser '\(name ?? "")' does not exist"))
        }
        return found
    }

    /// LogScale's `deleteSearchDomain` (root only): the repository and its ingest tokens leave the snapshot
    /// (its tokens are refused from the next request), then its log is closed and moved under
    /// `DATA/deleted` for the grace period; the audit event carries `message`.
    func deleteRepository(name: String, message: String?) async throws(AdminError) {
        try await mutate("deleteSearchDomain", repository: name, tokenName: nil, message: message, authorize: rootOnRepository(name)) {
            (snapshot: inout Snapshot) throws(TokenError) in
            try snapshot.removeRepository(name: name)
        }
        do {
            _ = try storage.retire(name)
        } catch {
            throw .token(.invalidArgument("repository '\(name)' is deleted, but its WAL could not be moved aside: \(error)"))
        }
        storage.sweepDeleted()
    }

    // MARK: Parser mutations (root only: custom parsers are server-wide)

    /// LogScale's `createParser`: installs the custom parser whose stages `sourceCode` holds (each name in
    /// `tagFields` adds a `tag` stage), replacing one of that name only when `force` is set.
    func installParser(repository: String, name: String, sourceCode: String, tagFields: [String], force: Bool) async throws(AdminError) -> ParserNode {
        var stages = try ParserNode.stages(sourceCode: sourceCode)
        if !tagFields.isEmpty { stages.append(StageDefinition(op: "tag", fields: tagFields)) }
        let definition = CustomParserDefinition(name: name, stages: stages)
        return try await mutate("createParser", repository: repository, tokenName: nil, authorize: rootOnRepository(repository)) {
            (snapshot: inout Snapshot) throws(TokenError) in
            try snapshot.installParser(definition, replace: force)
            return ParserNode(name: name, isBuiltIn: false, definition: definition)
        }
    }

    /// LogScale's `removeParser` / `deleteParser`.
    func removeParser(repository: String, id: String, operation: String) async throws(AdminError) -> ParserNode {
        try await mutate(operation, repository: repository, tokenName: nil, authorize: rootOnRepository(repository)) {
            (snapshot: inout Snapshot) throws(TokenError) in
            let definition = snapshot.parsers.first { $0.name == id }
            try snapshot.removeParser(name: id)
            return ParserNode(name: id, isBuiltIn: false, definition: definition)
        }
    }

    func repository(named name: String) throws(AdminError) -> Repository {
        guard let repository = tokens.serving.catalog.repository(named: name) else {
            throw .token(.notFound("repository '\(name)' does not exist"))
        }
        return repository
    }

    func repositories() -> [Repository] {
        caller.listedRepositories(in: tokens.serving.catalog)
    }

    /// The ingest tokens of `repository`; refused for system repositories and callers who may not
    /// manage them, with the spec's text.
    func ingestTokens(of repository: String) throws(AdminError) -> [IngestTokenNode] {
        let serving = tokens.serving
        let catalog = serving.catalog
        guard let found = catalog.repository(named: repository), found.kind != .system,
              caller.mayManageIngestTokens(of: found, in: catalog) else {
            throw .permissionDenied(AdminMessages.readIngestTokens)
        }
        let listed = serving.ingestTokens(in: repository)
        let lastUsed = listed.isEmpty ? [:] : tokens.usage.lastUsed()
        let now = Self.wallClockMillis()
        return listed.map { token in
            IngestTokenNode(token: token, lastUsedMillis: lastUsed[TokenKey(repository: token.repository, name: token.name)].map { Int64($0) * 1000 },
                            nowMillis: now)
        }
    }

    static func wallClockMillis() -> Int64 { WallClock.milliseconds() }

    // MARK: Mutations

    func addIngestToken(repository: String, name: String, parser: String?, customToken: String?,
                        expiresAt: Int64? = nil) async throws(AdminError) -> IngestToken {
        try await mutate("addIngestTokenV3", repository: repository, tokenName: name, onlyThatToken: true, authorize: { (snapshot: Snapshot) throws(TokenError) in
            try requireManage(repository, snapshot)
            if customToken != nil { try snapshot.checkCustomTokenAllowed(callerIsRoot: caller.isRoot(in: snapshot)) }
        }) { (snapshot: inout Snapshot) throws(TokenError) in
            let now = Self.wallClockMillis()
            let value = try snapshot.addIngestToken(repository: repository, name: name, parser: parser, customToken: customToken,
                                                    createdAt: now, expiresAt: expiresAt)
            return IngestToken(name: name, repository: repository, parser: parser, token: value, createdAt: now, expiresAt: expiresAt)
        }
    }

    /// Issues a new secret for the token; the old one keeps working for `overlapSeconds`. The answer holds
    /// the new secret (shown once, as `addIngestTokenV3` shows a new token).
    func rotateIngestToken(repository: String, name: String, overlapSeconds: Int64) async throws(AdminError) -> IngestToken {
        try await mutate("rotateIngestToken", repository: repository, tokenName: name, onlyThatToken: true, authorize: manage(repository)) {
            (snapshot: inout Snapshot) throws(TokenError) in
            let value = try snapshot.rotateIngestToken(repository: repository, name: name,
                                                       overlapMillis: overlapSeconds.multipliedReportingOverflow(by: 1000).partialValue,
                                                       nowMillis: Self.wallClockMillis())
            var rotated = snapshot.ingestTokens.first { $0.repository == repository && $0.name == name }!
            rotated.token = value
            rotated.tokenSha256 = nil
            return rotated
        }
    }

    func assignParser(repository: String, tokenName: String, parser: String) async throws(AdminError) -> IngestToken {
        try await mutate("assignParserToIngestTokenV2", repository: repository, tokenName: tokenName, onlyThatToken: true, authorize: manage(repository)) {
            (snapshot: inout Snapshot) throws(TokenError) in
            // The answer names the token but never holds its secret: only the mutation that creates a token
            // returns it (the masked form `sluice tokens list` shows stands in for the non-null field).
            var changed = try snapshot.assignParser(repository: repository, tokenName: tokenName, parser: parser)
            changed.token = Snapshot.display(token: changed.token, sha256: changed.tokenSha256, showSecrets: false)
            changed.tokenSha256 = nil
            return changed
        }
    }

    func unassignParser(repository: String, tokenName: String) async throws(AdminError) -> Repository {
        try await mutate("unassignIngestToken", repository: repository, tokenName: tokenName, onlyThatToken: true, authorize: manage(repository)) {
            (snapshot: inout Snapshot) throws(TokenError) in
            try snapshot.unassignParser(repository: repository, tokenName: tokenName)
            return try requireManage(repository, snapshot)
        }
    }

    func removeIngestToken(repository: String, name: String) async throws(AdminError) {
        try await mutate("removeIngestToken", repository: repository, tokenName: name, onlyThatToken: true, authorize: manage(repository)) {
            (snapshot: inout Snapshot) throws(TokenError) in
            try snapshot.removeIngestToken(repository: repository, name: name)
        }
    }

    func setFeature(_ feature: String, enabled: Bool) async throws(AdminError) {
        try await mutate(enabled ? "enableFeature" : "disableFeature", repository: nil, tokenName: nil, authorize: requireRoot) {
            (snapshot: inout Snapshot) throws(TokenError) in
            try snapshot.setFeature(feature, enabled: enabled)
        }
    }

    func createRepository(name: String, description: String? = nil) async throws(AdminError) -> Repository {
        try await mutate("createRepository", repository: name, tokenName: "default", authorize: { (snapshot: Snapshot) throws(TokenError) in
            _ = try repositoryOrganization(snapshot)
        }) { (snapshot: inout Snapshot) throws(TokenError) in
            let organization = try repositoryOrganization(snapshot)
            try snapshot.addRepository(name: name, organization: organization, createdAt: Self.wallClockMillis())
            if let description { try snapshot.setRepositoryDescription(name: name, description: description) }
            guard let created = snapshot.repository(named: name) else { throw .notFound("repository '\(name)' does not exist") }
            return created
        }
    }

    /// LogScale's `updateDescriptionForSearchDomain`: root, or a caller who manages the repository's tokens.
    func updateDescription(repository: String, description: String) async throws(AdminError) -> String {
        try await mutate("updateDescriptionForSearchDomain", repository: repository, tokenName: nil,
                         authorize: changeSettings(repository)) { (snapshot: inout Snapshot) throws(TokenError) in
            try snapshot.setRepositoryDescription(name: repository, description: description)
            return description
        }
    }

    /// Sluice's `setIngestTokenLimits`: root only (limits are the operator's control over shippers).
    func setIngestTokenLimits(repository: String, tokenName: String, limits: IngestLimits?, dailyBytes: Int?) async throws(AdminError) -> IngestToken {
        try await mutate("setIngestTokenLimits", repository: repository, tokenName: tokenName, onlyThatToken: true, authorize: rootOnRepository(repository)) {
            (snapshot: inout Snapshot) throws(TokenError) in
            var changed = try snapshot.setIngestTokenLimits(repository: repository, name: tokenName, limits: limits, dailyBytes: dailyBytes)
            changed.token = Snapshot.display(token: changed.token, sha256: changed.tokenSha256, showSecrets: false)
            changed.tokenSha256 = nil
            return changed
        }
    }

    /// Sluice's `setRepositoryIngestLimits`: root only.
    func setRepositoryLimits(repository: String, limits: IngestLimits?, dailyBytes: Int?) async throws(AdminError) -> Repository {
        try await mutate("setRepositoryIngestLimits", repository: repository, tokenName: nil, authorize: rootOnRepository(repository)) {
            (snapshot: inout Snapshot) throws(TokenError) in
            try snapshot.setRepositoryLimits(name: repository, limits: limits, dailyBytes: dailyBytes)
        }
    }

    /// LogScale's `blockIngest` and `unblockIngest`: root only.
    func setIngestBlocked(repository: String, blocked: Bool, message: String?) async throws(AdminError) -> Repository {
        try await mutate(blocked ? "blockIngest" : "unblockIngest", repository: repository, tokenName: nil, message: message,
                         authorize: rootOnRepository(repository)) { (snapshot: inout Snapshot) throws(TokenError) in
            try snapshot.setRepositoryIngestBlocked(name: repository, blocked: blocked, message: message)
        }
    }

    /// LogScale's `updateRetention`: sets or clears (nil) the repository's own retention settings, each
    /// validated; the WAL runs a retention pass on the repository's log at once. Sluice keeps no backups, so
    /// a `timeBasedBackupRetention` is refused rather than ignored.
    func updateRetention(repository: String, changes: [Repository.RetentionSetting: Double?],
                         backupRetention: Double? = nil) async throws(AdminError) -> Repository {
        let changed = try await mutate("updateRetention", repository: repository, tokenName: nil,
                                       authorize: changeSettings(repository)) { (snapshot: inout Snapshot) throws(TokenError) -> Repository in
            if backupRetention != nil { throw .invalidArgument(AdminMessages.noBackups) }
            return try snapshot.setRepositoryRetention(name: repository, changes)
        }
        storage.wal?.enforceRetentionSoon(repository: repository)
        return changed
    }

    func createAPIToken(kind: APIToken.Kind, name: String, permissions: [String]) async throws(AdminError) -> String {
        let operation = kind == .system ? "createSystemPermissionsToken" : "createOrganizationPermissionsToken"
        return try await mutate(operation, repository: nil, tokenName: name, authorize: requireRoot) { (snapshot: inout Snapshot) throws(TokenError) in
            try snapshot.addAPIToken(kind: kind, name: name, organization: kind == .organization ? Snapshot.defaultOrganization : nil,
                                     permissions: permissions)
        }
    }

    // MARK: Helpers

    /// The repository whose ingest tokens the caller changes: it exists, is not a system repository, and the
    /// caller may manage its tokens.
    @discardableResult
    private func requireManage(_ repository: String, _ snapshot: Snapshot) throws(TokenError) -> Repository {
        guard let found = snapshot.repository(named: repository) else {
            // Non-managers learn nothing about which repositories exist.
            throw caller.isRoot(in: snapshot) ? .notFound("repository '\(repository)' does not exist")
                                              : .permissionDenied(AdminMessages.changeIngestTokens)
        }
        // System repositories' tokens are changed as they are listed: not through the API, not even by root.
        guard found.kind != .system, caller.mayManageIngestTokens(of: found, in: snapshot) else {
            throw .permissionDenied(AdminMessages.changeIngestTokens)
        }
        return found
    }

    private func manage(_ repository: String) -> (Snapshot) throws(TokenError) -> Void {
        { (snapshot: Snapshot) throws(TokenError) in try requireManage(repository, snapshot) }
    }

    /// A repository whose settings (description) the caller may change: root, or a caller who manages its
    /// ingest tokens.
    private func changeSettings(_ repository: String) -> (Snapshot) throws(TokenError) -> Void {
        { (snapshot: Snapshot) throws(TokenError) in
            let isRoot = caller.isRoot(in: snapshot)
            guard let found = snapshot.repository(named: repository) else {
                throw isRoot ? .notFound("repository '\(repository)' does not exist") : .permissionDenied(AdminMessages.changeRepository)
            }
            guard isRoot || (found.kind != .system && caller.mayManageIngestTokens(of: found, in: snapshot)) else {
                throw .permissionDenied(AdminMessages.changeRepository)
            }
        }
    }

    private func repositoryOrganization(_ snapshot: Snapshot) throws(TokenError) -> String {
        guard let organization = caller.repositoryOrganization(in: snapshot) else {
            throw .permissionDenied(AdminMessages.createRepository)
        }
        return organization
    }

    private func rootOnRepository(_ repository: String) -> (Snapshot) throws(TokenError) -> Void {
        { (snapshot: Snapshot) throws(TokenError) in
            try requireRoot(snapshot)
            guard snapshot.repository(named: repository) != nil else { throw .notFound("repository '\(repository)' does not exist") }
        }
    }

    private func requireRoot(_ snapshot: Snapshot) throws(TokenError) {
        guard caller.isRoot(in: snapshot) else { throw .permissionDenied(AdminMessages.rootOnly) }
    }

    /// Checks `authorize` on the serving snapshot first (so a refused caller never takes the writers' lock
    /// or makes the server re-read the file), then again inside `TokenStore.edit` on the snapshot being
    /// edited, runs `body` there, records the audit event, and returns or throws.
    /// `onlyThatToken`: `body` changes at most the ingest token `tokenName` of `repository` (a shared snapshot
    /// then applies it without going over the whole set).
    private func mutate<T>(_ operation: String, repository: String?, tokenName: String?, onlyThatToken: Bool = false,
                           message: String? = nil, authorize: (Snapshot) throws(TokenError) -> Void,
                           _ body: (inout Snapshot) throws(TokenError) -> T) async throws(AdminError) -> T {
        let outcome: Result<T, AdminError>
        do throws(TokenError) {
            try authorize(tokens.serving.catalog)
            let edit = { (snapshot: inout Snapshot) throws(TokenError) -> T in
                try authorize(snapshot)
                return try body(&snapshot)
            }
            if onlyThatToken, let repository, let tokenName {
                outcome = .success(try tokens.edit(ingestToken: TokenKey(repository: repository, name: tokenName), edit))
            } else {
                outcome = .success(try tokens.edit(edit))
            }
        } catch {
            if case let .permissionDenied(message) = error { outcome = .failure(.permissionDenied(message)) }
            else { outcome = .failure(.token(error)) }
        }
        var event = AuditEvent(actor: caller.actor, actorKind: caller.actorKind, operation: operation,
                               repository: repository, tokenName: tokenName, result: .success, error: nil)
        event.message = message
        if case let .failure(error) = outcome {
            event.result = .refused
            event.error = error.description
        }
        await audit.record(event)
        return try outcome.get()
    }
}
