import CNATS
import Foundation

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
