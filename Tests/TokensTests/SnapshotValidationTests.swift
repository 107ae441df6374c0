import Testing
import Parsers
@testable import Tokens

/// One refusal: how to break the fixture, the JSON path and a fragment of the reason.
struct Refusal: CustomTestStringConvertible, Sendable {
    let name: String
    let path: String
    let reason: String
    let breakIt: @Sendable (inout Snapshot) -> Void

    var testDescription: String { name }
}

@Suite struct SnapshotValidationTests {
    /// A repository name that could be created but never receive data, or that looks like another name.
    static func repositoryName(_ what: String, _ name: String, reason: String) -> Refusal {
        Refusal(name: "repository name: \(what)", path: "$.repositories[0].name", reason: reason) {
            $0.repositories[0].name = name
            $0.ingestTokens.removeAll()
            $0.users.removeAll()
            $0.apiTokens.removeAll()
        }
    }

    /// The longest names that still fit their folder are accepted, and can be stored under.
    @Test(arguments: [String(repeating: "a", count: 240), String(repeating: "日", count: 26), "web server", "日本"])
    func namesThatFitTheirFolderAreAccepted(_ name: String) throws {
        #expect(Snapshot.repositoryNameProblem(name) == nil)
    }
    static let refusals: [Refusal] = [
        Refusal(name: "version", path: "$.version", reason: "unsupported version") { $0.version = 99 },
        Refusal(name: "duplicate organization", path: "$.organizations[1].name", reason: "duplicate organization") {
            $0.organizations[1].name = "default"
        },
        Refusal(name: "unknown organization", path: "$.repositories[0].organization", reason: "unknown organization 'nope'") {
            $0.repositories[0].organization = "nope"
        },
        Refusal(name: "repository id not base62", path: "$.repositories[0].id", reason: "1 to 64 characters of [0-9A-Za-z]") {
            $0.repositories[0].id = "ab-cd"
        },
        Refusal(name: "repository id empty", path: "$.repositories[0].id", reason: "1 to 64 characters") {
            $0.repositories[0].id = ""
        },
        Refusal(name: "repository id too long", path: "$.repositories[0].id", reason: "1 to 64 characters") {
            $0.repositories[0].id = String(repeating: "a", count: 65)
        },
        Refusal(name: "duplicate repository id", path: "$.repositories[1].id", reason: "duplicate repository id 'abc'") {
            $0.repositories[0].id = "abc"
            $0.repositories[1].id = "abc"
        },
        Refusal(name: "description too long", path: "$.repositories[0].description", reason: "at most 4096 bytes") {
            $0.repositories[0].description = String(repeating: "d", count: 4097)
        },
        Refusal(name: "description with a control character", path: "$.repositories[0].description", reason: "control characters") {
            $0.repositories[0].description = "a\u{1B}[31m"
        },
        Refusal(name: "duplicate repository", path: "$.repositories[1].name", reason: "duplicate repository 'web'") {
            $0.repositories[1].name = "web"
        },
        Refusal(name: "repository name with slash", path: "$.repositories[0].name", reason: "'/'") {
            $0.repositories[0].name = "a/b"
            $0.ingestTokens.removeAll()
            $0.users.removeAll()
            $0.apiTokens.removeAll()
        },
        repositoryName("241 ASCII bytes", String(repeating: "a", count: 241), reason: "at most 240 bytes as a folder name"),
        repositoryName("27 CJK characters", String(repeating: "日", count: 27), reason: "this one 243"),
        repositoryName("leading space", " web", reason: "start or end with a space"),
        repositoryName("trailing space", "web ", reason: "start or end with a space"),
        repositoryName("right-to-left override", "log\u{202E}gpj.exe", reason: "bidirectional control"),
        repositoryName("first strong isolate", "a\u{2068}b", reason: "bidirectional control"),
        Refusal(name: "user permission on unknown repository", path: "$.users[0].permissions.gone", reason: "unknown repository 'gone'") {
            $0.users[0].permissions["gone"] = ["ChangeIngestTokens"]
        },
        Refusal(name: "ingest token on missing repository", path: "$.ingestTokens[1].repository", reason: "unknown repository 'missing'") {
            $0.ingestTokens[1].repository = "missing"
        },
        Refusal(name: "duplicate ingest token name", path: "$.ingestTokens[1].name", reason: "duplicate ingest token name 'default'") {
            $0.ingestTokens[1].name = "default"
        },
        Refusal(name: "unknown parser", path: "$.ingestTokens[0].parser", reason: "unknown parser 'nope'") {
            $0.ingestTokens[0].parser = "nope"
        },
        Refusal(name: "bad base62", path: "$.ingestTokens[0].token", reason: "not a base62 token") {
            $0.ingestTokens[0].token = String(repeating: "-", count: 43)
        },
        Refusal(name: "base62 of wrong length", path: "$.ingestTokens[0].token", reason: "43–44 characters") {
            $0.ingestTokens[0].token = "abc"
        },
        Refusal(name: "custom token too short", path: "$.ingestTokens[0].token", reason: "at least 16") {
            $0.ingestTokens[0].token = "short"
            $0.ingestTokens[0].custom = true
        },
        Refusal(name: "sha256 not hex", path: "$.ingestTokens[1].tokenSha256", reason: "not 64 hexadecimal digits") {
            $0.ingestTokens[1].tokenSha256 = String(repeating: "g", count: 64)
        },
        Refusal(name: "sha256 too short", path: "$.ingestTokens[1].tokenSha256", reason: "not 64 hexadecimal digits") {
            $0.ingestTokens[1].tokenSha256 = "abcd"
        },
        Refusal(name: "token and sha256", path: "$.ingestTokens[0]", reason: "both token and tokenSha256") {
            $0.ingestTokens[0].tokenSha256 = TokenDigest(hashing: "x").hex
        },
        Refusal(name: "neither token nor sha256", path: "$.ingestTokens[0]", reason: "needs token or tokenSha256") {
            $0.ingestTokens[0].token = nil
        },
        Refusal(name: "duplicate token in clear", path: "$.ingestTokens[2]", reason: "duplicate token") {
            $0.ingestTokens.append(IngestToken(name: "again", repository: "humio", token: Fixture.tokenA))
        },
        Refusal(name: "duplicate token clear vs digest", path: "$.ingestTokens[2]", reason: "as $.ingestTokens[1]") {
            $0.ingestTokens.append(IngestToken(name: "again", repository: "humio", token: Fixture.tokenB))
        },
        Refusal(name: "ingest token equal to an API token", path: "$.ingestTokens[2]", reason: "as $.apiTokens[0]") {
            $0.ingestTokens.append(IngestToken(name: "again", repository: "humio",
                                               tokenSha256: TokenDigest(hashing: Fixture.apiToken).hex))
        },
        Refusal(name: "personal token of unknown user", path: "$.apiTokens[0].user", reason: "unknown user 'bob'") {
            $0.apiTokens[0].user = "bob"
        },
        Refusal(name: "organization token of unknown organization", path: "$.apiTokens[1].organization",
                reason: "unknown organization 'gone'") { $0.apiTokens[1].organization = "gone" },
        Refusal(name: "API token without ~", path: "$.apiTokens[0].token", reason: "<id>~<secret>") {
            $0.apiTokens[0].token = "abc123secret"
        },
        Refusal(name: "API token id mismatch", path: "$.apiTokens[0].token", reason: "does not match") {
            $0.apiTokens[0].token = "zzz~secret"
        },
        Refusal(name: "duplicate API token id", path: "$.apiTokens[1].id", reason: "duplicate API token id") {
            $0.apiTokens[1].id = Fixture.apiID
        },
        Refusal(name: "parser compile error", path: "$.parsers[1]", reason: "already exists") {
            $0.parsers.append(CustomParserDefinition(name: "json", stages: []))
        },
        Refusal(name: "duplicate feature", path: "$.features[1]", reason: "duplicate feature") {
            $0.features = ["CustomIngestTokens", "CustomIngestTokens"]
        },
    ]

