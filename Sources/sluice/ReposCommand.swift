import ArgumentParser
import Tokens

extension Repository.Kind: ExpressibleByArgument {}

/// `sluice repos`: create and list repositories.
struct ReposCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repos",
        abstract: "Manage repositories in the token snapshot.",
        subcommands: [Add.self, List.self])

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
                print(renderColumns(["NAME", "ORGANIZATION", "KIND", "INGEST TOKENS"],
                                    rows.map { [$0.name, $0.organization, $0.kind.rawValue, String($0.ingestTokens)] }),
                      terminator: "")
            }
        }
    }
}
