import Admin
import EventLoop
import Forwarding
import IngestFormats
import Synchronization
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
    /// Each loop's view of the serving tokens, posted at every install.
    let loopViews: LoopViews
    /// This gateway's id (`DATA/gateway-id`), in `sluice_gateway_info` and every log line.
    let gateway: String
    /// Set at SIGTERM: the health endpoints answer 503 so a load balancer takes the gateway out.
    let draining = Atomic<Bool>(false)
    /// How long after a failed WAL append the health endpoints keep answering 503.
    static let walFailureHoldMillis: Int64 = 10_000

    init(tokens: TokenStore, wal: WALStore, metrics: GatewayMetrics, server: HTTPServer, decodeLimits: DecodeLimits,
         admin: AdminAPI, adminPool: AdminWorkerPool, forwarding: ForwardingService? = nil,
         metricsAccess: MetricsAccess = MetricsAccess(), hecAcks: HECAcknowledgements = HECAcknowledgements(forAllTokens: false),
         diskSpace: DiskSpaceGuard? = nil, gateway: String = "") {
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
        loopViews = LoopViews(following: tokens, wal: wal)
        self.gateway = gateway
    }

    /// Why the gateway cannot take ingest right now (it drains, free disk is below `--min-free-bytes`, the WAL
    /// failed an append lately, a JetStream target is unreachable under `--ack-after replicated`), or why some
    /// repository refuses it (its WAL backlog past `--max-pending-bytes`); nil when healthy.
    func unhealthyReason() -> String? {
        if draining.load(ordering: .relaxed) { return "draining: shutting down" }
        if let diskSpace, diskSpace.isLow { return "free disk space below --min-free-bytes" }
        let walFailure = metrics.lastWALFailureMillis.load(ordering: .relaxed)
        if walFailure != Int64.min, EventLoop.monotonicNowMillis() - walFailure < Self.walFailureHoldMillis {
            return "the write-ahead log failed an append in the last \(Self.walFailureHoldMillis / 1000) s"
        }
        if let forwarding, forwarding.replication != nil, let unreachable = forwarding.unreachableJetStreamTargets.first {
            return "replication unreachable (--ack-after replicated): \(unreachable)"
        }
        let refusing = wal.refusingRepositories
        if !refusing.isEmpty { return "write-ahead log backlog past --max-pending-bytes in \(refusing.count) repositories" }
        return nil
    }

    func metricsExposition() -> String {
        "# HELP sluice_gateway_info This gateway's id (DATA/gateway-id) and version.\n# TYPE sluice_gateway_info gauge\n"
            + "sluice_gateway_info{gateway=\"\(PrometheusLabel.escape(gateway))\",version=\"\(PrometheusLabel.escape(Answers.version))\"} 1\n"
            + server.metrics.exposition() + metrics.exposition() + tokens.metricsText() + wal.metricsText() + (forwarding?.metricsText() ?? "") + hecAcks.metricsText()
    }
}