    @Test func fixtureIsValid() throws {
        let index = try Fixture.snapshot().validate(file: "f.json")
        #expect(index.ingestDigests.count == 2)
        #expect(index.apiDigests.count == 2)
        #expect(index.repositoriesByName["web"]?.kind == .regular)
    }

    /// A snapshot with `count` ingest tokens over several units of the digests' parallel pass.
    static func large(_ count: Int = IngestTokenDigests.chunk * 3) -> Snapshot {
        var snapshot = Fixture.snapshot()
        snapshot.ingestTokens = (0..<count).map { i in
            i % 2 == 0 ? IngestToken(name: "t\(i)", repository: i < count / 2 ? "web" : "sandbox", token: TokenGenerator.ingestToken())
                : IngestToken(name: "t\(i)", repository: "web", tokenSha256: TokenDigest(hashing: "secret \(i)").hex)
        }
        return snapshot
    }

    /// "PATH: REASON" of the refusal, or nil when `snapshot` is valid.
    static func refusal(_ snapshot: Snapshot) -> String? {
        do {
            _ = try snapshot.validate(file: "f.json")
            return nil
        } catch {
            guard case let .invalidSnapshot(_, path, reason) = error else { return "\(error)" }
            return path + ": " + reason
        }
    }

    @Test func largeSnapshotsIndexEveryDigestInOrder() throws {
        let snapshot = Self.large()
        let index = try snapshot.validate(file: "f.json")
        let expected = snapshot.ingestTokens.map { $0.token.map { TokenDigest(hashing: $0) } ?? TokenDigest(hex: $0.tokenSha256!)! }
        #expect(Array(index.ingestDigests) == expected)
        #expect(Array(index.apiDigests) == snapshot.apiTokens.map { $0.token.map { TokenDigest(hashing: $0) } ?? TokenDigest(hex: $0.tokenSha256!)! })
    }

