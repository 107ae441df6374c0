import ArgumentParser
import Tokens

extension Repository.Kind: ExpressibleByArgument {}

/// `sluice repos`: create and list repositories.
struct ReposCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repos",
        abstract: "Manage repositories in the token snapshot.",
        subcommands: [Add.self, List.self, Limits.self, Block.self, Unblock.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a repository (and its organization when new); prints its `default` ingest token.")
        @OptionGroup var options: SnapshotOptions
        @Option(help: "Repository name.") var name: String
        @Option(help: "Organization (created when new).") var org: String = Snapshot.defaultOrganization
        @Option(help: "regular, system or sandbox.") var kind: Repository.Kind = .regular

        func run() throws {
            let token = try options.edit { (snapshot) throws(TokenError) in
                try snapshot.addRepository(name: name, organization: org, kind: kind)
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
                print(renderColumns(["NAME", "ORGANIZATION", "KIND", "INGEST TOKENS", "LIMITS", "INGEST"],
                                    rows.map { [$0.name, $0.organization, $0.kind.rawValue, String($0.ingestTokens),
                                                IngestLimits.summary($0.limits, dailyBytes: $0.dailyBytes),
                                                $0.ingestBlocked == true ? "blocked" : "open"] }),
                      terminator: "")
            }
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
