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
    /// HEC indexer acknowledgements: the ack table every loop shares.
    let hecAcks: HECAcknowledgements
    /// `--min-free-bytes` (nil: not set).
    let diskSpace: DiskSpaceGuard?

    init(tokens: TokenStore, wal: WALStore, metrics: GatewayMetrics, server: HTTPServer, decodeLimits: DecodeLimits,
         admin: AdminAPI, adminPool: AdminWorkerPool, forwarding: ForwardingService? = nil,
         metricsAccess: MetricsAccess = MetricsAccess(), hecAcks: HECAcknowledgements = HECAcknowledgements(forAllTokens: false),
         diskSpace: DiskSpaceGuard? = nil) {
        self.tokens = tokens
        self.wal = wal
        self.metrics = metrics
        self.server = server
        self.decodeLimits = decodeLimits
        self.admin = admin
        self.adminPool = adminPool
        self.forwarding = forwarding
        self.metricsAccess = metricsAccess
        self.hecAcks = hecAcks
        self.diskSpace = diskSpace
    }

    /// Why ingest is refused gateway-wide right now (free disk below `--min-free-bytes`), or why some
    /// repository is (its WAL backlog past `--max-pending-bytes`); nil when healthy.
    func unhealthyReason() -> String? {
        if let diskSpace, diskSpace.isLow { return "free disk space below --min-free-bytes" }
        let refusing = wal.refusingRepositories
        if !refusing.isEmpty { return "write-ahead log backlog past --max-pending-bytes in \(refusing.count) repositories" }
        return nil
    }

    func metricsExposition() -> String {
        server.metrics.exposition() + metrics.exposition() + tokens.metricsText() + wal.metricsText() + (forwarding?.metricsText() ?? "") + hecAcks.metricsText()
    }
}
