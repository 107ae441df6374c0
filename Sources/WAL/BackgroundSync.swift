import WALFormat
import Dispatch
import POSIX
import Synchronization

/// Runs the `fdatasync` of `--fsync interval=MS` for one repository on one of its pool writer's serial sync
/// queues (shared by the repositories of that writer, so syncs take a thread per queue however many
/// repositories there are; ``WALOptions/syncQueuesPerWriter``), so that the writer thread keeps writing (and, under that policy,
/// acknowledging) appends while the disk syncs. A sync can take milliseconds; done inline it would stall
/// every append queued behind it.
///
/// It also starts the write-back ``WritebackPacer`` paces (under `none` and `interval=MS`) on the same queue:
/// `sync_file_range` allocates blocks and queues the I/O in the caller, which must not be the thread that
/// acknowledges appends.
///
/// Guarantees: at most one sync or write-back of this repository in flight; ``waitIdle()`` returns once it
/// has finished, so the writer can close or rotate the file safely; the outcome of each sync is handed back
/// through ``takeOutcome()`` (a write-back has none).
final class BackgroundSync: @unchecked Sendable {
    struct Outcome {
        /// The written end the sync covered.
        var offset: Int
        var nextSequence: UInt64
        var error: SegmentIOError?
        /// When the oldest write the sync covered (and no earlier sync had) was made; 0 = unknown.
        var since: UInt64
    }

    private let queue: DispatchQueue
    private let inFlight = Atomic<Bool>(false)
    private let outcome = Mutex<Outcome?>(nil)
    private let metrics: RepositoryMetrics
    private let backlog: SyncBacklog
    private let wake: @Sendable () -> Void
    /// Set by the writer while appends of this log wait for its next sync to be acknowledged: a finished
    /// sync then wakes the writer, which completes them and starts the next.
    let wakesWriter = Atomic<Bool>(false)

    init(queue: DispatchQueue, metrics: RepositoryMetrics, backlog: SyncBacklog, wake: @escaping @Sendable () -> Void) {
        self.queue = queue
        self.metrics = metrics
        self.backlog = backlog
        self.wake = wake
    }

    /// Starts syncing `file` unless a sync is already running; false when one was. `since`: when the oldest
    /// write it covers (and no earlier sync did) was made, for the lag.
    func start(_ file: any SegmentFile, offset: Int, nextSequence: UInt64, since: UInt64) -> Bool {
        guard claim() else { return false }
        let box = FileBox(file)
        backlog.queued.add(1, ordering: .relaxed)
        queue.async { [self] in
            backlog.queued.subtract(1, ordering: .relaxed)
            run(box.file, offset: offset, nextSequence: nextSequence, since: since)
        }
        return true
    }

    /// Marks a sync of this repository as in flight, for ``startGroup(_:handle:device:queue:)``; false when one
    /// already is.
    func claim() -> Bool {
        inFlight.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
    }

    /// One repository's part in a group sync: its claimed sync, its file and what the sync covers.
    struct Member {
        var sync: BackgroundSync
        var file: any SegmentFile
        var offset: Int
        var nextSequence: UInt64
        var since: UInt64
    }

    /// Syncs every member's file (all on the file system of `handle`, each claimed) with one `syncfs` on
    /// `queue`; when that reports an error, which says not whose, each file's own fdatasync decides its
    /// outcome. Clears `device`'s ``SyncDevice/intervalSyncRunning`` once every member's outcome is in.
    static func startGroup(_ members: [Member], handle: any FileSystemSync, device: SyncDevice, queue: DispatchQueue) {
        let box = GroupBox(members: members, handle: handle, device: device)
        queue.async {
            defer { box.device.intervalSyncRunning.store(false, ordering: .releasing) }
            let started = MonotonicClock.nanoseconds()
            do throws(SegmentIOError) {
                try box.handle.sync()
            } catch {
                for member in box.members {
                    member.sync.run(member.file, offset: member.offset, nextSequence: member.nextSequence, since: member.since)
                }
                return
            }
            let ended = MonotonicClock.nanoseconds()
            box.device.recordIntervalSyncfs(nanos: ended - started)
            let seconds = Double(ended - started) / 1e9
            for member in box.members {
                member.sync.metrics.recordFsync(seconds: seconds)
                member.sync.backlog.recordLag(since: member.since, ended: ended)
                member.sync.finish(Outcome(offset: member.offset, nextSequence: member.nextSequence, error: nil, since: member.since))
            }
        }
    }

    /// On the sync queue: one fdatasync of `file`, then its outcome.
    private func run(_ file: any SegmentFile, offset: Int, nextSequence: UInt64, since: UInt64) {
        let started = MonotonicClock.nanoseconds()
        var failure: SegmentIOError?
        do throws(SegmentIOError) {
            try file.sync()
            let ended = MonotonicClock.nanoseconds()
            metrics.recordFsync(seconds: Double(ended - started) / 1e9)
            backlog.recordSync(nanos: ended - started)
            backlog.recordLag(since: since, ended: ended)
        } catch {
            failure = error
        }
        finish(Outcome(offset: offset, nextSequence: nextSequence, error: failure, since: since))
    }

    private func finish(_ result: Outcome) {
        outcome.withLock { $0 = result }
        inFlight.store(false, ordering: .releasing)
        if wakesWriter.load(ordering: .acquiring) { wake() }
    }

    /// Starts write-back of `range` of `file` unless a sync or write-back is already running; false when one was.
    func startWriteback(_ file: any SegmentFile, range: Range<Int>) -> Bool {
        guard claim() else { return false }
        let box = FileBox(file)
        queue.async { [self] in
            box.file.startWriteback(from: range.lowerBound, count: range.count)
            inFlight.store(false, ordering: .releasing)
            if wakesWriter.load(ordering: .acquiring) { wake() }
        }
        return true
    }

    /// Whether a sync or write-back is in flight.
    var isRunning: Bool { inFlight.load(ordering: .acquiring) }

    /// Blocks until no sync or write-back of this repository is running.
    func waitIdle() {
        if isRunning { queue.sync {} }
    }

    /// The last finished sync's outcome, once.
    func takeOutcome() -> Outcome? {
        outcome.withLock { finished in
            defer { finished = nil }
            return finished
        }
    }

    /// Carries a group's files and their file system's handle to the sync queue; the writer closes none
    /// of them while their syncs are in flight (and touches the device's flag only atomically).
    private struct GroupBox: @unchecked Sendable {
        let members: [Member]
        let handle: any FileSystemSync
        let device: SyncDevice
    }

    /// Carries the writer's file to the sync queue; the writer never closes it while a sync runs.
    private struct FileBox: @unchecked Sendable {
        let file: any SegmentFile
        init(_ file: any SegmentFile) { self.file = file }
    }
}
