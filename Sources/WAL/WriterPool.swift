#if canImport(Glibc)
import WALFormat
import Glibc
#endif
import CSystemShims
import Dispatch
import POSIX
import Synchronization

/// A fixed set of writer threads serving every repository's log: each repository belongs to one writer,
/// chosen by a hash of its name, so thousands of repositories cost a few threads, and one writer's round
/// syncs every file it wrote to once.
///
/// Guarantees: ``writerIndex(for:writers:)`` is a pure function of the name (the same writer for the
/// life of the process, so a repository's records stay in order); ``shutdown()`` returns once every
/// writer has written, synced and completed everything enqueued before it, and closed its files.
final class WriterPool: Sendable {
    let writers: [PoolWriter]
    /// Repositories whose active segment holds a descriptor right now, over all writers.
    let openRepositories = Atomic<Int>(0)
    private let stopped = Atomic<Bool>(false)

    /// Starts the writer threads; when one cannot start, stops those that did and throws.
    init(options: WALOptions) throws(SystemError) {
        let count = max(1, options.writerThreads)
        let cap = options.maxOpenSegments.map { max(1, $0 / count) } ?? Int.max
        var writers: [PoolWriter] = []
        for index in 0..<count {
            writers.append(try PoolWriter(index: index, options: options, descriptorCap: cap))
        }
        self.writers = writers
        for (started, writer) in writers.enumerated() {
            do throws(SystemError) {
                try writer.start(pool: self)
            } catch {
                for running in writers[..<started] { running.queue.close() }
                for running in writers[..<started] { running.join() }
                throw error
            }
        }
    }

    /// The writer of `repository`: FNV-1a of its UTF-8 bytes, modulo the writer count.
    static func writerIndex(for repository: String, writers: Int) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in repository.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return Int(hash % UInt64(max(1, writers)))
    }

    func writer(for repository: String) -> PoolWriter {
        writers[Self.writerIndex(for: repository, writers: writers.count)]
    }

    /// Prometheus exposition of the pool: open repositories, and each writer's load.
    func metricsText() -> String {
        var out = """
            # HELP sluice_wal_open_repositories Repositories whose active WAL segment holds a file descriptor.
            # TYPE sluice_wal_open_repositories gauge
            sluice_wal_open_repositories \(openRepositories.load(ordering: .relaxed))

            """
        let series: [(String, String, String, (PoolWriter) -> Int)] = [
            ("sluice_wal_writer_records_total", "counter", "Records the WAL writer thread handled.",
             { $0.metrics.records.load(ordering: .relaxed) }),
            ("sluice_wal_writer_fsyncs_total", "counter", "fdatasync calls of the WAL writer thread's group commits.",
             { $0.metrics.fsyncs.load(ordering: .relaxed) }),
            ("sluice_wal_writer_syncfs_total", "counter", "syncfs calls of the WAL writer thread's group commits, each covering every file a round wrote on one file system.",
             { $0.metrics.syncfs.load(ordering: .relaxed) }),
            ("sluice_wal_writer_syncfs_fallbacks_total", "counter", "Times the WAL writer thread turned to one syncfs per interval on a shared file system because its per-file syncs could not keep --fsync interval.",
             { $0.metrics.syncfsFallbacks.load(ordering: .relaxed) }),
            ("sluice_wal_writer_idle_closes_total", "counter", "Segment descriptors the WAL writer thread closed for idleness or to open another.",
             { $0.metrics.idleCloses.load(ordering: .relaxed) }),
            ("sluice_wal_writer_queue_depth", "gauge", "Records waiting in the WAL writer thread's queue.",
             { $0.queue.depth }),
            ("sluice_wal_writer_repositories", "gauge", "Repositories the WAL writer thread owns.",
             { $0.metrics.repositories.load(ordering: .relaxed) }),
            ("sluice_wal_writer_open_repositories", "gauge", "Repositories of the WAL writer thread with an open segment.",
             { $0.metrics.openRepositories.load(ordering: .relaxed) }),
            ("sluice_wal_writer_held_appends_total", "counter", "Appends under --fsync interval answered only once their sync was done, because the syncs could not keep the interval otherwise.",
             { $0.syncBacklog.heldAppends.load(ordering: .relaxed) }),
        ]
        for (name, type, help, value) in series {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for writer in writers { out += "\(name){writer=\"\(writer.index)\"} \(value(writer))\n" }
        }
        let lag = "sluice_wal_writer_sync_lag_seconds"
        out += "# HELP \(lag) Under --fsync interval: time from a write no sync covered yet to the end of the sync that made it durable.\n# TYPE \(lag) histogram\n"
        for writer in writers {
            let histogram = writer.syncBacklog.lagHistogram
            let label = "writer=\"\(writer.index)\""
            var cumulative = 0
            for (index, bound) in RepositoryMetrics.latencyBounds.enumerated() {
                cumulative += histogram.counts[index]
                out += "\(lag)_bucket{\(label),le=\"\(bound)\"} \(cumulative)\n"
            }
            out += "\(lag)_bucket{\(label),le=\"+Inf\"} \(histogram.count)\n\(lag)_sum{\(label)} \(histogram.sum)\n\(lag)_count{\(label)} \(histogram.count)\n"
        }
        return out
    }

    /// Closes every writer's queue and waits for each to drain, sync, close its files and exit.
    /// Idempotent; must not be called from an append's completion (it runs on a writer thread).
    func shutdown() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        for writer in writers { writer.queue.close() }
        for writer in writers { writer.join() }
    }
}

