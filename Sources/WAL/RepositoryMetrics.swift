import WALFormat
import Synchronization

/// Counters of one repository's log, updated by its writer (and by appenders for `recordsWaiting`).
///
/// Guarantees: every counter only grows except the `recordsWaiting` gauge; reading them never blocks the
/// writer for more than a histogram copy.
final class RepositoryMetrics: Sendable {
    let eventsAppended = Atomic<Int>(0)
    let recordsAppended = Atomic<Int>(0)
    let bytesUncompressed = Atomic<Int>(0)
    let bytesWritten = Atomic<Int>(0)
    let fsyncs = Atomic<Int>(0)
    let recordsWaiting = Atomic<Int>(0)
    let truncatedBytes = Atomic<Int>(0)
    let writeErrors = Atomic<Int>(0)
    let segmentsDeleted = Atomic<Int>(0)
    /// Events retention deleted past ``WALOptions/retentionMaxBytes`` before a forwarding target had them.
    let forwardDroppedRecords = Atomic<Int>(0)
    private let fsyncLatency = Mutex(Histogram())
    private let fsyncObserver: (@Sendable (Double) -> Void)?

    init(fsyncObserver: (@Sendable (Double) -> Void)? = nil) {
        self.fsyncObserver = fsyncObserver
    }

    /// Upper bounds (seconds) of the fsync latency buckets.
    static let latencyBounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

    struct Histogram: Sendable {
        var counts = [Int](repeating: 0, count: RepositoryMetrics.latencyBounds.count + 1)
        var sum = 0.0
        var count = 0

        mutating func record(seconds: Double) {
            counts[RepositoryMetrics.latencyBounds.firstIndex(where: { seconds <= $0 }) ?? RepositoryMetrics.latencyBounds.count] += 1
            sum += seconds
            count += 1
        }
    }

    func recordFsync(seconds: Double) {
        fsyncObserver?(seconds)
        fsyncs.add(1, ordering: .relaxed)
        fsyncLatency.withLock { $0.record(seconds: seconds) }
    }

    var fsyncHistogram: Histogram { fsyncLatency.withLock { $0 } }

    /// Prometheus exposition lines (without HELP/TYPE, which ``WALStore/metricsText()`` writes once).
    func exposition(repository: String, into out: inout [String: [String]]) {
        let label = "repository=\"\(PrometheusLabel.escape(repository))\""
        func add(_ name: String, _ value: Int) { out[name, default: []].append("\(name){\(label)} \(value)") }
        add("sluice_wal_events_appended_total", eventsAppended.load(ordering: .relaxed))
        add("sluice_wal_records_appended_total", recordsAppended.load(ordering: .relaxed))
        add("sluice_wal_bytes_uncompressed_total", bytesUncompressed.load(ordering: .relaxed))
        add("sluice_wal_bytes_written_total", bytesWritten.load(ordering: .relaxed))
        add("sluice_wal_fsyncs_total", fsyncs.load(ordering: .relaxed))
        add("sluice_wal_records_waiting", recordsWaiting.load(ordering: .relaxed))
        add("sluice_wal_truncated_bytes_total", truncatedBytes.load(ordering: .relaxed))
        add("sluice_wal_write_errors_total", writeErrors.load(ordering: .relaxed))
        add("sluice_wal_segments_deleted_total", segmentsDeleted.load(ordering: .relaxed))
        // Only once retention dropped undelivered events: a gateway without forwarding exposes nothing new.
        let dropped = forwardDroppedRecords.load(ordering: .relaxed)
        if dropped > 0 { add("sluice_forward_dropped_records_total", dropped) }
        let histogram = fsyncHistogram
        let name = "sluice_wal_fsync_seconds"
        var cumulative = 0
        for (index, bound) in Self.latencyBounds.enumerated() {
            cumulative += histogram.counts[index]
            out[name, default: []].append("\(name)_bucket{\(label),le=\"\(bound)\"} \(cumulative)")
        }
        out[name, default: []].append("\(name)_bucket{\(label),le=\"+Inf\"} \(histogram.count)")
        out[name, default: []].append("\(name)_sum{\(label)} \(histogram.sum)")
        out[name, default: []].append("\(name)_count{\(label)} \(histogram.count)")
    }

    static let help: [(String, String, String)] = [
        ("sluice_wal_events_appended_total", "counter", "Events written to the repository's WAL."),
        ("sluice_wal_records_appended_total", "counter", "Records (request batches) written to the WAL."),
        ("sluice_wal_bytes_uncompressed_total", "counter", "Event layout bytes before LZ4 compression."),
        ("sluice_wal_bytes_written_total", "counter", "Record bytes written after compression."),
        ("sluice_wal_fsyncs_total", "counter", "fdatasync calls on WAL segments."),
        ("sluice_wal_records_waiting", "gauge", "Records queued or waiting for their fsync."),
        ("sluice_wal_truncated_bytes_total", "counter", "Bytes cut from segment tails at recovery or after a failed write."),
        ("sluice_wal_write_errors_total", "counter", "Failed writes, fsyncs and segment creations."),
        ("sluice_wal_segments_deleted_total", "counter", "Sealed segments deleted by retention."),
        ("sluice_forward_dropped_records_total", "counter", "Events deleted by retention past --retention-max-bytes before every forwarding target had them."),
        ("sluice_wal_fsync_seconds", "histogram", "fdatasync latency."),
    ]

}
