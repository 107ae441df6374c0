import ArgumentParser

@main
struct SluiceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "A high-throughput log-ingest gateway speaking the Falcon LogScale ingest API.",
        subcommands: [
            ServeCommand.self,
            TokensCommand.self,
            ReposCommand.self,
            APITokensCommand.self,
            ParseCommand.self,
            WALCommand.self,
            BenchCommand.self,
            ForwardersCommand.self,
            ForwardCommand.self,
        ],
        defaultSubcommand: ServeCommand.self)
}