/// Counters of one pool writer (read by the metrics exposition).
final class WriterMetrics: Sendable {
    let records = Atomic<Int>(0)
    let fsyncs = Atomic<Int>(0)
    let syncfs = Atomic<Int>(0)
    /// Turns to the interval `syncfs` fallback (``PoolWriter/startSyncfsFallback(_:forgetCost:)``).
    let syncfsFallbacks = Atomic<Int>(0)
    let repositories = Atomic<Int>(0)
    let openRepositories = Atomic<Int>(0)
    /// Segment descriptors closed for idleness or to make room for another repository's.
    let idleCloses = Atomic<Int>(0)
}

/// One writer thread of the pool and the repositories it owns. Each round takes what waits in its queue,
/// stages every record into its repository's write buffer, writes each repository's records with one
/// write, and under `.always` gathers what arrives meanwhile, then runs one fdatasync per file that
/// received data (or one `syncfs` per file system when that is cheaper, see ``SyncDevice``) before
/// completing the round's appends. Between rounds it starts interval syncs, runs
/// retention and closes the descriptors of repositories idle for ``WALOptions/idleCloseMillis``.
///
/// Guarantees: everything except ``adopt(_:)``, the queue and the metrics is touched by its thread only;
/// a repository's failure fails that repository's appends only; at most `descriptorCap` of its
/// repositories hold a descriptor at once (the least recently written quiescent one is closed to make
/// room; when none can be, the record is refused with ``WALUnavailable/descriptorsExhausted``).
final class PoolWriter: @unchecked Sendable {
    let index: Int
    let queue: WriterQueue
    /// Where its repositories' interval syncs and write-backs run (``WALOptions/syncQueuesPerWriter``):
    /// each repository's on one of these serial queues (``syncQueueForNewLog()``), one at a time there.
    let syncQueues: [DispatchQueue]
    /// The first of ``syncQueues``: where the interval `syncfs` groups run.
    var syncQueue: DispatchQueue { syncQueues[0] }
    private let nextSyncQueue = Atomic<Int>(0)
    let metrics = WriterMetrics()
    /// Its interval syncs' queue, cost and lag (shared with the sync queues).
    let syncBacklog = SyncBacklog()
    private let options: WALOptions
    private let descriptorCap: Int
    private let newcomers = Mutex<[SegmentWriterRef]>([])
    /// Logs closed for good (a deleted repository), each with the semaphore its caller waits on.
    private let retiring = Mutex<[(SegmentWriterRef, DispatchSemaphore)]>([])
    /// Logs to run retention on between rounds (``requestRetention(_:)``), and whether there are any (read
    /// once per round instead of taking the lock).
    private let retentionRequests = Mutex<[SegmentWriterRef]>([])
    private let hasRetentionRequests = Atomic<Bool>(false)
    private var thread: JoinableThread?
    private unowned(unsafe) var pool: WriterPool!