    /// Digests are computed ahead in parallel, but the first violation in file order is the one refused.
    @Test func theFirstViolationInOrderIsRefusedInALargeSnapshot() {
        var snapshot = Self.large()
        let late = snapshot.ingestTokens.count - 5, early = IngestTokenDigests.chunk + 4
        snapshot.ingestTokens[late].tokenSha256 = "not hex"
        snapshot.ingestTokens[late].token = nil
        snapshot.ingestTokens[early].name = ""
        #expect(Self.refusal(snapshot)?.hasPrefix("$.ingestTokens[\(early)].name: ") == true)
        snapshot.ingestTokens[early].name = "fixed"
        #expect(Self.refusal(snapshot) == "$.ingestTokens[\(late)].tokenSha256: not 64 hexadecimal digits")
        snapshot.ingestTokens[early].token = "short"
        #expect(Self.refusal(snapshot)?.hasPrefix("$.ingestTokens[\(early)].token: ") == true)
    }

    @Test func duplicatesAcrossUnitsNameBothEntries() {
        var snapshot = Self.large()
        let first = 2, second = IngestTokenDigests.chunk + 2
        snapshot.ingestTokens[second].token = snapshot.ingestTokens[first].token
        #expect(Self.refusal(snapshot) == "$.ingestTokens[\(second)]: duplicate token: the same token (by SHA-256) as $.ingestTokens[\(first)]")
        snapshot = Self.large()
        snapshot.ingestTokens[second].name = snapshot.ingestTokens[first].name
        #expect(Self.refusal(snapshot) == "$.ingestTokens[\(second)].name: duplicate ingest token name 't2' in repository 'web'")
        // A rotated-out secret equal to a current token of a later entry.
        snapshot = Self.large()
        snapshot.ingestTokens[1].previousTokenSha256 = TokenDigest(hashing: snapshot.ingestTokens[second].token!).hex
        snapshot.ingestTokens[1].previousExpiresAt = 1
        #expect(Self.refusal(snapshot) == "$.ingestTokens[1].previousTokenSha256: duplicate token: the same token (by SHA-256) as $.ingestTokens[\(second)]")
    }

    /// The repository is looked up once per run of tokens, and again whenever it changes.
    @Test func anUnknownRepositoryAfterARunIsRefused() {
        var snapshot = Self.large()
        let at = snapshot.ingestTokens.count / 2 + 1
        snapshot.ingestTokens[at].repository = "nowhere"
        #expect(Self.refusal(snapshot) == "$.ingestTokens[\(at)].repository: unknown repository 'nowhere'")
    }

