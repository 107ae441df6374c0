import Synchronization

/// One file system as one pool writer syncs it: its `syncfs` handle (nil where none can be trusted) and
/// the running costs that decide, per round, between one `syncfs` covering every file the round wrote
/// there and one `fdatasync` per file.
///
/// Guarantees: used by its pool writer's thread only (``intervalSyncfsNanos`` and ``intervalSyncRunning``
/// also by its sync queue); ``prefersSyncfs(files:)`` is false without a handle, for a single file or
/// unless `syncfs` is always allowed here; while per-file syncs look cheaper it still tries a `syncfs` every
/// ``probeEvery`` rounds, so a file system that was busy with other writers' data is tried again.
final class SyncDevice {
    let id: UInt64
    let handle: (any FileSystemSync)?
    /// How its `syncfs` may be used (``IntervalPacing/syncfsUse(forced:ownFileSystem:)``; `.never` without a handle).
    let use: SyncfsUse
    /// Under `.fallback`: whether this writer's interval syncs here are `syncfs` groups now, because its
    /// per-file syncs could not keep the interval (``IntervalPacing/intervalCover(use:behind:syncfsNanos:intervalNanos:)``).
    var fallbackActive = false
    /// Running average (1/8 weight) of the files one interval `syncfs` group covered (while in the fallback).
    var groupFiles = 0
    /// Interval `syncfs` groups looked at since the fallback started (the first ones carry the backlog the
    /// per-file syncs left, so their cost does not end it).
    var fallbackGroups = 0
    /// Running average (1/8 weight) of one interval `syncfs` group's `syncfs`, nanoseconds (recorded on the
    /// sync queue); 0 = unknown.
    let intervalSyncfsNanos = Atomic<UInt64>(0)
    /// Monotonic time until which the fallback is not tried again after its `syncfs` proved too slow.
    var fallbackRetryNanos: UInt64 = 0

    /// Whether this writer's interval syncs on this file system are `syncfs` groups (no log of it holds).
    var coversIntervalSyncs: Bool { handle != nil && (use == .always || fallbackActive) }
    /// Scratch list of the round: this file system's logs awaiting a sync.
    var dirty: [SegmentWriter] = []
    /// Set while an interval `syncfs` of this writer runs here (cleared on its sync queue): the logs due
    /// meanwhile wait for it to finish and then share the next one, instead of queueing a `syncfs` each
    /// time one of them falls due, every one of which writes back the whole file system.
    let intervalSyncRunning = Atomic<Bool>(false)
    /// Running averages (1/8 weight) of one `syncfs` and of one `fdatasync`, in nanoseconds; 0 = unknown.
    private(set) var syncfsNanos: UInt64 = 0
    private(set) var fdatasyncNanos: UInt64 = 0
    private var roundsWithoutSyncfs = 0

    static let probeEvery = 64

    init(id: UInt64, handle: (any FileSystemSync)?, use: SyncfsUse = .always) {
        self.id = id
        self.handle = handle
        self.use = handle == nil ? .never : use
    }

    /// On the sync queue: one interval `syncfs` group's `syncfs` took `nanos`.
    func recordIntervalSyncfs(nanos: UInt64) {
        let current = intervalSyncfsNanos.load(ordering: .relaxed)
        intervalSyncfsNanos.store(Self.average(current, nanos), ordering: .relaxed)
    }

    /// Whether one `syncfs` should cover a round that wrote `files` files here: no cost known yet, or it
    /// costs no more than their fdatasyncs, or a probe is due.
    func prefersSyncfs(files: Int) -> Bool {
        guard handle != nil, use == .always, files >= 2 else { return false }
        if syncfsNanos == 0 { return true }
        if fdatasyncNanos == 0 { return false }
        if syncfsNanos <= UInt64(files) * fdatasyncNanos { return true }
        roundsWithoutSyncfs += 1
        guard roundsWithoutSyncfs >= Self.probeEvery else { return false }
        roundsWithoutSyncfs = 0
        return true
    }

    func recordSyncfs(nanos: UInt64) {
        syncfsNanos = Self.average(syncfsNanos, nanos)
        roundsWithoutSyncfs = 0
    }

    func recordFdatasync(nanos: UInt64) { fdatasyncNanos = Self.average(fdatasyncNanos, nanos) }

    private static func average(_ current: UInt64, _ sample: UInt64) -> UInt64 {
        let sample = max(sample, 1)
        guard current > 0 else { return sample }
        return current - current / 8 + sample / 8
    }

    func close() { handle?.close() }
}