    // Thread-owned state.
    private var owned: [SegmentWriter] = []
    private var openCount = 0
    /// Logs that received records in this round, each once (``SegmentWriter/inRound``).
    private var round: [SegmentWriter] = []
    private var roundAppends = 0
    /// Logs whose appends wait for their sync under `.interval` (``SegmentWriter/holdsAppends``), each once.
    private var holding: [SegmentWriter] = []
    /// How its logs' folders may be covered by one `syncfs` (``IntervalPacing/syncfsUse(forced:ownFileSystem:)``),
    /// decided with the first log adopted.
    private var syncfsUse: SyncfsUse?
    /// Logs with data written under `.interval` that no sync covers yet (``SegmentWriter/awaitingInterval``).
    private var intervalWaiting: [SegmentWriter] = []
    /// The earliest time a log of ``intervalWaiting`` can be due for its sync (``UInt64/max``: none waits):
    /// ``tick()`` looks through the list only from then on, so a round costs the same however many logs wait.
    private var intervalCheckNanos = UInt64.max
    /// The file systems its logs live on, by `st_dev`, each with this writer's `syncfs` handle.
    private var devices: [UInt64: SyncDevice] = [:]
    /// Scratch list of ``syncRound()``: the file systems with files awaiting a sync.
    private var dirtyDevices: [SyncDevice] = []
    private var spare: [PendingAppend] = []
    /// Appends the last round's fdatasyncs completed, and how long they took.
    private var lastGroupSize = 0
    private var lastSyncDurationNanos: UInt64 = 0
    private var nextIdleScanNanos: UInt64 = 0
    private var nextRetentionNanos: UInt64 = 0

    init(index: Int, options: WALOptions, descriptorCap: Int) throws(SystemError) {
        queue = try WriterQueue()
        self.index = index
        self.options = options
        self.descriptorCap = descriptorCap
        syncQueues = (0..<max(1, options.syncQueuesPerWriter)).map { DispatchQueue(label: "sluice.wal.sync.\(index).\($0)") }
    }

    /// The sync queue of a log being opened (from any thread): each in turn.
    func syncQueueForNewLog() -> DispatchQueue {
        guard syncQueues.count > 1 else { return syncQueues[0] }
        let turn = nextSyncQueue.wrappingAdd(1, ordering: .relaxed).oldValue & Int.max
        return syncQueues[turn % syncQueues.count]
    }

    fileprivate func start(pool: WriterPool) throws(SystemError) {
        self.pool = pool
        // Named, else it inherits the name of the thread that started the store.
        thread = try JoinableThread(name: "sluice-wal-\(index)") { [self] in run() }
    }

    fileprivate func join() { thread?.join() }

    /// Hands a newly opened repository's log to this writer (from any thread); it runs retention on it
    /// and includes it in its idle, interval and shutdown passes from its next round on.
    func adopt(_ writer: SegmentWriter) {
        metrics.repositories.add(1, ordering: .relaxed)
        newcomers.withLock { $0.append(SegmentWriterRef(writer)) }
        queue.nudge()
    }

    /// Closes `writer`'s log for good: this writer completes what was queued for it before, syncs and
    /// closes its segment, stops serving it, and only then returns (from any thread but this writer's).
    func retire(_ writer: SegmentWriter) {
        let done = DispatchSemaphore(value: 0)
        retiring.withLock { $0.append((SegmentWriterRef(writer), done)) }
        queue.nudge()
        done.wait()
    }

    /// Runs retention on `writer`'s log between this writer's rounds, as soon as it next wakes (from any
    /// thread; returns at once): for a repository whose retention settings changed.
    func requestRetention(_ writer: SegmentWriter) {
        retentionRequests.withLock { $0.append(SegmentWriterRef(writer)) }
        hasRetentionRequests.store(true, ordering: .releasing)
        queue.nudge()
    }

    /// On the writer thread, between rounds: runs the retention passes ``requestRetention(_:)`` asked for.
    private func runRequestedRetention() {
        guard hasRetentionRequests.exchange(false, ordering: .acquiringAndReleasing) else { return }
        let requests = retentionRequests.withLock { list in
            let taken = list
            list.removeAll()
            return taken
        }
        for ref in requests where !ref.writer.retired { ref.writer.enforceRetention() }
    }

