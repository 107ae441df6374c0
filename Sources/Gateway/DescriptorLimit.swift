#if canImport(Glibc)
import Glibc
#endif

/// The process's open-file limit (`RLIMIT_NOFILE`) and how it is shared between connections and the
/// write-ahead logs' segments.
///
/// Guarantees: ``raiseToHard()`` only ever raises the soft limit, to the hard one (as Go's runtime and
/// nginx's `worker_rlimit_nofile` do), and reports the limit in force either way; ``walBudget`` leaves
/// at least `reserve` descriptors for listeners, accepted connections and short-lived files, so that
/// repositories running short of descriptors refuse their records instead of stopping the listeners.
struct DescriptorLimit: Equatable {
    var soft: Int
    var hard: Int

    static func raiseToHard() -> DescriptorLimit {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return DescriptorLimit(soft: 1024, hard: 1024) }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return DescriptorLimit(soft: Self.clamp(limit.rlim_cur), hard: Self.clamp(limit.rlim_max))
    }

    private static func clamp(_ value: rlim_t) -> Int { value >= rlim_t(Int32.max) ? Int(Int32.max) : Int(value) }

    /// Descriptors kept out of the WAL's reach: one per allowed connection plus 64 for listeners, epoll,
    /// eventfds, signalfd, logs, recovery and snapshot files; never more than half the limit, so a small
    /// limit still leaves the WAL room.
    func reserve(maxConnections: Int) -> Int {
        min(soft / 2, maxConnections + 64)
    }

    /// Segment descriptors the WAL may hold open at once.
    func walBudget(maxConnections: Int) -> Int {
        max(16, soft - reserve(maxConnections: maxConnections))
    }
}
