import Testing
import Parsers
@testable import Tokens

/// The edits behind `sluice tokens|repos|api-tokens` and the admin API, applied through `SnapshotFile.edit`
/// as the CLI applies them.
@Suite struct SnapshotEditingTests {
    let directory = TemporaryDirectory()
    let file: SnapshotFile

    init() throws {
        file = try Fixture.writeSnapshot(Fixture.snapshot(), in: directory)
    }

    @Test func tokensAddPrintsAFreshTokenThatLands() throws {
        let token = try file.edit { (s) throws(TokenError) in try s.addIngestToken(repository: "web", name: "new", parser: "kv") }
        #expect(token.count == 43 && Base62.isBase62(token))
        let saved = try file.load().ingestTokens.last
        #expect(saved == IngestToken(name: "new", repository: "web", parser: "kv", token: token))
    }

    @Test func customTokenIsKeptAndMarked() throws {
        let custom = "shipper-token-0123456789"
        try file.edit { (s) throws(TokenError) in try s.addIngestToken(repository: "web", name: "c", customToken: custom) }
        #expect(try file.load().ingestTokens.last == IngestToken(name: "c", repository: "web", token: custom, custom: true))
    }

    /// Every refusal of the edit functions, with the message the CLI prints.
    @Test(arguments: [
        ("unknown repository", TokenError.notFound("repository 'nope' does not exist")),
        ("duplicate name", TokenError.conflict("repository 'web' already has an ingest token named 'default'")),
        ("unknown parser", TokenError.notFound("parser 'nope' does not exist")),
        ("short custom", TokenError.invalidArgument("a custom token needs at least 16 characters, this one has 5")),
        ("custom with space", TokenError.invalidArgument("a custom token cannot contain spaces")),
        ("custom equal to existing", TokenError.conflict("the custom token equals an existing token")),
        ("custom equal to a hashed token", TokenError.conflict("the custom token equals an existing token")),
        ("remove missing", TokenError.notFound("repository 'web' has no ingest token named 'ghost'")),
        ("assign unknown parser", TokenError.notFound("parser 'ghost' does not exist")),
        ("unassign missing token", TokenError.notFound("repository 'web' has no ingest token named 'ghost'")),
        ("duplicate repository", TokenError.conflict("repository 'web' already exists")),
        ("bad repository name", TokenError.invalidArgument("repository name: a repository name cannot be '.', '..' or contain '/'")),
        ("personal without user", TokenError.invalidArgument("a personal token needs a user")),
        ("personal of unknown user", TokenError.notFound("user 'bob' does not exist")),
        ("organization of unknown organization", TokenError.notFound("organization 'acme' does not exist")),
        ("system with organization", TokenError.invalidArgument("a system token has no user and no organization")),
    ])
    func refusals(_ name: String, _ expected: TokenError) throws {
        let before = try file.load()
        #expect(throws: expected) {
            try file.edit { (s) throws(TokenError) in
                switch name {
                case "unknown repository": try s.addIngestToken(repository: "nope", name: "x")
                case "duplicate name": try s.addIngestToken(repository: "web", name: "default")
                case "unknown parser": try s.addIngestToken(repository: "web", name: "x", parser: "nope")
                case "short custom": try s.addIngestToken(repository: "web", name: "x", customToken: "short")
                case "custom with space": try s.addIngestToken(repository: "web", name: "x", customToken: "has a space in it!")
                case "custom equal to existing": try s.addIngestToken(repository: "web", name: "x", customToken: Fixture.tokenA)
                case "custom equal to a hashed token": try s.addIngestToken(repository: "web", name: "x", customToken: Fixture.tokenB)
                case "remove missing": try s.removeIngestToken(repository: "web", name: "ghost")
                case "assign unknown parser": try s.assignParser(repository: "web", tokenName: "default", parser: "ghost")
                case "unassign missing token": try s.unassignParser(repository: "web", tokenName: "ghost")
                case "duplicate repository": try s.addRepository(name: "web")
                case "bad repository name": try s.addRepository(name: "../etc")
                case "personal without user": try s.addAPIToken(kind: .personal, name: "p")
                case "personal of unknown user": try s.addAPIToken(kind: .personal, name: "p", user: "bob")
                case "organization of unknown organization": try s.addAPIToken(kind: .organization, name: "o", organization: "acme")
                case "system with organization": try s.addAPIToken(kind: .system, name: "s", organization: "default")
                default: Issue.record("no such case \(name)")
                }
            }
        }
        #expect(try file.load() == before)
    }

    @Test func removeAssignAndUnassign() throws {
        try file.edit { (s) throws(TokenError) in try s.assignParser(repository: "web", tokenName: "hashed", parser: "mine") }
        #expect(try file.load().ingestTokens[1].parser == "mine")
        try file.edit { (s) throws(TokenError) in try s.unassignParser(repository: "web", tokenName: "hashed") }
        #expect(try file.load().ingestTokens[1].parser == nil)
        try file.edit { (s) throws(TokenError) in try s.removeIngestToken(repository: "web", name: "hashed") }
        #expect(try file.load().ingestTokens(in: "web").map(\.name) == ["default"])
    }

    @Test func repositoryIdAndDescriptionAreStoredAndReadBack() throws {
        try file.edit { (s) throws(TokenError) in
            try s.addRepository(name: "a")
            try s.addRepository(name: "b")
            try s.setRepositoryDescription(name: "a", description: "line one\nline \"two\"")
        }
        let snapshot = try file.load()
        let a = try #require(snapshot.repository(named: "a"))
        let b = try #require(snapshot.repository(named: "b"))
        #expect(a.id != nil && a.id != b.id && a.displayID == a.id)
        #expect(a.description == "line one\nline \"two\"" && b.description == nil)
        try file.edit { (s) throws(TokenError) in try s.setRepositoryDescription(name: "a", description: "") }
        #expect(try file.load().repository(named: "a")?.description == nil)
        #expect(throws: TokenError.self) {
            try file.edit { (s) throws(TokenError) in try s.setRepositoryDescription(name: "a", description: "bell\u{7}") }
        }
        #expect(throws: TokenError.self) {
            try file.edit { (s) throws(TokenError) in try s.setRepositoryDescription(name: "nope", description: "x") }
        }
    }

    @Test func customParsersAreInstalledReplacedAndRemoved() throws {
        let kv = CustomParserDefinition(name: "installed", stages: [StageDefinition(op: "kvParse")])
        try file.edit { (s) throws(TokenError) in try s.installParser(kv, replace: false) }
        #expect(throws: TokenError.self) { try file.edit { (s) throws(TokenError) in try s.installParser(kv, replace: false) } }
        #expect(throws: TokenError.self) {
            try file.edit { (s) throws(TokenError) in try s.installParser(CustomParserDefinition(name: "json", stages: []), replace: true) }
        }
        let json = CustomParserDefinition(name: "installed", stages: [StageDefinition(op: "parseJson")])
        try file.edit { (s) throws(TokenError) in try s.installParser(json, replace: true) }
        #expect(try file.load().parsers.last == json)
        _ = try file.edit { (s) throws(TokenError) in try s.assignParser(repository: "web", tokenName: "default", parser: "installed") }
        #expect(throws: TokenError.self) { try file.edit { (s) throws(TokenError) in try s.removeParser(name: "installed") } }
        _ = try file.edit { (s) throws(TokenError) in try s.unassignParser(repository: "web", tokenName: "default") }
        try file.edit { (s) throws(TokenError) in try s.removeParser(name: "installed") }
        #expect(try file.load().parsers.contains { $0.name == "installed" } == false)
        #expect(throws: TokenError.self) { try file.edit { (s) throws(TokenError) in try s.removeParser(name: "kv") } }
    }

    @Test func removingARepositoryTakesItsTokensAndPermissions() throws {
        try file.edit { (s) throws(TokenError) in
            try s.addRepository(name: "gone")
            try s.addUser(name: "carol")
            let carol = s.users.firstIndex { $0.name == "carol" }!
            s.users[carol].permissions = ["gone": [Snapshot.Permission.changeIngestTokens]]
        }
        try file.edit { (s) throws(TokenError) in try s.removeRepository(name: "gone") }
        let snapshot = try file.load()
        #expect(snapshot.repository(named: "gone") == nil)
        #expect(snapshot.ingestTokens.allSatisfy { $0.repository != "gone" })
        #expect(snapshot.user(named: "carol")?.permissions.isEmpty == true)
        for protected in ["humio", "sandbox"] {
            #expect(throws: TokenError.self) { try file.edit { (s) throws(TokenError) in try s.removeRepository(name: protected) } }
        }
        #expect(throws: TokenError.self) { try file.edit { (s) throws(TokenError) in try s.removeRepository(name: "nope") } }
    }

    /// A repository from a snapshot without ids shows the same id every time.
    @Test func repositoriesWithoutAStoredIdShowOneDerivedFromTheName() {
        let old = Repository(name: "legacy")
        #expect(old.displayID == Repository(name: "legacy").displayID)
        #expect(old.displayID != Repository(name: "legacy2").displayID)
        #expect(old.displayID.count == 22 && Base62.isBase62(old.displayID))
    }

    @Test(arguments: Repository.Kind.allCases)
    func reposAddCreatesRepositoryOrganizationAndDefaultToken(_ kind: Repository.Kind) throws {
        let token = try file.edit { (s) throws(TokenError) in try s.addRepository(name: "new", organization: "acme", kind: kind) }
        let snapshot = try file.load()
        let id = try #require(snapshot.repository(named: "new")?.id)
        #expect(id.count == 22 && Base62.isBase62(id))
        #expect(snapshot.repository(named: "new") == Repository(name: "new", organization: "acme", kind: kind, id: id))
        #expect(snapshot.organizations.contains(Organization(name: "acme")))
        #expect(snapshot.ingestTokens(in: "new") == [IngestToken(name: "default", repository: "new", token: token)])
        #expect(snapshot.repositoryRows().last == RepositoryRow(name: "new", organization: "acme", kind: kind, ingestTokens: 1))
    }

    @Test(arguments: [
        (APIToken.Kind.personal, "alice" as String?, nil as String?, [String]()),
        (.organization, nil, "other", ["IngestAcrossAllReposWithinOrganization"]),
        (.system, nil, nil, ["IngestAcrossAllReposWithinCluster"]),
    ])
    func apiTokensAddStoresOnlyTheDigest(_ kind: APIToken.Kind, _ user: String?, _ organization: String?, _ permissions: [String]) throws {
        let token = try file.edit { (s) throws(TokenError) in
            try s.addAPIToken(kind: kind, name: "n", user: user, organization: organization, permissions: permissions)
        }
        let saved = try #require(try file.load().apiTokens.last)
        #expect(token.hasPrefix(saved.id + "~"))
        #expect(saved.token == nil && saved.tokenSha256 == TokenDigest(hashing: token).hex)
        #expect(saved.kind == kind && saved.user == user && saved.organization == organization && saved.permissions == permissions)
        let store = try TokenStore(dataDirectory: directory.path, logger: RecordingLog().logger)
        #expect(store.lookup(token)?.canIngest == (kind != .personal))
    }

    @Test func listingMasksUnlessAsked() throws {
        let snapshot = try file.load()
        let masked = try snapshot.ingestTokenRows(repository: "web", showSecrets: false)
        #expect(masked.map(\.name) == ["default", "hashed"])
        #expect(masked[0].token == "Aaaa" + String(repeating: "*", count: 39))
        #expect(masked[1].token.hasPrefix("sha256:" + TokenDigest(hashing: Fixture.tokenB).hex.prefix(12)))
        #expect(!masked.contains { $0.token.contains(Fixture.tokenA) })
        #expect(try snapshot.ingestTokenRows(repository: nil, showSecrets: true)[0].token == Fixture.tokenA)
        #expect(throws: TokenError.notFound("repository 'zz' does not exist")) {
            _ = try snapshot.ingestTokenRows(repository: "zz", showSecrets: false)
        }
        #expect(renderColumns(["A", "BB"], [["xyz", "1"]]) == "A    BB\nxyz  1\n")
    }

    @Test func featuresAndCustomTokenPolicy() throws {
        var snapshot = try file.load()
        #expect(throws: TokenError.permissionDenied("only root users may choose a custom token")) {
            try snapshot.checkCustomTokenAllowed(callerIsRoot: false)
        }
        #expect(throws: TokenError.permissionDenied("custom ingest tokens need the feature CustomIngestTokens to be enabled")) {
            try snapshot.checkCustomTokenAllowed(callerIsRoot: true)
        }
        #expect(try snapshot.setFeature("CustomIngestTokens", enabled: true))
        #expect(try !snapshot.setFeature("CustomIngestTokens", enabled: true))
        try snapshot.checkCustomTokenAllowed(callerIsRoot: true)
        #expect(try snapshot.setFeature("CustomIngestTokens", enabled: false))
        #expect(snapshot.features.isEmpty)
    }

    @Test func reloadSignalNeedsAPidFile() {
        #expect(throws: TokenError.self) { try ReloadSignal.send(dataDirectory: directory.path) }
        _ = directory.write("sluice.pid", "not-a-pid\n")
        #expect(throws: TokenError.invalidArgument("\(directory.path)/sluice.pid does not hold a process id")) {
            try ReloadSignal.send(dataDirectory: directory.path)
        }
    }
}
