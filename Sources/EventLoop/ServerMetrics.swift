import Synchronization

/// Counters of the HTTP layer, shared by all loops: relaxed atomics, each bumped by the loop that saw it.
public final class ServerMetrics: Sendable {
    public let openConnections = Atomic<Int>(0)
    public let acceptedConnections = Atomic<Int>(0)
    public let refusedConnections = Atomic<Int>(0)
    /// Connections without a verified credential closed to make room for newer connections.
    public let evictedUnauthenticated = Atomic<Int>(0)
    public let bytesIn = Atomic<Int>(0)
    public let bytesOut = Atomic<Int>(0)
    /// Handshakes and failures of the TLS listeners.
    public let tls = TLSMetrics()
    /// Requests refused by the wire layer before any handler saw them, by status.
    /// Rare by nature, so one lock is enough.
    private let protocolErrors = Mutex<[Int: Int]>([:])

    public init() {}

    func countProtocolError(status: Int) {
        protocolErrors.withLock { $0[status, default: 0] += 1 }
    }

    /// Prometheus text exposition of these counters.
    public func exposition() -> String {
        var text = """
        # HELP sluice_connections_open Client connections open now.
        # TYPE sluice_connections_open gauge
        sluice_connections_open \(openConnections.load(ordering: .relaxed))
        # HELP sluice_connections_accepted_total Client connections accepted.
        # TYPE sluice_connections_accepted_total counter
        sluice_connections_accepted_total \(acceptedConnections.load(ordering: .relaxed))
        # HELP sluice_connections_refused_total Connections closed at once because --max-connections was reached.
        # TYPE sluice_connections_refused_total counter
        sluice_connections_refused_total \(refusedConnections.load(ordering: .relaxed))
        # HELP sluice_connections_evicted_unauthenticated_total Connections without a verified credential closed to make room (--max-connections, --max-unauthenticated-connections).
        # TYPE sluice_connections_evicted_unauthenticated_total counter
        sluice_connections_evicted_unauthenticated_total \(evictedUnauthenticated.load(ordering: .relaxed))
        # HELP sluice_http_bytes_in_total Bytes read from clients.
        # TYPE sluice_http_bytes_in_total counter
        sluice_http_bytes_in_total \(bytesIn.load(ordering: .relaxed))
        # HELP sluice_http_bytes_out_total Bytes written to clients.
        # TYPE sluice_http_bytes_out_total counter
        sluice_http_bytes_out_total \(bytesOut.load(ordering: .relaxed))
        # HELP sluice_http_parse_errors_total Requests refused by the HTTP layer, by answer status.
        # TYPE sluice_http_parse_errors_total counter

        """
        for (status, count) in protocolErrors.withLock({ $0 }).sorted(by: { $0.key < $1.key }) {
            text += "sluice_http_parse_errors_total{status=\"\(status)\"} \(count)\n"
        }
        return text + tls.exposition()
    }
}