    /// On the writer thread, between rounds: closes and forgets the logs ``retire(_:)`` named.
    private func retireRequested(closing: Bool = false) {
        let requests = retiring.withLock { list in
            let taken = list
            list.removeAll()
            return taken
        }
        for (ref, done) in requests {
            let writer = ref.writer
            if !closing {
                writer.close()
                writer.complete()
                writer.retired = true
                intervalWaiting.removeAll { $0 === writer }
                if let index = owned.firstIndex(where: { $0 === writer }) {
                    owned.remove(at: index)
                    metrics.repositories.subtract(1, ordering: .relaxed)
                }
            }
            done.signal()
        }
    }

    // MARK: Descriptors

    /// Takes one of this writer's descriptors for `writer`'s segment, closing the least recently written
    /// quiescent repository when all are taken; false when none can be freed.
    func acquireDescriptor(for writer: SegmentWriter) -> Bool {
        if openCount >= descriptorCap {
            var victim: SegmentWriter?
            for candidate in owned where candidate !== writer && !candidate.inRound && candidate.isQuiescent {
                if let current = victim, current.lastWriteNanos <= candidate.lastWriteNanos { continue }
                victim = candidate
            }
            guard let victim else { return false }
            victim.closeIdle()
        }
        openCount += 1
        metrics.openRepositories.add(1, ordering: .relaxed)
        pool.openRepositories.add(1, ordering: .relaxed)
        return true
    }

    func releaseDescriptor() {
        openCount -= 1
        metrics.openRepositories.subtract(1, ordering: .relaxed)
        pool.openRepositories.subtract(1, ordering: .relaxed)
    }

    // MARK: Thread body

    private func run() {
        var items: [PendingAppend] = []
        while true {
            adoptNewcomers()
            let wait = queue.take(into: &items, deadline: nextDeadline())
            // A repository's first records may arrive before the writer adopted it.
            adoptNewcomers()
            // Before this round's records, so a record appended after the request completes after the pass.
            runRequestedRetention()
            switch wait {
            case .items:
                commit(&items)
            case .timedOut:
                break
            case .closed:
                for writer in owned {
                    writer.close()
                    writer.complete()
                }
                retireRequested(closing: true)
                for device in devices.values { device.close() }
                return
            }
            tick()
            serviceHolds()
            completeRound()
            retireRequested()
        }
    }

    /// A log started holding appends for their sync (``SegmentWriter/holdsAppends``).
    func noteHolding(_ writer: SegmentWriter) {
        guard !writer.inHoldingList else { return }
        writer.inHoldingList = true
        holding.append(writer)
    }

    /// Completes the held appends whose sync finished and starts the next sync of each log still holding
    /// (a finished sync of such a log wakes this thread).
    private func serviceHolds() {
        guard !holding.isEmpty else { return }
        holding.removeAll { writer in
            writer.serviceHeld()
            if !writer.inRound { writer.complete() }
            let done = !writer.holdsAppends || writer.retired
            if done { writer.inHoldingList = false }
            return done
        }
    }

    private func adoptNewcomers() {
        let adopted = newcomers.withLock { list in
            let taken = list
            list.removeAll()
            return taken
        }
        for ref in adopted {
            let writer = ref.writer
            owned.append(writer)
            writer.device = device(for: writer)
            writer.enforceRetention()
        }
    }

    /// The file system of `writer`'s folder as this writer syncs it; its `syncfs` handle is opened here,
    /// before the first record of any of its logs is written. A handle that cannot be opened leaves that
    /// log to per-file syncs (and the next log tries again).
    private func device(for writer: SegmentWriter) -> SyncDevice? {
        if syncfsUse == nil {
            let fs = writer.fs
            let own = IntervalPacing.hasOwnFileSystem(dataDirectory: options.dataDirectory, device: { fs.fileSystemID($0) })
            syncfsUse = IntervalPacing.syncfsUse(forced: options.syncfsRounds, ownFileSystem: own)
        }
        guard let use = syncfsUse, use != .never else { return nil }
        // The fallback serves `interval=MS` only.
        if use == .fallback {
            guard case .interval = options.fsync else { return nil }
        }
        let path = writer.directory.path
        guard let id = writer.fs.fileSystemID(path) else { return nil }
        if let known = devices[id] { return known }
        let handle: (any FileSystemSync)?
        do throws(SegmentIOError) {
            handle = try writer.fs.openFileSystemSync(path)
        } catch {
            return nil
        }
        let device = SyncDevice(id: id, handle: handle, use: use)
        devices[id] = device
        return device
    }

