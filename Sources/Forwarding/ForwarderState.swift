import Synchronization

/// Where one (repository, target) forwarder stands, for metrics, `/api/v1/status` and `sluice forward status`.
public enum ForwarderState: String, Sendable {
    case connecting, forwarding, backingOff = "backing-off", streamMissing = "stream-missing", stopped
}

/// Counters and gauges of one forwarder, written by its thread and read at scrape time.
public final class ForwarderMetrics: Sendable {
    public let records = Atomic<Int>(0)
    public let bytes = Atomic<Int>(0)
    public let lagRecords = Atomic<Int>(0)
    /// Events the target refused for good (HTTP 4xx), moved to the dead-letter file.
    public let rejected = Atomic<Int>(0)
    /// When (`DispatchTime` uptime nanoseconds) the first record not yet acknowledged was written; 0 when
    /// caught up. The age is taken at scrape time, so a forwarder that stalls shows a growing lag.
    public let oldestUnforwardedNanos = Atomic<UInt64>(0)
    private let errors = Mutex<[String: Int]>([:])
    private let state = Mutex<(ForwarderState, String?)>((.connecting, nil))

    public init() {}

    /// Seconds since the first record not yet forwarded was written (0 when caught up).
    public func lagSeconds(now: UInt64) -> Double {
        let oldest = oldestUnforwardedNanos.load(ordering: .relaxed)
        return oldest == 0 || now < oldest ? 0 : Double(now - oldest) / 1e9
    }

    public func countError(_ reason: String) { errors.withLock { $0[reason, default: 0] += 1 } }
    public var errorCounts: [String: Int] { errors.withLock { $0 } }

    /// Sets the state; true when it changed (the caller logs one line per change).
    public func setState(_ new: ForwarderState, error: String? = nil) -> Bool {
        state.withLock { current in
            let changed = current.0 != new
            current = (new, error ?? (new == .forwarding ? nil : current.1))
            return changed
        }
    }

    public var currentState: (state: ForwarderState, lastError: String?) { state.withLock { ($0.0, $0.1) } }
}
