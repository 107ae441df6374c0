import ArgumentParser

@main
struct SluiceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "A high-throughput log-ingest gateway speaking the Falcon LogScale ingest API.",
        subcommands: [WALCommand.self])
}