    private func nextDeadline() -> UInt64? {
        var deadline: UInt64?
        func earliest(_ candidate: UInt64?) {
            guard let candidate else { return }
            deadline = min(deadline ?? candidate, candidate)
        }
        if !intervalWaiting.isEmpty { earliest(intervalCheckNanos) }
        if options.mayLimitAge, !owned.isEmpty { earliest(nextRetentionNanos) }
        if options.idleCloseMillis != nil, openCount > 0 { earliest(nextIdleScanNanos) }
        return deadline
    }

    /// Between rounds: interval syncs that are due, retention, the idle close.
    private func tick() {
        let now = MonotonicClock.nanoseconds()
        if !intervalWaiting.isEmpty, now >= intervalCheckNanos {
            var nextCheck = UInt64.max
            intervalWaiting.removeAll { writer in
                if writer.intervalSyncDue(now: now) {
                    if let device = writer.device, device.coversIntervalSyncs {
                        if dirtyDevices.isEmpty || !dirtyDevices.contains(where: { $0 === device }) { dirtyDevices.append(device) }
                    } else {
                        writer.startBackgroundSync()
                    }
                }
                let waiting = writer.awaitsIntervalSync
                writer.awaitingInterval = waiting
                return !waiting
            }
            if !dirtyDevices.isEmpty { startIntervalSyncs() }
            // After the syncs started, so that a log whose sync now runs is looked at again soon, not at once.
            for writer in intervalWaiting { nextCheck = min(nextCheck, writer.intervalDeadline(now: now) ?? now) }
            intervalCheckNanos = nextCheck
        }
        if options.mayLimitAge, now >= nextRetentionNanos {
            for writer in owned { writer.retentionTick(now: now) }
            nextRetentionNanos = now + 60_000_000_000
        }
        if let idleMillis = options.idleCloseMillis, openCount > 0, now >= nextIdleScanNanos {
            let idleNanos = UInt64(idleMillis) * 1_000_000
            for writer in owned where !writer.inRound && writer.isQuiescent && !writer.awaitingInterval && now >= writer.lastWriteNanos + idleNanos {
                writer.closeIdle()
            }
            // Look again after a quarter of the idle time, and at least every 5 s.
            nextIdleScanNanos = now + min(max(idleNanos / 4, 1_000_000), 5_000_000_000)
        }
    }

    /// Under `.interval`, for each file system in ``dirtyDevices`` (where a log's sync is due): one
    /// `syncfs` on the sync queue covering every log there with unsynced data and no sync running, due
    /// or not yet (syncing early costs nothing here and lines their next syncs up into one group), or
    /// the one such log's fdatasync; nothing while this writer's previous `syncfs` there still runs.
    private func startIntervalSyncs() {
        for writer in intervalWaiting {
            guard let device = writer.device, dirtyDevices.contains(where: { $0 === device }) else { continue }
            device.dirty.append(writer)
        }
        for device in dirtyDevices {
            if device.fallbackActive { reconsiderSyncfsFallback(device) }
            if device.intervalSyncRunning.load(ordering: .acquiring) {
                // They wait for the running one and go with the next (``SegmentWriter/intervalDeadline(now:)``).
            } else if device.dirty.count >= 2, device.coversIntervalSyncs, let handle = device.handle {
                let members = device.dirty.compactMap { $0.claimBackgroundSync() }
                if !members.isEmpty {
                    device.intervalSyncRunning.store(true, ordering: .releasing)
                    BackgroundSync.startGroup(members, handle: handle, device: device, queue: syncQueue)
                    metrics.syncfs.add(1, ordering: .relaxed)
                }
            } else {
                for writer in device.dirty { writer.startBackgroundSync() }
            }
            device.dirty.removeAll(keepingCapacity: true)
        }
        dirtyDevices.removeAll(keepingCapacity: true)
    }

