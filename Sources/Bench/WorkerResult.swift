/// Kinds of failure a benchmark connection can meet; each request lost to one counts as an error.
public enum BenchErrorKind: String, CaseIterable, Sendable {
    /// The connection could not be established.
    case connect
    /// `read`/`write` failed (reset, broken pipe).
    case io
    /// The server closed the connection before the answer was complete.
    case closed
    /// The answer was not valid HTTP/1.1.
    case proto = "protocol"
    /// The answer did not arrive before the drain deadline at the end of the run.
    case timeout
    /// https: the TLS handshake or a TLS record failed.
    case tls
}

/// What one worker measured; the runner merges them into a ``BenchResult``.
struct WorkerResult: Sendable {
    var latencies = LatencyHistogram()
    /// Answers by status code (index = code, 0...999).
    var statusCounts = [Int](repeating: 0, count: 1000)
    var errors = [Int](repeating: 0, count: BenchErrorKind.allCases.count)
    var requests = 0
    var events = 0
    var bodyBytes = 0
    var rawBodyBytes = 0
    /// Open loop: requests on the timetable never sent because no connection was free before the end.
    var unsent = 0
    /// https: handshakes completed, and how many of them resumed a session.
    var tlsHandshakes = 0
    var tlsResumed = 0
    /// HEC acknowledgements: polls answered, and ids they reported true.
    var ackPolls = 0
    var acksTrue = 0
    /// Requests at least ``BenchWorker/Plan/slowNanos`` slow, in the order they were answered.
    var slowRequests: [SlowRequest] = []

    mutating func countError(_ kind: BenchErrorKind) {
        errors[BenchErrorKind.allCases.firstIndex(of: kind)!] += 1
    }
}

/// One request slower than `--slow-ms`, with monotonic-clock times (`CLOCK_MONOTONIC`, the clock of
/// `perf record -k mono`), so it can be laid over a trace of the server.
public struct SlowRequest: Sendable, Equatable {
    /// When the timetable (open loop) or the connection (closed loop) had it start: its latency counts from here.
    public var scheduledNanos: UInt64
    /// When the generator began writing it.
    public var sentNanos: UInt64
    /// When its whole answer had arrived.
    public var answeredNanos: UInt64
    /// The generator thread's connection slot it went out on.
    public var connection: Int
}
