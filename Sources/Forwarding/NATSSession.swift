import CNATS
import Foundation
import Tokens

/// One libnats connection to a server set with its JetStream context: the connect, reconnect policy and
/// teardown that the forwarders' ``JetStreamClient`` and the shared snapshot's ``KeyValueBucket`` share.
/// libnats reconnects on its own after a server loss (forever, every 250 ms).
final class NATSSession: @unchecked Sendable {
    private(set) var connection: OpaquePointer?
    private(set) var context: OpaquePointer?
    private var options: OpaquePointer?

    /// Connects to `servers`; `configure` adds options (credentials, TLS) before the connect, `jetStream`
    /// adjusts the JetStream context's options (`Wait` is `timeoutMillis`). Releases everything it made
    /// when it throws.
    init(servers: [String], timeoutMillis: Int64,
         configure: (OpaquePointer) throws(JetStreamError) -> Void = { _ in },
         jetStream: (inout jsOptions) -> Void = { _ in }) throws(JetStreamError) {
        var status = natsOptions_Create(&options)
        guard status == NATS_OK, let options else { throw JetStreamError("natsOptions_Create", status) }
        do throws(JetStreamError) {
            let copies = servers.map { strdup($0) }
            defer { copies.forEach { free($0) } }
            var pointers = copies.map { UnsafePointer<CChar>($0) }
            status = pointers.withUnsafeMutableBufferPointer { natsOptions_SetServers(options, $0.baseAddress, Int32($0.count)) }
            guard status == NATS_OK else { throw JetStreamError("natsOptions_SetServers", status) }
            _ = natsOptions_SetAllowReconnect(options, true)
            _ = natsOptions_SetMaxReconnect(options, -1)
            _ = natsOptions_SetReconnectWait(options, 250)
            _ = natsOptions_SetTimeout(options, timeoutMillis)
            try configure(options)
            status = natsConnection_Connect(&connection, options)
            guard status == NATS_OK else { throw JetStreamError("connecting to \(servers.joined(separator: ","))", status) }
            var js = jsOptions()
            _ = jsOptions_Init(&js)
            js.Wait = timeoutMillis
            jetStream(&js)
            status = natsConnection_JetStream(&context, connection, &js)
            guard status == NATS_OK else { throw JetStreamError("natsConnection_JetStream", status) }
        } catch {
            close()
            throw error
        }
    }

    var isConnected: Bool { connection.map { natsConnection_Status($0) == NATS_CONN_STATUS_CONNECTED } ?? false }

    func close() {
        if let context { jsCtx_Destroy(context) }
        context = nil
        if let connection {
            natsConnection_Close(connection)
            natsConnection_Destroy(connection)
        }
        connection = nil
        if let options { natsOptions_Destroy(options) }
        options = nil
    }

    deinit { close() }
}

/// How a ``NATSSession`` authenticates and whether it uses TLS: at most one of user/password, token or a
/// `.creds` file, and a CA bundle that turns TLS on. Its description names what is used, never a secret.
public struct NATSCredentials: Sendable, Equatable, CustomStringConvertible {
    public var user: String?
    public var password: String?
    public var token: String?
    public var credsFile: String?
    public var tlsCA: String?

    public init(user: String? = nil, password: String? = nil, token: String? = nil, credsFile: String? = nil, tlsCA: String? = nil) {
        self.user = user
        self.password = password
        self.token = token
        self.credsFile = credsFile
        self.tlsCA = tlsCA
    }

    /// A forwarding target's credentials.
    public init(_ target: Forwarder) {
        self.init(user: target.user, password: target.password, token: target.token, credsFile: target.credsFile, tlsCA: target.tlsCA)
    }

    /// Credentials from the command line: secrets come from files (`passwordFile`, `tokenFile`, first line)
    /// or from `environment` (`SLUICE_SNAPSHOT_PASSWORD`, `SLUICE_SNAPSHOT_TOKEN`), never from an argument,
    /// which any user of the machine can read in `ps`. Throws a message naming the option at fault.
    public static func resolve(user: String?, passwordFile: String?, tokenFile: String?, credsFile: String?, tlsCA: String?,
                               environment: [String: String]) throws(Invalid) -> NATSCredentials {
        func secret(_ file: String?, _ variable: String, _ option: String) throws(Invalid) -> String? {
            if let file {
                guard let text = try? String(contentsOfFile: file, encoding: .utf8),
                      let line = text.split(whereSeparator: \.isNewline).first, !line.isEmpty
                else { throw Invalid("\(option) \(file): not a readable file with the secret on its first line") }
                return String(line)
            }
            return environment[variable].flatMap { $0.isEmpty ? nil : $0 }
        }
        let credentials = NATSCredentials(user: user, password: try secret(passwordFile, "SLUICE_SNAPSHOT_PASSWORD", "--snapshot-password-file"),
                                          token: try secret(tokenFile, "SLUICE_SNAPSHOT_TOKEN", "--snapshot-token-file"),
                                          credsFile: credsFile, tlsCA: tlsCA)
        if user != nil && credentials.password == nil {
            throw Invalid("--snapshot-user needs a password: --snapshot-password-file FILE or SLUICE_SNAPSHOT_PASSWORD")
        }
        if user == nil && passwordFile != nil { throw Invalid("--snapshot-password-file needs --snapshot-user") }
        if [user != nil, credentials.token != nil, credsFile != nil].filter({ $0 }).count > 1 {
            throw Invalid("choose one of --snapshot-user, a token (--snapshot-token-file, SLUICE_SNAPSHOT_TOKEN) or --snapshot-creds")
        }
        for (option, file) in [("--snapshot-creds", credsFile), ("--snapshot-tls-ca", tlsCA)] {
            if let file, !FileManager.default.isReadableFile(atPath: file) { throw Invalid("\(option) \(file): not a readable file") }
        }
        return credentials
    }

    /// Options that do not fit together or name a file that cannot be read.
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// Sets these credentials and TLS on libnats options before the connect.
    func apply(to options: OpaquePointer) throws(JetStreamError) {
        if let user, let password { _ = natsOptions_SetUserInfo(options, user, password) }
        if let token { _ = natsOptions_SetToken(options, token) }
        if let credsFile { _ = natsOptions_SetUserCredentialsFromFiles(options, credsFile, nil) }
        if let tlsCA {
            _ = natsOptions_SetSecure(options, true)
            let status = natsOptions_LoadCATrustedCertificates(options, tlsCA)
            guard status == NATS_OK else { throw JetStreamError("loading the TLS CA \(tlsCA)", status) }
        }
    }

    public var description: String {
        var parts: [String] = []
        if let user { parts.append("user \(user)") }
        if token != nil { parts.append("token") }
        if let credsFile { parts.append("creds \(credsFile)") }
        if let tlsCA { parts.append("tls ca \(tlsCA)") }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }
}