    /// A log's per-file syncs fell behind the interval on a shared file system whose `syncfs` may stand in
    /// (``IntervalPacing/intervalCover(use:behind:syncfsNanos:intervalNanos:)``): from now on this writer
    /// covers its logs there with one `syncfs` per interval (``startIntervalSyncs()``); `forgetCost` when the
    /// last one's cost is stale (tried again after proving too slow).
    func startSyncfsFallback(_ device: SyncDevice, forgetCost: Bool) {
        guard !device.fallbackActive else { return }
        device.fallbackActive = true
        device.groupFiles = 0
        device.fallbackGroups = 0
        if forgetCost { device.intervalSyncfsNanos.store(0, ordering: .relaxed) }
        metrics.syncfsFallbacks.add(1, ordering: .relaxed)
    }

    /// Interval `syncfs` groups of a new fallback whose cost does not end it: the first ones write back
    /// what the per-file syncs that fell behind left dirty.
    static let fallbackWarmup = 4

    /// Before a `syncfs` fallback's interval sync of `device` (which covers its `dirty` logs): ends the
    /// fallback when per-file syncs would keep up with that many files again, or when its `syncfs` is too
    /// slow to keep the interval (after ``fallbackWarmup`` looks; then logs that fall behind hold, and the
    /// fallback is tried again after a second).
    private func reconsiderSyncfsFallback(_ device: SyncDevice) {
        guard device.use == .fallback, case .interval(let ms) = options.fsync else { return }
        let intervalNanos = UInt64(ms) * 1_000_000
        let files = device.dirty.count
        device.groupFiles = device.groupFiles == 0 ? files : (device.groupFiles * 7 + files) / 8
        device.fallbackGroups += 1
        let syncfsNanos = device.intervalSyncfsNanos.load(ordering: .relaxed)
        if device.fallbackGroups > Self.fallbackWarmup, !IntervalPacing.syncfsKeepsInterval(syncfsNanos: syncfsNanos, intervalNanos: intervalNanos) {
            device.fallbackActive = false
            device.fallbackRetryNanos = MonotonicClock.nanoseconds() + 1_000_000_000
        } else if IntervalPacing.perFileKeepsUp(files: device.groupFiles, syncNanos: syncBacklog.syncNanos.load(ordering: .relaxed),
                                                queues: syncQueues.count, intervalNanos: intervalNanos) {
            device.fallbackActive = false
        }
    }

    // MARK: Group commit

    /// Bytes of records gathered for one round's fdatasyncs before they start anyway.
    static let maxGroupBytes = 64 << 20
    /// Longest wait for returning appends before the fdatasyncs (see ``awaitReturningAppends(_:)``).
    static let maxCommitDelayNanos: UInt64 = 1_000_000

    /// Writes `items` (emptied on return) as one round; under `.always` keeps writing what arrives
    /// meanwhile, then one fdatasync per file covers them all and they complete.
    private func commit(_ items: inout [PendingAppend]) {
        for item in items { stage(item) }
        items.removeAll(keepingCapacity: true)
        flushRound()
        switch options.fsync {
        case .always:
            var groupBytes = 0
            while groupBytes < Self.maxGroupBytes, queue.takeNow(into: &spare) { stageSpare(&groupBytes) }
            awaitReturningAppends(&groupBytes)
            syncRound()
        case .interval:
            // ``tick()``, right after, starts the syncs that are due. A log that starts waiting already due
            // (its last sync an interval ago, as with many repositories each written now and then) and that
            // syncs on its own starts its sync here, so that it does not make the writer look through every
            // waiting log; those sharing a `syncfs` are left to ``tick()``, which groups them.
            let now = MonotonicClock.nanoseconds()
            for writer in round {
                if writer.hasUnsynced, !writer.awaitingInterval {
                    writer.awaitingInterval = true
                    intervalWaiting.append(writer)
                    if writer.device?.coversIntervalSyncs != true, writer.intervalSyncDue(now: now) { writer.startBackgroundSync() }
                    intervalCheckNanos = min(intervalCheckNanos, writer.intervalDeadline(now: now) ?? now)
                }
            }
        case .none:
            break
        }
    }

