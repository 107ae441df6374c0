import Synchronization

/// How `--fsync interval=MS` keeps its promise (a record acknowledged after its write is durable about MS
/// later) when the syncs cannot keep up: the decisions, as pure functions of what the writer measures.
///
/// Guarantees: ``holdsAcknowledgement(intervalNanos:uncoveredAgeNanos:queuedSyncs:queues:syncNanos:)``
/// is false while a log's syncs start on time and its writer's sync queues can start a sync within half an
/// interval, so a lightly loaded WAL acknowledges after the write as before; ``syncfsUse(forced:ownFileSystem:)``
/// honours an explicit choice; ``intervalCover(use:behind:syncfsNanos:intervalNanos:)`` holds answers only
/// where neither per-file syncs nor an allowed `syncfs` keep the interval.
enum IntervalPacing {
    /// Whether a record written now to a log that syncs on its own (one `fdatasync` per file) must wait for
    /// the sync that covers it before it is acknowledged, because acknowledging it now would leave it
    /// undurable for longer than the interval:
    /// * the log's oldest write that no started sync covers (`uncoveredAgeNanos` old, 0 = none) is already
    ///   past its interval by more than a quarter interval (at least 1 ms; the slack keeps a log written all
    ///   the time, whose sync starts just as it falls due, from waiting on its on-time sync), or
    /// * the syncs queued on the writer's `queues` sync queues and not started yet (`queuedSyncs`, each
    ///   about `syncNanos`) would keep a sync asked for now from starting within half the interval.
    /// The writer then answers such records when their sync is done: throughput falls to what the disk's
    /// syncs allow instead of the interval stretching unseen.
    static func holdsAcknowledgement(intervalNanos: UInt64, uncoveredAgeNanos: UInt64, queuedSyncs: Int,
                                     queues: Int, syncNanos: UInt64) -> Bool {
        if uncoveredAgeNanos >= intervalNanos + max(1_000_000, intervalNanos / 4) { return true }
        guard queuedSyncs > 0, syncNanos > 0 else { return false }
        let backlog = UInt64(queuedSyncs) * syncNanos / UInt64(max(1, queues))
        return backlog >= intervalNanos / 2
    }

    /// How the writers may use `syncfs` (``SyncDevice``) on a file system whose `syncfs` can be trusted: as
    /// told (`--wal-syncfs` / `--no-wal-syncfs`), else always when the WAL's data folder is a file system of
    /// its own, where a `syncfs` writes back nothing but the WAL's data, and on a shared one only as the
    /// interval's fallback (``intervalCover(use:behind:syncfsNanos:intervalNanos:)``).
    static func syncfsUse(forced: Bool?, ownFileSystem: Bool) -> SyncfsUse {
        switch forced {
        case true?: .always
        case false?: .never
        case nil: ownFileSystem ? .always : .fallback
        }
    }

    /// What makes a log's written data durable under `interval=MS`, for a log on a file system whose
    /// `syncfs` is used as `use` says (`.never` also where it cannot be trusted): its own `fdatasync`s while
    /// they keep the interval (`behind` is ``holdsAcknowledgement(intervalNanos:uncoveredAgeNanos:queuedSyncs:queues:syncNanos:)``);
    /// past that, on a shared file system, one `syncfs` per writer and interval, as long as one (running
    /// average `syncfsNanos`, 0 = unknown) fits in half the interval; else its answers wait for their sync.
    /// A file system of its own (or `--wal-syncfs`) always uses `syncfs` and never holds.
    static func intervalCover(use: SyncfsUse, behind: Bool, syncfsNanos: UInt64, intervalNanos: UInt64) -> IntervalCover {
        switch use {
        case .always: return .syncfs
        case .never: return behind ? .hold : .perFile
        case .fallback:
            guard behind else { return .perFile }
            return syncfsKeepsInterval(syncfsNanos: syncfsNanos, intervalNanos: intervalNanos) ? .syncfs : .hold
        }
    }

