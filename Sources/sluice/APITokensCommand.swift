import ArgumentParser
import Tokens

extension APIToken.Kind: ExpressibleByArgument {}

/// `sluice api-tokens`: create API tokens (personal, organization, system).
struct APITokensCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api-tokens",
        abstract: "Manage API tokens in the token snapshot.",
        subcommands: [Add.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an API token; prints it (only its SHA-256 is stored, so this is the one chance to copy it).")
        @OptionGroup var options: SnapshotOptions
        @Option(help: "personal, organization or system.") var kind: APIToken.Kind
        @Option(help: "Token name.") var name: String
        @Option(help: "The user of a personal token.") var user: String?
        @Option(help: "The organization of an organization token (default: default).") var org: String?
        @Option(name: .customLong("permission"), help: "A permission, e.g. IngestAcrossAllReposWithinOrganization; repeatable.")
        var permissions: [String] = []

        func run() throws {
            let token = try options.edit { (snapshot) throws(TokenError) in
                try snapshot.addAPIToken(kind: kind, name: name, user: user, organization: org, permissions: permissions)
            }
            print(token)
        }
    }
}
