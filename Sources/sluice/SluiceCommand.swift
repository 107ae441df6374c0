import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

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

    /// Every command runs with umask 077: the data folder holds customers' logs and credentials, so whatever
    /// `serve` and the CLI create there (WAL segments, snapshots, runtime files, folders) is the owner's
    /// alone (0600 files, 0700 folders), however the shell that started them was set.
    static func main() {
        umask(0o077)
        main(nil)
    }
}
