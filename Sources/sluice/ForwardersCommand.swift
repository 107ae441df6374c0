import ArgumentParser
import Forwarding
import Tokens
import WAL

/// `sluice forwarders add|list|remove|create-stream|attach`: forwarding targets in the token snapshot.
struct ForwardersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forwarders",
        abstract: "Manage forwarding targets (NATS JetStream) in the token snapshot.",
        subcommands: [Add.self, List.self, Remove.self, Attach.self, CreateStream.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a target (and, with --repo, forward repositories to it).")
        @OptionGroup var options: SnapshotOptions
        @Option(help: "Target name.") var name: String
        @Option(help: "jetstream or http (a LogScale-compatible upstream: --url and --upstream-token).") var kind = "jetstream"
        @Option(help: "ndjson (events as `sluice wal cat` prints them) or wal (stored record bytes).") var format = "ndjson"
        @Option(help: "gzip or zstd compresses each message body (named in Content-Encoding).") var compression: String?
        @Option(help: "nats:// URL (repeatable).") var server: [String] = []
        @Option(help: "JetStream stream.") var stream: String?
        @Option(name: .customLong("subject-prefix"), help: "Subject prefix; a repository's subject is prefix + name (default sluice.).")
        var subjectPrefix: String?
        @Option(help: "NATS user (with --password).") var user: String?
        @Option(help: "NATS password.") var password: String?
        @Option(help: "NATS token.") var token: String?
        @Option(name: .customLong("creds-file"), help: "NATS .creds file.") var credsFile: String?
        @Option(name: .customLong("tls-ca"), help: "PEM CA bundle; the connection uses TLS.") var tlsCA: String?
        @Option(help: "http target: upstream base URL.") var url: String?
        @Option(name: .customLong("upstream-token"), help: "http target: upstream ingest token.") var upstreamToken: String?
        @Option(name: .customLong("repo"), help: "Repository to forward to this target (repeatable).") var repos: [String] = []

        func run() throws {
            guard let kind = Forwarder.Kind(rawValue: kind) else { throw ValidationError("--kind must be jetstream or http") }
            guard let format = Forwarder.Format(rawValue: format) else { throw ValidationError("--format must be ndjson or wal") }
            let target = Forwarder(name: name, kind: kind, format: format, compression: compression, servers: server, stream: stream, subjectPrefix: subjectPrefix,
                                   user: user, password: password, token: token, credsFile: credsFile, tlsCA: tlsCA, url: url,
                                   upstreamToken: upstreamToken)
            try options.edit { (snapshot) throws(TokenError) in
                try snapshot.addForwarder(target)
                for repo in repos {
                    let current = snapshot.repository(named: repo)?.forwardTo ?? []
                    try snapshot.setForwardTo(repository: repo, targets: current + [name])
                }
            }
        }
    }

    struct Attach: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set the targets a repository forwards to (none clears them).")
        @OptionGroup var options: SnapshotOptions
        @Option var repo: String
        @Option(name: .customLong("target"), help: "Target name (repeatable).") var targets: [String] = []

        func run() throws {
            try options.edit { (snapshot) throws(TokenError) in try snapshot.setForwardTo(repository: repo, targets: targets) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List targets (secrets masked unless --show-secrets).")
        @Option(name: .customLong("data"), help: "The data directory holding tokens.json.") var data: String
        @Flag(help: "Print JSON.") var json = false
        @Flag(name: .customLong("show-secrets"), help: "Show secrets in clear.") var showSecrets = false

        func run() throws {
            let rows = try existingSnapshot(data).load().forwarderRows(showSecrets: showSecrets)
            if json {
                print(try jsonText(rows))
            } else {
                print(renderColumns(["NAME", "KIND", "FORMAT", "DESTINATION", "STREAM", "AUTH", "REPOSITORIES"],
                                    rows.map { [$0.name, $0.kind.rawValue, $0.format.rawValue, $0.destination, $0.stream.isEmpty ? "-" : $0.stream,
                                                $0.auth, $0.repositories.joined(separator: ",")] }), terminator: "")
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a target and every repository's reference to it.")
        @OptionGroup var options: SnapshotOptions
        @Option var name: String

        func run() throws {
            try options.edit { (snapshot) throws(TokenError) in try snapshot.removeForwarder(named: name) }
        }
    }

    struct CreateStream: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create-stream",
                                                        abstract: "Create a jetstream target's stream (subjects <prefix>>, file storage).")
        @Option(name: .customLong("data"), help: "The data directory holding tokens.json.") var data: String
        @Option var name: String
        @Option(help: "Replicas (1 or, in a cluster, 3).") var replicas = 1
        @Option(name: .customLong("duplicate-window"), help: "Seconds JetStream remembers message ids; must cover the longest replay.")
        var duplicateWindow = 3600.0

        func run() throws {
            guard let target = try existingSnapshot(data).load().forwarder(named: name), target.kind == .jetstream else {
                throw ValidationError("no jetstream target '\(name)' in the snapshot")
            }
            try JetStreamAdmin.createStream(target, replicas: replicas, duplicateWindowSeconds: duplicateWindow)
            print("created stream \(target.stream ?? "") on \(target.effectiveSubjectPrefix)>")
        }
    }
}

/// `sluice forward status`: per repository and target, what was delivered and what is left.
struct ForwardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "forward", abstract: "Show forwarding progress.", subcommands: [Status.self])

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Per repository and target: forwarded sequence, lag, state, last error.")
        @Option(name: .customLong("data"), help: "The data directory.") var data: String

        func run() throws {
            let snapshot = try existingSnapshot(data).load()
            let stats = Dictionary(WALStats.collect(dataDirectory: data).map { ($0.repository, $0) }, uniquingKeysWith: { a, _ in a })
            var rows: [[String]] = []
            for repository in snapshot.repositories {
                for target in repository.forwardTo {
                    let next = stats[repository.name]?.lastSequence.map { $0 + 1 } ?? 0
                    let forwarded = ForwardCheckpoint(dataDirectory: data, repository: repository.name, target: target)?.read()
                    let state = ForwardStatusFile.read(dataDirectory: data, repository: repository.name, target: target)
                    // The age of the first record not yet forwarded, from its events' ingest time.
                    let lagSeconds = forwarded.map { sequence -> String in
                        guard next > sequence else { return "0" }
                        guard let written = ForwardLag.writtenMillis(dataDirectory: data, repository: repository.name, from: sequence) else { return "-" }
                        let tenths = max(0, ForwardLag.nowMillis() - written) / 100
                        return "\(tenths / 10).\(tenths % 10)"
                    } ?? "-"
                    rows.append([repository.name, target, forwarded.map { "\($0)" } ?? "damaged",
                                 forwarded.map { "\(next > $0 ? next - $0 : 0)" } ?? "-", lagSeconds,
                                 state?.state ?? "never-started", (state?.error).flatMap { $0.isEmpty ? nil : $0 } ?? "-"])
                }
            }
            print(renderColumns(["REPOSITORY", "TARGET", "FORWARDED", "LAG_EVENTS", "LAG_SECONDS", "STATE", "LAST_ERROR"], rows), terminator: "")
        }
    }
}
