import WAL
import Synchronization

/// Request, event and reject counters of the gateway, labelled by route, status, repository and token
/// name (never the token). Each loop writes its own shard under an uncontended lock; `/metrics` sums them.
public final class GatewayMetrics: Sendable {
    struct RequestKey: Hashable {
        var route: String
        var status: Int
    }

    struct IngestKey: Hashable {
        var repository: String
        var token: String
    }

    struct IngestCounts {
        var requests = 0
        var events = 0
        var bytes = 0
    }

    struct RejectKey: Hashable {
        var route: String
        var reason: String
    }

    struct Counts {
        var requests = LabelledCounters<RequestKey, Int>()
        var ingest = LabelledCounters<IngestKey, IngestCounts>()
        var rejects = LabelledCounters<RejectKey, Int>()
    }

    /// When (monotonic milliseconds) a WAL append last failed for want of the WAL (an I/O error, not a
    /// refusal by size or name); the status endpoint answers 503 for a while after it.
    let lastWALFailureMillis = Atomic<Int64>(Int64.min)

    /// One loop's counters.
    final class Shard: Sendable {
        let counts = Mutex(Counts())

        func withLock<R>(_ body: (inout Counts) -> R) -> R {
            counts.withLock { body(&$0) }
        }
    }

    private let shards: [Shard]

    public init(shardCount: Int) {
        shards = (0..<max(1, shardCount)).map { _ in Shard() }
    }

    func countRequest(shard: Int, route: String, status: Int) {
        shards[shard % shards.count].withLock { $0.requests.update(RequestKey(route: route, status: status), default: 0) { $0 += 1 } }
    }

    func countIngest(shard: Int, repository: String, token: String, events: Int, bytes: Int) {
        shards[shard % shards.count].withLock {
            $0.ingest.update(IngestKey(repository: repository, token: token), default: IngestCounts()) {
                Self.add(&$0, events: events, bytes: bytes)
            }
        }
    }

    private static func add(_ counts: inout IngestCounts, events: Int, bytes: Int) {
        counts.requests += 1
        counts.events += events
        counts.bytes += bytes
    }

    func countReject(shard: Int, route: String, reason: String) {
        shards[shard % shards.count].withLock { $0.rejects.update(RejectKey(route: route, reason: reason), default: 0) { $0 += 1 } }
    }

    /// Prometheus text exposition.
    public func exposition() -> String {
        var total = (requests: [RequestKey: Int](), ingest: [IngestKey: IngestCounts](), rejects: [RejectKey: Int]())
        for shard in shards {
            shard.withLock { part in
                for (key, value) in part.requests.entries { total.requests[key, default: 0] += value }
                for (key, value) in part.ingest.entries {
                    total.ingest[key, default: IngestCounts()].requests += value.requests
                    total.ingest[key]!.events += value.events
                    total.ingest[key]!.bytes += value.bytes
                }
                for (key, value) in part.rejects.entries { total.rejects[key, default: 0] += value }
            }
        }
        var text = "# HELP sluice_http_requests_total Requests answered, by route and status.\n# TYPE sluice_http_requests_total counter\n"
        for (key, value) in total.requests.sorted(by: { ($0.key.route, $0.key.status) < ($1.key.route, $1.key.status) }) {
            text += "sluice_http_requests_total{route=\"\(key.route)\",status=\"\(key.status)\"} \(value)\n"
        }
        let ingest = total.ingest.sorted { ($0.key.repository, $0.key.token) < ($1.key.repository, $1.key.token) }
        for (name, help, value) in [
            ("sluice_ingest_requests_total", "Ingest requests acknowledged", \IngestCounts.requests),
            ("sluice_ingest_events_total", "Events acknowledged", \IngestCounts.events),
            ("sluice_ingest_bytes_total", "Request body bytes (decoded) acknowledged", \IngestCounts.bytes),
        ] {
            text += "# HELP \(name) \(help), by repository and token name.\n# TYPE \(name) counter\n"
            for (key, counts) in ingest {
                text += "\(name){repository=\"\(PrometheusLabel.escape(key.repository))\",token=\"\(PrometheusLabel.escape(key.token))\"} \(counts[keyPath: value])\n"
            }
        }
        text += "# HELP sluice_ingest_rejects_total Ingest requests refused, by route and reason.\n# TYPE sluice_ingest_rejects_total counter\n"
        for (key, value) in total.rejects.sorted(by: { ($0.key.route, $0.key.reason) < ($1.key.route, $1.key.reason) }) {
            text += "sluice_ingest_rejects_total{route=\"\(key.route)\",reason=\"\(key.reason)\"} \(value)\n"
        }
        return text
    }
}

