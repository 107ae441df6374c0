import ArgumentParser
import Foundation
import Tokens

/// `--data DIR` and `--reload`, shared by every command that edits the snapshot.
struct SnapshotOptions: ParsableArguments {
    @Option(name: .customLong("data"), help: "The data directory holding tokens.json.")
    var data: String

    @Flag(help: "Signal the running server (pid in DATA/sluice.pid) to reload after the change.")
    var reload = false

    /// Applies `body` under the writers' lock, then signals the server when `--reload` was given.
    @discardableResult
    func edit<T>(_ body: (inout Snapshot) throws(TokenError) -> T) throws -> T {
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
        subcommands: [Add.self, List.self, Remove.self, AssignParser.self, UnassignParser.self, Limits.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add an ingest token; prints the token alone.")
        @OptionGroup var options: SnapshotOptions
        @Option(help: "Repository the token ingests into.") var repo: String
        @Option(help: "Token name, unique within the repository.") var name: String
        @Option(help: "Parser (built-in or custom) applied to its events.") var parser: String?
        @Option(name: .customLong("custom-token"), help: "Use this value (16–256 printable ASCII, no spaces) instead of a random token.")
        var customToken: String?

        func run() throws {
            let token = try options.edit { (snapshot) throws(TokenError) in
                try snapshot.addIngestToken(repository: repo, name: name, parser: parser, customToken: customToken)
            }
            print(token)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List ingest tokens (values masked unless --show-secrets).")
        @Option(name: .customLong("data"), help: "The data directory holding tokens.json.") var data: String
        @Option(help: "Only this repository's tokens.") var repo: String?
        @Flag(help: "Print JSON.") var json = false
        @Flag(name: .customLong("show-secrets"), help: "Show token values in clear.") var showSecrets = false

        func run() throws {
            let rows = try existingSnapshot(data).load().ingestTokenRows(repository: repo, showSecrets: showSecrets)
            if json {
                print(try jsonText(rows))
            } else {
                print(renderColumns(["REPOSITORY", "NAME", "PARSER", "TOKEN", "LIMITS"],
                                    rows.map { [$0.repository, $0.name, $0.parser ?? "-", $0.token,
                                                IngestLimits.summary($0.limits, dailyBytes: $0.dailyBytes)] }), terminator: "")
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an ingest token.")
        @OptionGroup var options: SnapshotOptions
        @Option var repo: String
        @Option var name: String

        func run() throws {
            try options.edit { (snapshot) throws(TokenError) in try snapshot.removeIngestToken(repository: repo, name: name) }
        }
    }

    struct AssignParser: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "assign-parser", abstract: "Assign a parser to an ingest token.")
        @OptionGroup var options: SnapshotOptions
        @Option var repo: String
        @Option var name: String
        @Option var parser: String

        func run() throws {
            try options.edit { (snapshot) throws(TokenError) in
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
            let token = try options.edit { (snapshot) throws(TokenError) in
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
            try options.edit { (snapshot) throws(TokenError) in
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

/// Pretty, key-sorted JSON for the list commands.
func jsonText<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
