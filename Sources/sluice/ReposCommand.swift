import ArgumentParser
import Tokens

extension Repository.Kind: ExpressibleByArgument {}

/// `sluice repos`: create and list repositories.
struct ReposCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repos",
        abstract: "Manage repositories in the token snapshot.",
        subcommands: [Add.self, List.self, Retention.self, Limits.self, Block.self, Unblock.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a repository (and its organization when new); prints its `default` ingest token.")
        @OptionGroup var options: SnapshotOptions
        @Option(help: "Repository name.") var name: String
        @Option(help: "Organization (created when new).") var org: String = Snapshot.defaultOrganization
        @Option(help: "regular, system or sandbox.") var kind: Repository.Kind = .regular

        func run() throws {
            let token = try options.edit { (snapshot) throws(TokenError) in
                try snapshot.addRepository(name: name, organization: org, kind: kind, createdAt: currentMillis())
            }
            print(token)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List repositories.")
        @Option(name: .customLong("data"), help: "The data directory holding tokens.json.") var data: String
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let rows = try existingSnapshot(data).load().repositoryRows()
            if json {
                print(try jsonText(rows))
            } else {
                print(renderColumns(["NAME", "ORGANIZATION", "KIND", "INGEST TOKENS", "RETENTION", "LIMITS", "INGEST"],
                                    rows.map { [$0.name, $0.organization, $0.kind.rawValue, String($0.ingestTokens), $0.retentionText,
                                                IngestLimits.summary($0.limits, dailyBytes: $0.dailyBytes),
                                                $0.ingestBlocked == true ? "blocked" : "open"] }),
                      terminator: "")
            }
        }
    }

    struct Retention: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a repository's own WAL retention (what the admin API's updateRetention sets).",
            discussion: """
                Each value is a positive number, or `default` to clear the repository's own setting so the \
                server's --retention-hours / --retention-bytes apply again; options left out stay as they are. \
                With --reload the running server applies it at once, without a restart.
                """)
        @OptionGroup var options: SnapshotOptions
        @Option(help: "Repository name.") var name: String
        @Option(help: "Days after which sealed segments are deleted (timeBasedRetention), or `default`.") var days: String?
        @Option(name: .customLong("storage-gb"), help: "GB (10^9 bytes) on disk kept at most (storageSizeBasedRetention), or `default`.")
        var storageGB: String?
        @Option(name: .customLong("ingest-gb"), help: "GB of uncompressed events kept at most (ingestSizeBasedRetention), or `default`.")
        var ingestGB: String?

        func validate() throws {
            guard days != nil || storageGB != nil || ingestGB != nil else {
                throw ValidationError("give at least one of --days, --storage-gb, --ingest-gb")
            }
            for (flag, text) in [("--days", days), ("--storage-gb", storageGB), ("--ingest-gb", ingestGB)] {
                if let text, text != "default", Double(text) == nil { throw ValidationError("\(flag) takes a number or `default`") }
            }
        }

        func run() throws {
            var changes: [Repository.RetentionSetting: Double?] = [:]
            for (setting, text) in [(Repository.RetentionSetting.timeBasedRetention, days),
                                    (.storageSizeBasedRetention, storageGB), (.ingestSizeBasedRetention, ingestGB)] {
                guard let text else { continue }
                changes.updateValue(text == "default" ? nil : Double(text), forKey: setting)
            }
            let changed = try options.edit { (snapshot) throws(TokenError) in
                try snapshot.setRepositoryRetention(name: name, changes)
            }
            print("\(changed.name): \(changed.retentionSummary)")
        }
    }

    struct Limits: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set or clear a repository's rate limits and daily byte quota (docs/limits.md); prints them.")
        @OptionGroup var options: SnapshotOptions
        @Option(help: "Repository name.") var name: String
        @OptionGroup var limits: LimitOptions

        func run() throws {
            let repository = try options.edit { (snapshot) throws(TokenError) in
                guard let current = snapshot.repository(named: name) else { throw TokenError.notFound("repository '\(name)' does not exist") }
                let (newLimits, dailyBytes) = limits.applied(to: current.limits, dailyBytes: current.dailyBytes)
                return try snapshot.setRepositoryLimits(name: name, limits: newLimits, dailyBytes: dailyBytes)
            }
            print(IngestLimits.summary(repository.limits, dailyBytes: repository.dailyBytes))
        }
    }

    struct Block: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Refuse all ingest into a repository (503) until unblocked.")
        @OptionGroup var options: SnapshotOptions
        @Option(help: "Repository name.") var name: String
        @Option(help: "Text the refusals carry.") var message: String?

        func run() throws {
            try options.edit { (snapshot) throws(TokenError) in
                try snapshot.setRepositoryIngestBlocked(name: name, blocked: true, message: message)
            }
        }
    }

    struct Unblock: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Accept ingest into a blocked repository again.")
        @OptionGroup var options: SnapshotOptions
        @Option(help: "Repository name.") var name: String

        func run() throws {
            try options.edit { (snapshot) throws(TokenError) in
                try snapshot.setRepositoryIngestBlocked(name: name, blocked: false)
            }
        }
    }
}