    /// Whether interval `syncfs`es costing `syncfsNanos` each (0 = unknown: try) leave room to keep the
    /// interval: at most half of it, the same margin a sync queue's backlog gets.
    static func syncfsKeepsInterval(syncfsNanos: UInt64, intervalNanos: UInt64) -> Bool {
        syncfsNanos <= intervalNanos / 2
    }

    /// Whether a writer in the `syncfs` fallback goes back to per-file syncs: the files one of its interval
    /// `syncfs`es covers (running average `files`), each an `fdatasync` of `syncNanos` (0 = unknown: stay)
    /// on `queues` sync queues, would take under a quarter interval, well inside the half interval whose
    /// excess starts the fallback, so that the writer does not switch back and forth at the edge.
    static func perFileKeepsUp(files: Int, syncNanos: UInt64, queues: Int, intervalNanos: UInt64) -> Bool {
        guard syncNanos > 0 else { return false }
        return UInt64(max(0, files)) * syncNanos / UInt64(max(1, queues)) < intervalNanos / 4
    }

    /// Whether `dataDirectory` (or its `repos` folder) is the root of a mounted file system: its device
    /// differs from its parent's. `device` gives a path's `st_dev` (nil when it cannot be read: not its own).
    static func hasOwnFileSystem(dataDirectory: String, device: (String) -> UInt64?) -> Bool {
        for path in [dataDirectory + "/repos", dataDirectory] {
            guard let own = device(path), let parent = device(path + "/..") else { continue }
            if own != parent { return true }
        }
        return false
    }
}

/// How a file system's `syncfs` may be used (``IntervalPacing/syncfsUse(forced:ownFileSystem:)``).
enum SyncfsUse: Equatable {
    /// Never: one `fdatasync` per file.
    case never
    /// Only under `interval=MS`, while per-file syncs cannot keep the interval (a shared file system).
    case fallback
    /// For group commits when cheaper and for every interval sync (a file system of its own, or forced).
    case always
}

/// What covers a log's interval sync (``IntervalPacing/intervalCover(use:behind:syncfsNanos:intervalNanos:)``).
enum IntervalCover: Equatable {
    case perFile
    case syncfs
    /// Per-file syncs, with the answers waiting for them.
    case hold
}

/// One pool writer's view of its interval syncs, shared with its sync queues: how many are queued and not
/// started, what one costs, and how long written data waited for the sync that made it durable (the lag
/// operators compare with the interval).
///
/// Guarantees: every member is safe from any thread; the histogram only grows.
final class SyncBacklog: Sendable {
    /// Per-file syncs handed to the sync queues and not started yet.
    let queued = Atomic<Int>(0)
    /// Running average (1/8 weight) of one per-file `fdatasync` on the sync queues, nanoseconds; 0 = unknown.
    let syncNanos = Atomic<UInt64>(0)
    /// Appends whose acknowledgement waited for their sync (``IntervalPacing/holdsAcknowledgement(intervalNanos:uncoveredAgeNanos:queuedSyncs:queues:syncNanos:)``).
    let heldAppends = Atomic<Int>(0)
    private let lag = Mutex(RepositoryMetrics.Histogram())

    func recordSync(nanos: UInt64) {
        let sample = max(nanos, 1)
        var current = syncNanos.load(ordering: .relaxed)
        while true {
            let next = current == 0 ? sample : current - current / 8 + sample / 8
            let (exchanged, original) = syncNanos.compareExchange(expected: current, desired: next, ordering: .relaxed)
            if exchanged { return }
            current = original
        }
    }

    /// Records that data first written at `since` (monotonic nanoseconds; 0 = unknown, ignored) became
    /// durable at `ended`.
    func recordLag(since: UInt64, ended: UInt64) {
        guard since > 0, ended >= since else { return }
        let seconds = Double(ended - since) / 1e9
        lag.withLock { $0.record(seconds: seconds) }
    }

    var lagHistogram: RepositoryMetrics.Histogram { lag.withLock { $0 } }
}
