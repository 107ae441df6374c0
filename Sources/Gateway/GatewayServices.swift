import EventLoop
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

    init(tokens: TokenStore, wal: WALStore, metrics: GatewayMetrics, server: HTTPServer, decodeLimits: DecodeLimits) {
        self.tokens = tokens
        self.wal = wal
        self.metrics = metrics
        self.server = server
        self.decodeLimits = decodeLimits
    }

    func metricsExposition() -> String {
        server.metrics.exposition() + metrics.exposition() + tokens.metricsText() + wal.metricsText()
    }
}