    @Test(arguments: refusals)
    func refusesWithFilePathAndReason(_ refusal: Refusal) {
        var snapshot = Fixture.snapshot()
        refusal.breakIt(&snapshot)
        #expect {
            _ = try snapshot.validate(file: "/data/tokens.json")
        } throws: { error in
            guard case let .invalidSnapshot(file, path, reason) = error as? TokenError else { return false }
            return file == "/data/tokens.json" && path == refusal.path && reason.contains(refusal.reason)
        }
    }

    /// Malformed files, refused while decoding, also name the file, the path and the reason.
    @Test(arguments: [
        ("{\"version\": 1, \"repositories\": [", "$.repositories[0]", "bad JSON at line 1, column 33: expected an object, found the end of the file"),
        ("{\"version\": 1,\n \"features\": [\"a\" \"b\"]}", "$.features", "bad JSON at line 2, column 19: expected ',' or ']', found '\"'"),
        ("{\"version\": 1} x", "$", "bad JSON at line 1, column 16: expected the end of the file"),
        ("{\"version\": 1, \"ingestTokens\": [{\"name\": \"a\", \"repository\": \"r\", \"tokenSHA256\": \"00\"}]}",
         "$.ingestTokens[0].tokenSHA256", "unknown field 'tokenSHA256'"),
        ("{\"version\": 1, \"version\": 2}", "$.version", "duplicate field 'version'"),
        ("{\"version\": 1, \"features\": [\"\\ud800\"]}", "$.features[0]", "unpaired surrogate"),
        ("{\"version\": 1.5}", "$.version", "expected an integer"),
        ("{\"version\": 1, \"users\": [{\"name\": \"u\", \"root\": \"yes\"}]}", "$.users[0].root", "expected true or false"),
        ("{\"version\": 1, \"parsers\": [{\"name\": \"p\", \"stages\": [{\"field\": \"x\"}]}]}",
         "$.parsers[0].stages[0].op", "missing required field 'op'"),
        ("{\"version\": 1, \"apiTokens\": [{\"id\": \"a\", \"name\": \"n\", \"kind\": \"robot\"}]}",
         "$.apiTokens[0].kind", "unknown kind 'robot'"),
        ("{\"repositories\": []}", "$.version", "missing required field 'version'"),
        ("{\"version\": 1, \"ingestTokens\": [{\"name\": \"a\"}]}", "$.ingestTokens[0].repository", "missing required field"),
        ("{\"version\": 1, \"repositories\": [{\"name\": \"r\", \"kind\": \"weird\"}]}", "$.repositories[0].kind", "weird"),
        ("{\"version\": \"one\"}", "$.version", "expected an integer"),
    ])
    func refusesMalformedFiles(_ text: String, _ path: String, _ reason: String) {
        let directory = TemporaryDirectory()
        let file = SnapshotFile(path: directory.write("tokens.json", text))
        #expect {
            _ = try file.load()
        } throws: { error in
            guard case let .invalidSnapshot(name, errorPath, errorReason) = error as? TokenError else { return false }
            return name == file.path && errorPath == path && errorReason.contains(reason)
        }
    }

    @Test func errorDescriptionIsOneLineWithFilePathAndReason() {
        let error = TokenError.invalidSnapshot(file: "/d/tokens.json", path: "$.ingestTokens[3].repository", reason: "unknown repository 'x'")
        #expect(error.description == "/d/tokens.json: $.ingestTokens[3].repository: unknown repository 'x'")
    }

    @Test func defaultsApplyToOmittedFields() throws {
        let directory = TemporaryDirectory()
        let file = SnapshotFile(path: directory.write("tokens.json", """
            {"version": 1, "organizations": [{"name": "default"}], "repositories": [{"name": "r"}],
             "ingestTokens": [{"name": "t", "repository": "r", "token": "\(Fixture.tokenA)"}]}
            """))
        let snapshot = try file.load()
        #expect(snapshot.repositories == [Repository(name: "r", organization: "default", kind: .regular)])
        #expect(snapshot.users.isEmpty && snapshot.parsers.isEmpty && snapshot.features.isEmpty)
    }
}