    private func stage(_ item: PendingAppend) {
        let writer = item.target.writer
        if !writer.inRound {
            writer.inRound = true
            round.append(writer)
        }
        if item.claim == .none || item.claim == .reserved { roundAppends += 1 }
        writer.stage(item)
    }

    private func flushRound() {
        for writer in round { writer.flush() }
    }

    private func stageSpare(_ groupBytes: inout Int) {
        for item in spare {
            groupBytes += item.record.bytes.count
            stage(item)
        }
        spare.removeAll(keepingCapacity: true)
        flushRound()
    }

    /// Commit delay. The requests the previous round completed usually send their next records right
    /// away, but one by one (each encodes its batch first); syncing as soon as the first of them arrives
    /// splits them over two rounds. So while this round is smaller than the previous one, wait for more
    /// appends, at most as long as the previous round's fdatasyncs took (and never over 1 ms), then sync
    /// whatever was written, including everything that arrived meanwhile. No wait after a single-append
    /// round, so a lone client never waits. `sluice wal bench --batch 10 --clients 64 --loops 2
    /// --append-only` measures it (perf/wal-bench.md).
    private func awaitReturningAppends(_ groupBytes: inout Int) {
        let target = lastGroupSize
        guard target > 1, roundAppends < target, lastSyncDurationNanos > 0 else { return }
        let deadline = MonotonicClock.nanoseconds() + min(lastSyncDurationNanos, Self.maxCommitDelayNanos)
        while roundAppends < target, groupBytes < Self.maxGroupBytes {
            guard queue.take(into: &spare, deadline: deadline) == .items else { return }
            stageSpare(&groupBytes)
        }
    }

    /// Makes every file written this round durable: per file system, one `syncfs` when the round wrote
    /// several files there and that is cheaper (``SyncDevice/prefersSyncfs(files:)``), else one
    /// fdatasync per file. A `syncfs` that reports an error says not whose, so each of its files is then
    /// synced on its own: a failure fails that repository's appends only.
    private func syncRound() {
        let started = MonotonicClock.nanoseconds()
        var completed = 0, syncs = 0, syncfsCalls = 0
        for writer in round where writer.awaitingSyncCount > 0 {
            guard let device = writer.device, device.handle != nil else {
                let count = writer.awaitingSyncCount
                syncs += 1
                if writer.syncWritten() { completed += count }
                continue
            }
            if device.dirty.isEmpty { dirtyDevices.append(device) }
            device.dirty.append(writer)
        }
        for device in dirtyDevices {
            if device.prefersSyncfs(files: device.dirty.count), let handle = device.handle {
                syncfsCalls += 1
                let syncStarted = MonotonicClock.nanoseconds()
                var synced = true
                do throws(SegmentIOError) {
                    try handle.sync()
                } catch {
                    synced = false
                }
                let syncEnded = MonotonicClock.nanoseconds()
                device.recordSyncfs(nanos: syncEnded - syncStarted)
                if synced {
                    for writer in device.dirty {
                        completed += writer.awaitingSyncCount
                        writer.markSynced(started: syncStarted, ended: syncEnded)
                    }
                    device.dirty.removeAll(keepingCapacity: true)
                    continue
                }
            }
            for writer in device.dirty {
                let count = writer.awaitingSyncCount
                syncs += 1
                let syncStarted = MonotonicClock.nanoseconds()
                if writer.syncWritten() {
                    completed += count
                    device.recordFdatasync(nanos: MonotonicClock.nanoseconds() - syncStarted)
                }
            }
            device.dirty.removeAll(keepingCapacity: true)
        }
        dirtyDevices.removeAll(keepingCapacity: true)
        guard syncs + syncfsCalls > 0 else { return }
        metrics.fsyncs.add(syncs, ordering: .relaxed)
        metrics.syncfs.add(syncfsCalls, ordering: .relaxed)
        lastGroupSize = completed
        lastSyncDurationNanos = completed > 0 ? MonotonicClock.nanoseconds() - started : 0
    }

    /// Runs the completions of every log this round touched and starts the next round.
    private func completeRound() {
        guard !round.isEmpty else { return }
        metrics.records.add(roundAppends, ordering: .relaxed)
        for writer in round {
            writer.complete()
            writer.inRound = false
        }
        round.removeAll(keepingCapacity: true)
        roundAppends = 0
    }
}
