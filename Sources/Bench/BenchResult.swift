/// What a whole run measured, merged over its workers.
///
/// Guarantees: `requests` is the number of answers received (any status); `events` counts events in 2xx
/// answers only; `bodyBytes` is request-body bytes on the wire for answered requests (compressed with
/// `--gzip`); `statusCounts` sums to `requests`; `errors` sums `errorCounts`.
public struct BenchResult: Sendable {
    public var requests = 0
    public var events = 0
    public var bodyBytes = 0
    public var rawBodyBytes = 0
    public var seconds = 0.0
    /// Process CPU time (user + system) spent during the run.
    public var cpuSeconds = 0.0
    public var latencies = LatencyHistogram()
    public var statusCounts: [Int: Int] = [:]
    public var errorCounts: [BenchErrorKind: Int] = [:]
    public var unsent = 0
    /// https: TLS handshakes completed, and how many of them resumed a session (the rest were full).
    public var tlsHandshakes = 0
    public var tlsResumed = 0
    /// `--hec-ack-poll-ms`: ack polls answered (not counted in ``requests``), and ids they reported true.
    public var ackPolls = 0
    public var acksTrue = 0
    /// Open loop: the offered rate.
    public var offeredRate: Double?
    /// With ``BenchConfiguration/slowMillis``: every request at least that slow, by answer time.
    public var slowRequests: [SlowRequest] = []

    public init() {}

    public var errors: Int { errorCounts.values.reduce(0, +) }
    public var requestsPerSecond: Double { seconds > 0 ? Double(requests) / seconds : 0 }
    public var eventsPerSecond: Double { seconds > 0 ? Double(events) / seconds : 0 }
    public var megabytesPerSecond: Double { seconds > 0 ? Double(bodyBytes) / seconds / 1e6 : 0 }
    public var latency: LatencySummary { latencies.summary }

    mutating func merge(_ worker: WorkerResult) {
        requests += worker.requests
        events += worker.events
        bodyBytes += worker.bodyBytes
        rawBodyBytes += worker.rawBodyBytes
        unsent += worker.unsent
        tlsHandshakes += worker.tlsHandshakes
        tlsResumed += worker.tlsResumed
        ackPolls += worker.ackPolls
        acksTrue += worker.acksTrue
        latencies.add(worker.latencies)
        slowRequests.append(contentsOf: worker.slowRequests)
        for (status, count) in worker.statusCounts.enumerated() where count > 0 {
            statusCounts[status, default: 0] += count
        }
        for (index, count) in worker.errors.enumerated() where count > 0 {
            errorCounts[BenchErrorKind.allCases[index], default: 0] += count
        }
    }
}
