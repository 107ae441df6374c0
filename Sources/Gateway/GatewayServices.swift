import Admin
import EventLoop
import Forwarding
import IngestFormats
import Tokens
import WAL

/// The long-lived parts every loop's handler shares: tokens, write-ahead logs, metrics.
final class GatewayServices: Sendable {
    let tokens: TokenStore
    let wal: WALStore
    let metrics: GatewayMetrics
    let server: HTTPServer
    let decodeLimits: DecodeLimits
    /// The admin API and the threads it runs on (off the event loops).
    let admin: AdminAPI
    let adminPool: AdminWorkerPool
    /// The WAL forwarders (none unless the snapshot names targets).
    let forwarding: ForwardingService?
    /// Who may read `/metrics`, and whether the ingest listeners serve it (see ``MetricsEndpoint``).
    let metricsAccess: MetricsAccess

    init(tokens: TokenStore, wal: WALStore, metrics: GatewayMetrics, server: HTTPServer, decodeLimits: DecodeLimits,
         admin: AdminAPI, adminPool: AdminWorkerPool, forwarding: ForwardingService? = nil,
         metricsAccess: MetricsAccess = MetricsAccess()) {
        self.tokens = tokens
        self.wal = wal
        self.metrics = metrics
        self.server = server
        self.decodeLimits = decodeLimits
        self.admin = admin
        self.adminPool = adminPool
        self.forwarding = forwarding
        self.metricsAccess = metricsAccess
    }

    func metricsExposition() -> String {
        server.metrics.exposition() + metrics.exposition() + tokens.metricsText() + wal.metricsText() + (forwarding?.metricsText() ?? "")
    }
}
