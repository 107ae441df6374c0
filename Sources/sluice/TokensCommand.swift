import POSIX
import ArgumentParser
import Forwarding
import Foundation
import Logging
import Parsers
import Tokens

/// `--data DIR` and `--reload`, shared by every command that edits the snapshot.
struct SnapshotOptions: ParsableArguments {
    @Option(name: .customLong("data"), help: "The data directory holding tokens.json.")
    var data: String?

    @Option(help: "nats://HOST:PORT[,…]/BUCKET: edit the snapshot a fleet shares (docs/fleet.md) instead of DATA/tokens.json.")
    var source: String?

    @Flag(help: "Signal the running server (pid in DATA/sluice.pid) to reload after the change.")
    var reload = false

    @OptionGroup var auth: SnapshotAuthOptions

    func validate() throws {
        guard (data == nil) != (source == nil) else { throw ValidationError("give --data or --source") }
        if let source { _ = try auth.url(source, option: "--source") }
        if reload && source != nil { throw ValidationError("--reload needs --data (gateways watching --source apply changes on their own)") }
    }

    /// Applies `body` under the writers' lock (or with compare-and-set on the shared snapshot), then signals
    /// the server when `--reload` was given.
    /// `repo` and `name`: the edit changes at most that ingest token (the shared snapshot then applies it
    /// without going over the whole set).
    @discardableResult
    func edit<T>(repo: String? = nil, name: String? = nil, _ body: (inout Snapshot) throws(TokenError) -> T) throws -> T {
        if let source {
            let key = repo.flatMap { repo in name.map { TokenKey(repository: repo, name: $0) } }
            return try FleetSnapshot.editOnce(url: try auth.url(source, option: "--source"), logger: Logger(label: "sluice"),
                                              ingestToken: key, body)
        }
        let data = data ?? ""
        let result = try existingSnapshot(data).edit(body)
        if reload {
            do {
                try ReloadSignal.send(dataDirectory: data)
            } catch {
                throw TokenError.notFound("the change is saved, but the server was not signalled: \(error)")
            }
        }
        return result
    }
}

/// `sluice tokens`: manage repository ingest tokens in the snapshot.
struct TokensCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens",
        abstract: "Manage repository ingest tokens in the token snapshot.",
        subcommands: [Add.self, List.self, Remove.self, AssignParser.self, UnassignParser.self, Limits.self, Rotate.self, SetExpiry.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add an ingest token; prints the token alone.")
        @OptionGroup var options: SnapshotOptions
        @Option(help: "Repository the token ingests into.") var repo: String
        @Option(help: "Token name, unique within the repository.") var name: String
        @Option(help: "Parser (built-in or custom) applied to its events.") var parser: String?
        @Option(name: .customLong("custom-token"), help: "Use this value (16–256 printable ASCII, no spaces) instead of a random token.")
        var customToken: String?
        @Option(name: .customLong("expires-at"), help: "Refuse the token from this time on: RFC 3339 (2027-01-01T00:00:00Z) or +DURATION from now (+90d, +12h, +30s).")
        var expiresAt: String?

        func run() throws {
            let now = currentMillis()
            let expiry = try expiresAt.map { try parseTime($0, nowMillis: now) }
            let token = try options.edit(repo: repo, name: name) { (snapshot) throws(TokenError) in
                try snapshot.addIngestToken(repository: repo, name: name, parser: parser, customToken: customToken,
                                            createdAt: now, expiresAt: expiry)
            }
            print(token)
        }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give an ingest token a new secret; prints it alone. The old secret keeps working until the overlap ends.")
        @OptionGroup var options: SnapshotOptions
        @Option var repo: String
        @Option var name: String
        @Option(help: "How long the old secret keeps working: DURATION such as 30m, 24h, 7d; 0 stops it at once.")
        var overlap: String = "\(Snapshot.defaultRotationOverlapSeconds)s"

        func run() throws {
            let overlapMillis = try parseDuration(overlap)
            let token = try options.edit(repo: repo, name: name) { (snapshot) throws(TokenError) in
                try snapshot.rotateIngestToken(repository: repo, name: name, overlapMillis: overlapMillis, nowMillis: currentMillis())
            }
            print(token)
        }
    }

    struct SetExpiry: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-expiry", abstract: "Set or clear when an ingest token stops being accepted.")
        @OptionGroup var options: SnapshotOptions
        @Option var repo: String
        @Option var name: String
        @Option(help: "RFC 3339 time, +DURATION from now, or 'never'.") var at: String

        func run() throws {
            let expiry = at == "never" ? nil : try parseTime(at, nowMillis: currentMillis())
            try options.edit(repo: repo, name: name) { (snapshot) throws(TokenError) in
                try snapshot.setIngestTokenExpiry(repository: repo, name: name, expiresAt: expiry)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List ingest tokens (values masked unless --show-secrets).")
        @Option(name: .customLong("data"), help: "The data directory holding tokens.json.") var data: String
        @Option(help: "Only this repository's tokens.") var repo: String?
        @Flag(help: "Print JSON.") var json = false
        @Flag(name: .customLong("show-secrets"), help: "Show token values in clear.") var showSecrets = false

        func run() throws {
            // The running server saves last uses every minute (and when it stops); a missing file means none yet.
            let usagePath = TokenUsageLedger.path(dataDirectory: data)
            let lastUsed = access(usagePath, F_OK) == 0 ? try TokenUsageLedger.read(path: usagePath) : [:]
            let rows = try existingSnapshot(data).load().ingestTokenRows(repository: repo, showSecrets: showSecrets,
                                                                         nowMillis: currentMillis(), lastUsed: lastUsed)
            if json {
                print(try jsonText(rows))
            } else {
                print(renderColumns(["REPOSITORY", "NAME", "PARSER", "TOKEN", "LIMITS", "CREATED", "EXPIRES", "STATUS", "LAST USED"],
                                    rows.map { [$0.repository, $0.name, $0.parser ?? "-", $0.token,
                                                IngestLimits.summary($0.limits, dailyBytes: $0.dailyBytes), $0.createdAt ?? "-",
                                                $0.expiresAt ?? "-", $0.status.rawValue, $0.lastUsed ?? "-"] }), terminator: "")
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an ingest token.")
        @OptionGroup var options: SnapshotOptions
        @Option var repo: String
        @Option var name: String

        func run() throws {
            try options.edit(repo: repo, name: name) { (snapshot) throws(TokenError) in try snapshot.removeIngestToken(repository: repo, name: name) }
        }
    }

    struct AssignParser: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "assign-parser", abstract: "Assign a parser to an ingest token.")
        @OptionGroup var options: SnapshotOptions
        @Option var repo: String
        @Option var name: String
        @Option var parser: String

        func run() throws {
            try options.edit(repo: repo, name: name) { (snapshot) throws(TokenError) in
                try snapshot.assignParser(repository: repo, tokenName: name, parser: parser)
            }
        }
    }

    struct Limits: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set or clear an ingest token's rate limits and daily byte quota (docs/limits.md); prints them.")
        @OptionGroup var options: SnapshotOptions
        @Option var repo: String
        @Option var name: String
        @OptionGroup var limits: LimitOptions

        func run() throws {
            let token = try options.edit(repo: repo, name: name) { (snapshot) throws(TokenError) in
                guard let current = snapshot.ingestTokens.first(where: { $0.repository == repo && $0.name == name }) else {
                    throw TokenError.notFound("repository '\(repo)' has no ingest token named '\(name)'")
                }
                let (newLimits, dailyBytes) = limits.applied(to: current.limits, dailyBytes: current.dailyBytes)
                return try snapshot.setIngestTokenLimits(repository: repo, name: name, limits: newLimits, dailyBytes: dailyBytes)
            }
            print(IngestLimits.summary(token.limits, dailyBytes: token.dailyBytes))
        }
    }

    struct UnassignParser: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "unassign-parser", abstract: "Remove an ingest token's parser.")
        @OptionGroup var options: SnapshotOptions
        @Option var repo: String
        @Option var name: String

        func run() throws {
            try options.edit(repo: repo, name: name) { (snapshot) throws(TokenError) in
                try snapshot.unassignParser(repository: repo, tokenName: name)
            }
        }
    }
}

