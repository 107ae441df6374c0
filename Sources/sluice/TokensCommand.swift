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
        subcommands: [Add.self, List.self, Remove.self, AssignParser.self, UnassignParser.self])

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
                print(renderColumns(["REPOSITORY", "NAME", "PARSER", "TOKEN"],
                                    rows.map { [$0.repository, $0.name, $0.parser ?? "-", $0.token] }), terminator: "")
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
