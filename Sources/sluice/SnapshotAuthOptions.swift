import ArgumentParser
import Forwarding
import Foundation

/// How the `--snapshot-source` / `--source` bucket's NATS servers are reached (docs/fleet.md, "NATS
/// credentials and TLS"): the forwarders' choices (user/password, token, `.creds` file, TLS CA), with secrets
/// read from a file or the environment, never from an argument (`ps` shows arguments to every user).
struct SnapshotAuthOptions: ParsableArguments {
    @Option(name: .customLong("snapshot-user"), help: "NATS user for the snapshot bucket; its password comes from --snapshot-password-file or SLUICE_SNAPSHOT_PASSWORD.")
    var user: String?
    @Option(name: .customLong("snapshot-password-file"), help: "File whose first line is the --snapshot-user password.")
    var passwordFile: String?
    @Option(name: .customLong("snapshot-token-file"), help: "File whose first line is the NATS token for the snapshot bucket (or SLUICE_SNAPSHOT_TOKEN).")
    var tokenFile: String?
    @Option(name: .customLong("snapshot-creds"), help: "NATS .creds file (JWT and NKey seed) for the snapshot bucket.")
    var credsFile: String?
    @Option(name: .customLong("snapshot-tls-ca"), help: "PEM CA bundle the snapshot bucket's NATS servers are verified with; the connection uses TLS.")
    var tlsCA: String?

    /// The credentials these options and the environment give; a ValidationError names what is wrong.
    func credentials() throws -> NATSCredentials {
        do throws(NATSCredentials.Invalid) {
            return try NATSCredentials.resolve(user: user, passwordFile: passwordFile, tokenFile: tokenFile, credsFile: credsFile,
                                               tlsCA: tlsCA, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// `text` as a bucket URL with these credentials; refuses credentials written into the URL.
    func url(_ text: String, option: String) throws -> SnapshotSourceURL {
        guard var url = SnapshotSourceURL(text) else {
            let hint = text.contains("@") ? " (credentials go in --snapshot-user/--snapshot-password-file, --snapshot-token-file or --snapshot-creds, not in the URL)" : ""
            throw ValidationError("\(option): expected nats://HOST:PORT[,…]/BUCKET\(hint)")
        }
        url.credentials = try credentials()
        return url
    }
}