/// The limit options of `sluice tokens limits` and `sluice repos limits`: the given ones replace the
/// stored values, `--clear` first removes every limit and the quota.
struct LimitOptions: ParsableArguments {
    @Option(name: .customLong("events-per-second"), help: "Events per second (token bucket).") var eventsPerSecond: Double?
    @Option(name: .customLong("bytes-per-second"), help: "Request body bytes per second (token bucket).") var bytesPerSecond: Double?
    @Option(name: .customLong("burst-seconds"), help: "Seconds of each rate the bucket holds (default 1).") var burstSeconds: Double?
    @Option(name: .customLong("daily-bytes"), help: "Request body bytes per UTC day.") var dailyBytes: Int?
    @Flag(help: "Remove every limit and the quota (before applying any given above).") var clear = false

    func applied(to limits: IngestLimits?, dailyBytes current: Int?) -> (IngestLimits?, Int?) {
        var result = clear ? IngestLimits() : limits ?? IngestLimits()
        if let eventsPerSecond { result.eventsPerSecond = eventsPerSecond }
        if let bytesPerSecond { result.bytesPerSecond = bytesPerSecond }
        if let burstSeconds { result.burstSeconds = burstSeconds }
        return (result.isEmpty ? nil : result, dailyBytes ?? (clear ? nil : current))
    }
}

/// The data directory's snapshot file; throws a clear error when there is none yet.
func existingSnapshot(_ data: String) throws -> SnapshotFile {
    let file = SnapshotFile(dataDirectory: data)
    guard file.exists else {
        throw TokenError.notFound("no token snapshot at \(file.path); run `sluice serve --data \(data)` once to create it")
    }
    return file
}

/// The wall clock, epoch milliseconds.
func currentMillis() -> Int64 {
    WallClock.milliseconds()
}

/// `30s`, `15m`, `24h`, `7d`, `500ms` (or a bare number of seconds) as milliseconds.
func parseDuration(_ text: String) throws -> Int64 {
    let units: [(suffix: String, millis: Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
    let unit = units.first { text.hasSuffix($0.suffix) && Int64(text.dropLast($0.suffix.count)) != nil } ?? ("", 1000)
    guard let count = Int64(text.dropLast(unit.suffix.count)), count >= 0,
          case let (millis, overflow) = count.multipliedReportingOverflow(by: unit.millis), !overflow else {
        throw TokenError.invalidArgument("'\(text)' is not a duration such as 30s, 15m, 24h or 7d")
    }
    return millis
}

/// An RFC 3339 time, or `+DURATION` after `nowMillis`, as epoch milliseconds.
func parseTime(_ text: String, nowMillis: Int64) throws -> Int64 {
    if text.hasPrefix("+") { return nowMillis + (try parseDuration(String(text.dropFirst()))) }
    guard let millis = RFC3339.parse(text) else {
        throw TokenError.invalidArgument("'\(text)' is not an RFC 3339 time (2027-01-01T00:00:00Z) or +DURATION")
    }
    return millis
}

/// Pretty, key-sorted JSON for the list commands.
func jsonText<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
