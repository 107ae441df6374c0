#if canImport(Glibc)
import WALFormat
import Glibc
#endif
import Logging
import POSIX
import Synchronization

/// Whether a repository's log currently accepts appends; shared by its writer and its appenders.
final class LogHealth: Sendable {
    let available = Atomic<Bool>(true)
    /// The sequence after the last acknowledged event: every record below it is durable under the fsync
    /// policy (what a crash cannot take back), so a forwarder may send it on.
    let durableNextSequence = Atomic<UInt64>(0)
    /// Bytes of records appended and not yet completed (queued, staged, or awaiting their sync).
    let pendingBytes = Atomic<Int>(0)
    /// Set when an append was refused for ``pendingBytes`` (``RepositoryLog/admits(bytes:)``); cleared by the
    /// writer once the backlog is down to half the bound, so the health answer does not flap per request.
    let refusing = Atomic<Bool>(false)
}

/// The state of one repository's log, owned by the pool writer thread its name hashes to: the active
/// segment, offsets, sequences, and the appends written but not yet complete. Runs staging, rotation,
/// retention, fault handling and the idle close; its ``PoolWriter`` decides when to flush and sync (see
/// `docs/wal.md`).
///
/// Guarantees: used by its pool writer's thread only; a record is completed successfully only once it is
/// written (and, under `.always`, covered by an `fdatasync`); a failed write or sync leaves the segment
/// truncated at the end of the last good record (as far as `ftruncate` allows) and never reuses an
/// acknowledged sequence; a segment closed while idle is reopened, unchanged, by the next record.
final class SegmentWriter {
    let repository: String
    let directory: SegmentDirectory
    let fs: any SegmentFileSystem
    let options: WALOptions
    let metrics: RepositoryMetrics
    let health: LogHealth
    let logger: Logger
    /// The pool writer whose thread runs this log; it lends the descriptor the active segment holds.
    unowned let owner: PoolWriter

    private var file: (any SegmentFile)?
    /// Set while the active segment's descriptor is closed for idleness (or not yet opened after
    /// recovery): the next record reopens `segmentFirstSequence`'s file where it left off.
    private(set) var idleClosed = false
    private var segmentFirstSequence: UInt64
    /// End of what was written successfully.
    private var writtenOffset: Int
    /// End of what an fdatasync covered (≤ writtenOffset); under `.always` nothing past it is acknowledged.
    private var syncedOffset: Int
    /// Set when a failed write could not be truncated away; the next write truncates first.
    private var needsTruncate = false
    /// Why the last attempt to create a segment failed, in a client's terms (see ``SegmentIOError/unavailability``).
    private var openFailure = WALUnavailable.storageError
    /// End of the zero-filled reserve (the file size as this writer left it; ≥ writtenOffset).
    private var reservedEnd: Int
    /// Whether the active segment may keep a reserve (no zero write failed in it).
    private var reserveAllowed = true
    /// Running average of the bytes one fdatasync covered under `.always`.
    private var averageGroupBytes = 0
    /// Bytes reserved for records of all-or-nothing appends still to come (``SpaceClaim``): the zeros up to
    /// `reservedEnd` cover them past the staged records, and the segment neither rotates nor closes while
    /// any are outstanding.
    private var claimedBytes = 0
    private var nextSequence: UInt64
    private var syncedNextSequence: UInt64
    private(set) var lastSyncNanos: UInt64
    /// Monotonic time of the last record staged: what the idle close and the eviction order go by.
    private(set) var lastWriteNanos: UInt64
    private var lastRetentionNanos: UInt64 = 0
    private var sealed: [SegmentRef]
    /// Uncompressed bytes of the records written to the active segment (for retention by ingest size).
    private var activeIngestBytes: Int

    private var writeBuffer: [UInt8] = []
    private var writeBufferCount = 0
    private var stagedNextSequence: UInt64
    private var staged: [StagedAppend] = []
    private var awaitingSync: [StagedAppend] = []
    /// Appends finished (written, synced or failed) whose completions run at the end of this round.
    private var finished: [FinishedAppend] = []
    /// Syncs for `--fsync interval=MS`, off the writer thread.
    private let background: BackgroundSync
    /// What of the active segment was handed to the kernel's write-back (under `none` and `interval=MS`).
    private var pacer: WritebackPacer
    /// Set by the pool writer while this log is in its round's list of logs that received records.
    var inRound = false
    /// Set by the pool writer while this log waits for an interval sync.
    var awaitingInterval = false
    /// Set by the pool writer while this log is in its list of logs holding appends for their sync.
    var inHoldingList = false
    /// Under `.interval`: when the oldest write that no started sync covers was made (0: none), for the
    /// lag and for ``IntervalPacing``.
    private var uncoveredSinceNanos: UInt64 = 0
    /// The file system this log's segments live on, as its pool writer syncs it (set when adopted).
    var device: SyncDevice?
    /// Set once the repository's log was closed for good (``PoolWriter/retire(_:)``): later records fail
    /// with ``WALError/closed`` instead of reopening a folder that is being moved away.
    var retired = false

    init(repository: String, directory: SegmentDirectory, fs: any SegmentFileSystem, options: WALOptions,
         metrics: RepositoryMetrics, health: LogHealth, logger: Logger, owner: PoolWriter, recovered: Recovered) {
        self.repository = repository
        self.directory = directory
        self.fs = fs
        self.options = options
        self.metrics = metrics
        self.health = health
        self.logger = logger
        self.owner = owner
        let writerQueue = owner.queue
        background = BackgroundSync(queue: owner.syncQueueForNewLog(), metrics: metrics, backlog: owner.syncBacklog,
                                    wake: { writerQueue.nudge() })
        pacer = WritebackPacer(chunkBytes: max(WritebackPacer.pageBytes, options.writebackChunkBytes), from: recovered.endOffset)
        // Recovery ran on the thread that opened the log; the descriptor is taken again, from the pool
        // writer's budget, by the first record.
        recovered.file.close()
        file = nil
        idleClosed = true
        segmentFirstSequence = recovered.segmentFirstSequence
        writtenOffset = recovered.endOffset
        syncedOffset = recovered.endOffset
        reservedEnd = recovered.endOffset
        nextSequence = recovered.nextSequence
        syncedNextSequence = recovered.nextSequence
        stagedNextSequence = recovered.nextSequence
        sealed = recovered.sealed
        activeIngestBytes = recovered.ingestBytes
        let now = MonotonicClock.nanoseconds()
        lastSyncNanos = now
        lastWriteNanos = now
        health.durableNextSequence.store(recovered.nextSequence, ordering: .releasing)
    }

    // MARK: Driven by the pool writer

    /// Whether the active segment's descriptor is open.
    var isOpen: Bool { file != nil }

    /// Records written and waiting for the fdatasync of this round (under `.always`).
    var awaitingSyncCount: Int { awaitingSync.count }

    /// Whether anything was written that no fdatasync covers yet.
    var hasUnsynced: Bool { writtenOffset > syncedOffset }

    /// Whether the descriptor can be closed now without waiting for anything: nothing staged or
    /// awaiting a sync, no background sync running.
    var isQuiescent: Bool {
        file != nil && writeBufferCount == 0 && staged.isEmpty && awaitingSync.isEmpty && !background.isRunning && claimedBytes == 0
    }

    /// When the next interval sync is due, under `.interval` with unsynced data (`now`: the current time).
    func intervalDeadline(now: UInt64) -> UInt64? {
        guard case .interval(let ms) = options.fsync, file != nil, writtenOffset > syncedOffset else { return nil }
        let due = lastSyncNanos + UInt64(ms) * 1_000_000
        // A sync still running (its own, or the `syncfs` its file system's next one waits for) keeps `due`
        // in the past: look again later instead of returning from the wait at once, over and over, until it
        // finishes.
        // Not sooner than a quarter interval: while the sync queue has a backlog, most waiting logs have a
        // sync queued, and looking through them all every millisecond costs the writer more than the records.
        let waits = background.isRunning || device?.intervalSyncRunning.load(ordering: .relaxed) == true
        return waits ? max(due, now + max(1_000_000, UInt64(ms) * 250_000)) : due
    }

    /// When retention should look again, if any is configured.
    func retentionDeadline() -> UInt64? {
        options.mayLimitAge ? lastRetentionNanos + 60_000_000_000 : nil
    }

    /// Under `.interval`: takes the last background sync's outcome; whether a sync is due now (data
    /// unsynced for the interval, no sync running). The pool writer starts it, alone or with others.
    func intervalSyncDue(now: UInt64) -> Bool {
        guard case .interval(let ms) = options.fsync, file != nil else { return false }
        applyBackgroundOutcome()
        return writtenOffset > syncedOffset && now >= lastSyncNanos + UInt64(ms) * 1_000_000 && !background.isRunning
    }

    /// Under `.interval`: whether written data waits for a sync.
    var awaitsIntervalSync: Bool {
        guard case .interval = options.fsync, file != nil else { return false }
        return writtenOffset > syncedOffset
    }

    /// Claims this log's background sync for a group sync of its file system; nil when nothing is
    /// unsynced or a sync is running.
    func claimBackgroundSync() -> BackgroundSync.Member? {
        applyBackgroundOutcome()
        guard let file, writtenOffset > syncedOffset, background.claim() else { return nil }
        lastSyncNanos = MonotonicClock.nanoseconds()
        let since = uncoveredSinceNanos
        uncoveredSinceNanos = 0
        return BackgroundSync.Member(sync: background, file: file, offset: writtenOffset, nextSequence: nextSequence, since: since)
    }

    /// Closes the active segment's descriptor and gives back the write buffers; seals nothing. The
    /// zero-filled reserve stays in the file (recovery and readers stop at it as anywhere else). Under
    /// `.interval` what was written is synced first (nobody is left to sync it on the interval).
    func closeIdle() {
        guard let current = file else { return }
        finishBackgroundSync()
        if case .interval = options.fsync, writtenOffset > syncedOffset { syncWritten() }
        current.close()
        file = nil
        idleClosed = true
        owner.releaseDescriptor()
        owner.metrics.idleCloses.add(1, ordering: .relaxed)
        writeBuffer = []
        staged = []
        awaitingSync = []
    }

    /// At shutdown: waits for a background sync, cuts the reserve off, syncs what is unsynced, closes.
    func close() {
        guard let current = file else { return }
        finishBackgroundSync()
        let droppedReserve = dropReserve()
        if writtenOffset > syncedOffset || droppedReserve { syncWritten() }
        current.close()
        file = nil
        idleClosed = true
        owner.releaseDescriptor()
    }

    /// Runs retention when its minute passed.
    func retentionTick(now: UInt64) {
        if options.mayLimitAge, now >= lastRetentionNanos + 60_000_000_000 { enforceRetention() }
    }

    /// Puts one record into the write buffer (reopening the segment after an idle close, and rotating
    /// first when the record would overfill it), or makes or gives back a reservation (``SpaceClaim``).
    func stage(_ item: PendingAppend) {
        guard !retired else {
            fail(item.completion, item.record.bytes.count, .closed)
            return
        }
        let size = item.record.bytes.count
        switch item.claim {
        case .none:
            break
        case .reserved:
            claimedBytes -= min(claimedBytes, size)
        case .reserve(let bytes):
            reserve(bytes, completion: item.completion)
            return
        case .release(let bytes):
            claimedBytes -= min(claimedBytes, bytes)
            succeed(item.completion, 0, WALPosition(firstSequence: 0, eventCount: 0))
            return
        }
        lastWriteNanos = MonotonicClock.nanoseconds()
        // A reserved record goes where its reservation made room: never into a new segment.
        if let refusal = prepareSegment(for: size, mayRotate: item.claim == .none && claimedBytes == 0) {
            fail(item.completion, size, refusal)
            return
        }
        // Reservations still to come keep their room past this record, or this record is refused (a
        // reserved record is covered already, unless a failed write cut the reserve away since).
        if item.claim == .reserved || claimedBytes > 0, let refusal = cover(upTo: writtenOffset + writeBufferCount + size + claimedBytes) {
            fail(item.completion, size, refusal)
            return
        }
        if writeBuffer.count < writeBufferCount + size {
            writeBuffer.append(contentsOf: repeatElement(0, count: writeBufferCount + size - writeBuffer.count))
        }
        let position = WALPosition(firstSequence: stagedNextSequence, eventCount: item.record.eventCount)
        let start = writeBufferCount
        writeBuffer.withUnsafeMutableBytes { out in
            let record = UnsafeMutableRawBufferPointer(rebasing: out[start..<(start + size)])
            item.record.bytes.withUnsafeBytes { record.copyMemory(from: $0) }
            WALRecordHeader.finish(record: record, firstSequence: position.firstSequence, payloadCRC: item.record.payloadCRC)
        }
        writeBufferCount += size
        stagedNextSequence += UInt64(item.record.eventCount)
        staged.append(StagedAppend(completion: item.completion, position: position,
                                   uncompressedBytes: item.record.uncompressedBytes, recordBytes: size))
    }

    /// Reopens the segment after an idle close, rotates first when `size` more bytes would overfill it and
    /// `mayRotate`, and creates a segment when there is none; the refusal when the log cannot take a record.
    private func prepareSegment(for size: Int, mayRotate: Bool) -> WALError? {
        if file == nil, idleClosed {
            if let refusal = reopen() { return refusal }
        }
        let segmentEnd = writtenOffset + writeBufferCount
        if mayRotate, file != nil, segmentEnd > WALFormat.segmentHeaderSize, segmentEnd + size > options.segmentBytes {
            flush()
            rotate()
        }
        if file == nil {
            guard owner.acquireDescriptor(for: self) else { return .unavailable(.descriptorsExhausted) }
            openNextSegment()
            guard file != nil else {
                owner.releaseDescriptor()
                return .unavailable(openFailure)
            }
        }
        return nil
    }

    /// Makes room for a record of `bytes` that will follow (``SpaceClaim/reserve(bytes:)``): the segment
    /// is opened (or rotated, when no other reservation pins it) and zeros are written ahead of the
    /// staged records and earlier reservations, so the record later overwrites blocks the file already
    /// has and cannot meet a full disk. Refused, with nothing reserved, when the zeros cannot be written.
    private func reserve(_ bytes: Int, completion: @escaping @Sendable (Result<WALPosition, WALError>) -> Void) {
        lastWriteNanos = MonotonicClock.nanoseconds()
        if let refusal = prepareSegment(for: bytes, mayRotate: claimedBytes == 0) {
            fail(completion, 0, refusal)
            return
        }
        if let refusal = cover(upTo: writtenOffset + writeBufferCount + claimedBytes + bytes) {
            fail(completion, 0, refusal)
            return
        }
        claimedBytes += bytes
        succeed(completion, 0, WALPosition(firstSequence: 0, eventCount: 0))
    }

    /// Granularity of the zeros written for reservations, so that a run of small all-or-nothing appends
    /// does not cost a zero write each.
    static let reservationStep = 64 << 10

    /// Writes zeros from the end of the reserve to at least `end` (rounded up to ``reservationStep``,
    /// within the segment's size unless `end` is past it); the refusal when the file system cannot take
    /// them. What was written stays as reserve.
    private func cover(upTo end: Int) -> WALError? {
        guard end > reservedEnd else { return nil }
        guard let file else { return .unavailable(openFailure) }
        let rounded = (end + Self.reservationStep - 1) / Self.reservationStep * Self.reservationStep
        let target = max(end, min(rounded, options.segmentBytes))
        do throws(SegmentIOError) {
            try zeroFill(file, upTo: target)
        } catch {
            reservedEnd = max(writtenOffset, (try? file.size()) ?? reservedEnd)
            logger.warning("WAL could not reserve room for an all-or-nothing append", metadata: [
                "repository": "\(repository)", "error": "\(error)"])
            return .unavailable(error.unavailability)
        }
        return nil
    }

    /// Writes the staged records with one write; on success they complete (or await the sync under
    /// `.always`), on failure they fail and the segment is cut back to the last good record.
    func flush() {
        guard writeBufferCount > 0, let file else { return }
        do throws(SegmentIOError) {
            if needsTruncate {
                try file.truncate(to: writtenOffset)
                reservedEnd = writtenOffset
                needsTruncate = false
            }
            try file.writeAll(writeBuffer, count: writeBufferCount, at: writtenOffset)
        } catch {
            metrics.writeErrors.add(1, ordering: .relaxed)
            cutBack(file, to: writtenOffset, dataEnd: writtenOffset + writeBufferCount, after: error)
            writeBufferCount = 0
            stagedNextSequence = nextSequence
            for append in staged { fail(append.completion, append.recordBytes, .unavailable(error.unavailability)) }
            staged.removeAll(keepingCapacity: true)
            return
        }
        let holds = holdsForSync()
        if case .interval = options.fsync, uncoveredSinceNanos == 0 { uncoveredSinceNanos = lastWriteNanos }
        writtenOffset += writeBufferCount
        reservedEnd = max(reservedEnd, writtenOffset)
        nextSequence = stagedNextSequence
        writeBufferCount = 0
        markAvailable()
        extendReserve(file)
        paceWriteback(file)
        var events = 0, uncompressed = 0, written = 0
        for append in staged {
            events += append.position.eventCount
            uncompressed += append.uncompressedBytes
            written += append.recordBytes
        }
        metrics.recordsAppended.add(staged.count, ordering: .relaxed)
        metrics.eventsAppended.add(events, ordering: .relaxed)
        metrics.bytesUncompressed.add(uncompressed, ordering: .relaxed)
        metrics.bytesWritten.add(written, ordering: .relaxed)
        activeIngestBytes += uncompressed
        if case .always = options.fsync {
            if awaitingSync.isEmpty {
                swap(&awaitingSync, &staged)
            } else {
                awaitingSync.append(contentsOf: staged)
            }
        } else if holds {
            // Answered when a sync covers them (``serviceHeld()``): held appends are always the last written.
            if awaitingSync.isEmpty {
                background.wakesWriter.store(true, ordering: .releasing)
                owner.noteHolding(self)
            }
            owner.syncBacklog.heldAppends.add(staged.count, ordering: .relaxed)
            awaitingSync.append(contentsOf: staged)
        } else {
            health.durableNextSequence.store(nextSequence, ordering: .releasing)
            for append in staged { succeed(append.completion, append.recordBytes, append.position) }
        }
        staged.removeAll(keepingCapacity: true)
    }

    /// Under `.interval`, for the records being written: whether they wait for their sync before they are
    /// acknowledged (``IntervalPacing``). Always while earlier records of this log wait; never for a log
    /// whose file system's `syncfs` covers it (one sync per writer and interval keeps up). When its per-file
    /// syncs fall behind on a shared file system, its writer falls back to `syncfs` there instead, unless
    /// that is forbidden or too slow to keep the interval.
    private func holdsForSync() -> Bool {
        guard case .interval(let ms) = options.fsync else { return false }
        if !awaitingSync.isEmpty { return true }
        if device?.coversIntervalSyncs == true { return false }
        let intervalNanos = UInt64(ms) * 1_000_000
        let age = uncoveredSinceNanos == 0 || lastWriteNanos < uncoveredSinceNanos ? 0 : lastWriteNanos - uncoveredSinceNanos
        let backlog = owner.syncBacklog
        let behind = IntervalPacing.holdsAcknowledgement(intervalNanos: intervalNanos, uncoveredAgeNanos: age,
                                                         queuedSyncs: backlog.queued.load(ordering: .relaxed),
                                                         queues: owner.syncQueues.count,
                                                         syncNanos: backlog.syncNanos.load(ordering: .relaxed))
        guard behind, let device else { return behind }
        // After a pause that followed a too slow `syncfs`, its cost is unknown again: try it once more.
        let retry = MonotonicClock.nanoseconds() >= device.fallbackRetryNanos
        let syncfsNanos = retry ? 0 : device.intervalSyncfsNanos.load(ordering: .relaxed)
        switch IntervalPacing.intervalCover(use: device.use, behind: true, syncfsNanos: syncfsNanos, intervalNanos: intervalNanos) {
        case .syncfs:
            owner.startSyncfsFallback(device, forgetCost: retry)
            return false
        case .hold:
            return true
        case .perFile:
            return false
        }
    }

    /// Whether appends wait for a sync before they are acknowledged (under `.interval`, see ``holdsForSync()``).
    var holdsAppends: Bool { !awaitingSync.isEmpty }

    /// Under `.interval`, on the writer thread once a round: completes the held appends a finished sync
    /// covered (or fails them when it failed) and starts the next sync at once for those still held
    /// (their clients wait for it).
    func serviceHeld() {
        applyBackgroundOutcome()
        guard !awaitingSync.isEmpty, !background.isRunning else { return }
        startBackgroundSync()
    }

    /// Under `.interval`, after a failed sync: the held appends are refused and cut away (they were never
    /// acknowledged, so a retry must not find them stored), as `.always` does with its group.
    private func failHeld(after error: SegmentIOError) {
        guard !awaitingSync.isEmpty else { return }
        background.wakesWriter.store(false, ordering: .releasing)
        var bytes = 0, uncompressed = 0
        for append in awaitingSync {
            bytes += append.recordBytes
            uncompressed += append.uncompressedBytes
        }
        let start = writtenOffset - bytes
        if let file { cutBack(file, to: start, dataEnd: writtenOffset, after: error) }
        writtenOffset = start
        activeIngestBytes -= uncompressed
        nextSequence = awaitingSync[0].position.firstSequence
        stagedNextSequence = nextSequence
        syncedOffset = min(syncedOffset, start)
        syncedNextSequence = min(syncedNextSequence, nextSequence)
        for append in awaitingSync { fail(append.completion, append.recordBytes, .unavailable(error.unavailability)) }
        awaitingSync.removeAll(keepingCapacity: true)
    }

    /// fdatasync of everything written; completes what awaited it. A failure under `.always` cuts the
    /// unacknowledged records away and fails them (under `.interval`, the held ones).
    @discardableResult
    func syncWritten() -> Bool {
        guard let file else { return false }
        let started = MonotonicClock.nanoseconds()
        do throws(SegmentIOError) {
            try file.sync()
        } catch {
            metrics.writeErrors.add(1, ordering: .relaxed)
            lastSyncNanos = MonotonicClock.nanoseconds()
            guard case .always = options.fsync else {
                // Already acknowledged under this policy: keep the records, report, retry on the next interval.
                markUnavailable(error)
                failHeld(after: error)
                return false
            }
            cutBack(file, to: syncedOffset, dataEnd: writtenOffset, after: error)
            writtenOffset = syncedOffset
            for append in awaitingSync { activeIngestBytes -= append.uncompressedBytes }
            nextSequence = syncedNextSequence
            stagedNextSequence = syncedNextSequence
            for append in awaitingSync { fail(append.completion, append.recordBytes, .unavailable(error.unavailability)) }
            awaitingSync.removeAll(keepingCapacity: true)
            return false
        }
        markSynced(started: started, ended: MonotonicClock.nanoseconds())
        return true
    }

    /// After a sync that covered everything written (this file's fdatasync, or a `syncfs` of its file
    /// system that started after the last write and reported no error): completes what awaited it.
    func markSynced(started: UInt64, ended: UInt64) {
        lastSyncNanos = ended
        if case .interval = options.fsync {
            owner.syncBacklog.recordLag(since: uncoveredSinceNanos, ended: ended)
            uncoveredSinceNanos = 0
            if !awaitingSync.isEmpty {
                background.wakesWriter.store(false, ordering: .releasing)
                health.durableNextSequence.store(nextSequence, ordering: .releasing)
            }
        }
        averageGroupBytes += (writtenOffset - syncedOffset - averageGroupBytes) / 8
        metrics.recordFsync(seconds: Double(ended - started) / 1e9)
        syncedOffset = writtenOffset
        syncedNextSequence = nextSequence
        pacer.covered(upTo: syncedOffset)
        if case .always = options.fsync { health.durableNextSequence.store(syncedNextSequence, ordering: .releasing) }
        for append in awaitingSync { succeed(append.completion, append.recordBytes, append.position) }
        awaitingSync.removeAll(keepingCapacity: true)
    }

    /// Under `.interval`: takes the last background sync's outcome and starts the next one if anything
    /// was written since.
    func startBackgroundSync() {
        applyBackgroundOutcome()
        guard let file, writtenOffset > syncedOffset else { return }
        if background.start(file, offset: writtenOffset, nextSequence: nextSequence, since: uncoveredSinceNanos) {
            lastSyncNanos = MonotonicClock.nanoseconds()
            uncoveredSinceNanos = 0
        }
    }

    /// Under `none` and `interval=MS`: starts write-back of the next whole chunk written (``WritebackPacer``),
    /// off this thread. Under `interval=MS` not when the interval's sync is due anyway.
    private func paceWriteback(_ file: any SegmentFile) {
        if case .always = options.fsync { return }
        guard let range = pacer.due(writtenEnd: writtenOffset) else { return }
        if case .interval(let ms) = options.fsync, MonotonicClock.nanoseconds() >= lastSyncNanos + UInt64(ms) * 1_000_000 { return }
        if background.startWriteback(file, range: range) { pacer.started(range) }
    }

    /// Waits for a background sync still running, before the file is closed or synced inline.
    private func finishBackgroundSync() {
        background.waitIdle()
        applyBackgroundOutcome()
    }

    private func applyBackgroundOutcome() {
        guard let outcome = background.takeOutcome() else { return }
        if let error = outcome.error {
            // Already acknowledged under this policy: keep the records, report, retry on the next interval
            // (still as old as they were, for the lag); the held ones are refused.
            metrics.writeErrors.add(1, ordering: .relaxed)
            markUnavailable(error)
            if outcome.since > 0, uncoveredSinceNanos == 0 || outcome.since < uncoveredSinceNanos { uncoveredSinceNanos = outcome.since }
            failHeld(after: error)
            return
        }
        pacer.covered(upTo: outcome.offset)
        if outcome.offset > syncedOffset {
            averageGroupBytes += (outcome.offset - syncedOffset - averageGroupBytes) / 8
            syncedOffset = outcome.offset
            syncedNextSequence = outcome.nextSequence
        }
        // Held appends are the last written, in order: those the sync reached are durable now.
        var covered = 0
        while covered < awaitingSync.count {
            let position = awaitingSync[covered].position
            guard position.firstSequence + UInt64(position.eventCount) <= outcome.nextSequence else { break }
            covered += 1
        }
        guard covered > 0 else { return }
        for append in awaitingSync[..<covered] { succeed(append.completion, append.recordBytes, append.position) }
        awaitingSync.removeFirst(covered)
        health.durableNextSequence.store(awaitingSync.first?.position.firstSequence ?? nextSequence, ordering: .releasing)
        if awaitingSync.isEmpty { background.wakesWriter.store(false, ordering: .releasing) }
    }

    /// Truncates the segment back to `offset` after a failed write or sync (the records up to `dataEnd`
    /// that reached the file, and the reserve) and marks the log unavailable.
    private func cutBack(_ file: any SegmentFile, to offset: Int, dataEnd: Int, after error: SegmentIOError) {
        do throws(SegmentIOError) {
            let size = try file.size()
            if size > offset {
                try file.truncate(to: offset)
                metrics.truncatedBytes.add(max(0, min(size, dataEnd) - offset), ordering: .relaxed)
            }
            reservedEnd = offset
            needsTruncate = false
        } catch {
            needsTruncate = true
        }
        markUnavailable(error)
    }

    // MARK: Segments

    /// Seals the active segment (fdatasync, close) so the next record starts a new one.
    private func rotate() {
        guard let current = file else { return }
        finishBackgroundSync()
        // A failed seal keeps the segment active (a little past its size); the next record retries.
        let droppedReserve = dropReserve()
        if writtenOffset > syncedOffset || !awaitingSync.isEmpty || droppedReserve, !syncWritten() { return }
        current.close()
        file = nil
        sealed.append(SegmentRef(firstSequence: segmentFirstSequence, path: directory.segmentPath(segmentFirstSequence),
                                 ingestBytes: activeIngestBytes))
        openNextSegment()
        // The sealed segment's descriptor passes to the next one; a failed creation gives it back.
        if file == nil { owner.releaseDescriptor() }
        enforceRetention()
    }

    /// Reopens the active segment closed while idle, where it left off; the refusal when no descriptor
    /// is free or the file cannot be opened (the log stays closed, the next record tries again).
    private func reopen() -> WALError? {
        guard owner.acquireDescriptor(for: self) else { return .unavailable(.descriptorsExhausted) }
        do throws(SegmentIOError) {
            file = try fs.open(directory.segmentPath(segmentFirstSequence), create: false)
            idleClosed = false
            pacer.restart(at: writtenOffset)
            return nil
        } catch {
            owner.releaseDescriptor()
            metrics.writeErrors.add(1, ordering: .relaxed)
            if error.code == EMFILE || error.code == ENFILE {
                return .unavailable(.descriptorsExhausted)
            }
            markUnavailable(error)
            return .unavailable(error.unavailability)
        }
    }

    private func openNextSegment() {
        do throws(SegmentIOError) {
            let created = try Self.createSegment(directory: directory, fs: fs, firstSequence: nextSequence)
            file = created
            segmentFirstSequence = nextSequence
            writtenOffset = WALFormat.segmentHeaderSize
            syncedOffset = WALFormat.segmentHeaderSize
            pacer.restart(at: writtenOffset)
            reservedEnd = WALFormat.segmentHeaderSize
            reserveAllowed = true
            activeIngestBytes = 0
            syncedNextSequence = nextSequence
            stagedNextSequence = nextSequence
            needsTruncate = false
        } catch {
            metrics.writeErrors.add(1, ordering: .relaxed)
            openFailure = error.unavailability
            markUnavailable(error)
        }
    }

    // MARK: Reserve

    /// Group size (bytes per fdatasync, on average) up to which the reserve pays. The zeros reach the disk
    /// too, so they cost as many bytes as the records they make room for; what they save is the journal
    /// commit of a growing file, a fixed cost per fdatasync; so the reserve pays for small groups and costs
    /// for large ones (the crossover is measured with `pwrite` + `fdatasync` in a loop, perf/wal-bench.md).
    static let reserveWorthGroupBytes = 64 << 10

    /// Bytes of zeros written at a time. The page cache sizes a folio by the write that creates it, and each
    /// later write into a folio walks all of its blocks (ext4 `block_write_begin`): zeros written as one
    /// large write would make every small record written over them pay for a folio of up to 2 MiB.
    static let zeroWriteBytes = 16 << 10

    /// Writes zeros from ``reservedEnd`` to `target`, moving ``reservedEnd`` with each write.
    private func zeroFill(_ file: any SegmentFile, upTo target: Int) throws(SegmentIOError) {
        while reservedEnd < target {
            let count = min(target - reservedEnd, Self.zeroWriteBytes)
            try file.writeAll(UnsafeRawBufferPointer(start: ZeroBytes.start, count: count), at: reservedEnd)
            reservedEnd += count
        }
    }

    /// Under `.always` and `.interval` with small groups (the bytes one sync covers, on average, whether
    /// the group commit's or the interval's): once less than half of `reserveBytes` is left ahead of the
    /// records, writes zeros to `reserveBytes` past them (never past `segmentBytes`). Under `.interval` the
    /// groups are small when many repositories share the disk, each receiving a few records per interval;
    /// their syncs then write the data only. A failed zero write stops the reserve for this segment; the
    /// records are not affected (the next record write reports a full disk on its own).
    private func extendReserve(_ file: any SegmentFile) {
        guard options.fsync != .none, reserveAllowed, options.reserveBytes > 0,
              averageGroupBytes <= Self.reserveWorthGroupBytes,
              reservedEnd - writtenOffset < options.reserveBytes / 2 else { return }
        let target = min(writtenOffset + options.reserveBytes, options.segmentBytes)
        guard target > reservedEnd else { return }
        do throws(SegmentIOError) {
            try zeroFill(file, upTo: target)
        } catch {
            reserveAllowed = false
            reservedEnd = max(writtenOffset, (try? file.size()) ?? reservedEnd)
            logger.warning("WAL stops keeping a zero-filled reserve in this segment", metadata: [
                "repository": "\(repository)", "error": "\(error)"])
        }
    }

    /// Cuts the reserve off before the segment is sealed or closed; true when the file changed (and needs
    /// a sync). A failure leaves it (readers and recovery treat a reserve in any segment of version 2 or later alike).
    private func dropReserve() -> Bool {
        guard let file, reservedEnd > writtenOffset else { return false }
        do throws(SegmentIOError) {
            try file.truncate(to: writtenOffset)
        } catch {
            logger.warning("WAL could not cut the zero-filled reserve off a segment", metadata: [
                "repository": "\(repository)", "error": "\(error)"])
            return false
        }
        reservedEnd = writtenOffset
        return true
    }

    /// Deletes sealed segments, oldest first, while the log is over its byte or ingest-size limit, and
    /// those older than its age limit (the repository's own limits where it sets them, the server's
    /// otherwise: ``WALOptions/retention(for:)``); a segment holding events a forwarding target has not
    /// acknowledged stays, unless the log is past the hard cap.
    func enforceRetention() {
        lastRetentionNanos = MonotonicClock.nanoseconds()
        guard !sealed.isEmpty else { return }
        let limits = options.retention(for: repository)
        guard !limits.isUnlimited || options.retentionMaxBytes != nil else { return }
        let infos = sealed.map { fs.info($0.path) }
        var total = infos.reduce(0) { $0 + ($1?.size ?? 0) } + writtenOffset
        var ingestTotal = 0
        if limits.ingestBytes != nil {
            for index in sealed.indices where sealed[index].ingestBytes == nil {
                sealed[index].ingestBytes = SegmentScanner.ingestBytes(path: sealed[index].path, fs: fs)
            }
            ingestTotal = sealed.reduce(activeIngestBytes) { $0 + ($1.ingestBytes ?? 0) }
        }
        let cutoff = limits.hours.map { WallClock.seconds() - $0 * 3600 }
        let owedFrom = options.retentionHold?(repository)
        var keepFrom = 0
        for (index, info) in infos.enumerated() {
            let overCap = options.retentionMaxBytes.map { total > $0 } ?? false
            let overSize = limits.bytes.map { total > $0 } ?? false
            let overIngest = limits.ingestBytes.map { ingestTotal > $0 } ?? false
            let tooOld = cutoff.map { (info?.modifiedSeconds ?? 0) < $0 } ?? false
            guard overSize || overIngest || tooOld || overCap else { break }
            let end = index + 1 < sealed.count ? sealed[index + 1].firstSequence : segmentFirstSequence
            let owed = owedFrom.map { end > $0 } ?? false
            if owed && !overCap { break }
            do throws(SegmentIOError) {
                try fs.remove(sealed[index].path)
            } catch {
                logger.warning("WAL retention could not delete a segment", metadata: [
                    "repository": "\(repository)", "segment": "\(sealed[index].path)", "error": "\(error)"])
                break
            }
            metrics.segmentsDeleted.add(1, ordering: .relaxed)
            if owed, let owedFrom {
                let dropped = Int(end - max(sealed[index].firstSequence, owedFrom))
                metrics.forwardDroppedRecords.add(dropped, ordering: .relaxed)
                logger.error("WAL retention deleted events a forwarding target has not acknowledged (past --retention-max-bytes)", metadata: [
                    "repository": "\(repository)", "segment": "\(sealed[index].path)", "events": "\(dropped)"])
            }
            let reason = overSize ? "retention-bytes" : overIngest ? "ingest-size" : tooOld ? "retention-hours" : "retention-max-bytes"
            logger.info("WAL retention deleted a sealed segment", metadata: [
                "repository": "\(repository)", "segment": "\(sealed[index].path)", "bytes": "\(info?.size ?? 0)",
                "reason": "\(reason)"])
            total -= info?.size ?? 0
            ingestTotal -= sealed[index].ingestBytes ?? 0
            keepFrom = index + 1
        }
        if keepFrom > 0 {
            sealed.removeFirst(keepFrom)
            try? fs.syncDirectory(directory.path)
        }
    }

    // MARK: Completion

    /// Runs the completions of the appends finished this round, in order, with one update of the gauge.
    /// On the writer thread, not a separate one: waking the clients there would overlap the next
    /// fdatasync and split the clients into two alternating, half-size groups; inline, each group commits
    /// whole (`sluice wal bench`, perf/wal-bench.md).
    func complete() {
        guard !finished.isEmpty else { return }
        metrics.recordsWaiting.subtract(finished.count, ordering: .relaxed)
        var bytes = 0
        for append in finished { bytes += append.bytes }
        let pending = health.pendingBytes.subtract(bytes, ordering: .relaxed).newValue
        if let bound = options.maxPendingBytes, pending <= bound / 2, health.refusing.load(ordering: .relaxed) {
            health.refusing.store(false, ordering: .relaxed)
        }
        for append in finished { append.completion(append.result) }
        finished.removeAll(keepingCapacity: true)
    }

    /// Completions run at the end of each round of the writer loop (``complete()``).
    private func succeed(_ completion: @escaping @Sendable (Result<WALPosition, WALError>) -> Void, _ bytes: Int, _ position: WALPosition) {
        finished.append(FinishedAppend(completion: completion, result: .success(position), bytes: bytes))
    }

    private func fail(_ completion: @escaping @Sendable (Result<WALPosition, WALError>) -> Void, _ bytes: Int, _ error: WALError) {
        finished.append(FinishedAppend(completion: completion, result: .failure(error), bytes: bytes))
    }

    private func markUnavailable(_ error: SegmentIOError) {
        if health.available.exchange(false, ordering: .relaxed) {
            logger.error("WAL write failed; repository refuses appends until a write succeeds", metadata: [
                "repository": "\(repository)", "error": "\(error)"])
        }
    }

    private func markAvailable() {
        if !health.available.exchange(true, ordering: .relaxed) {
            logger.notice("WAL writes succeed again", metadata: ["repository": "\(repository)"])
        }
    }
}

/// Zeros to write the reserve from: one shared allocation that is never written, so its pages stay the
/// kernel's zero page.
private enum ZeroBytes {
    static let count = 1 << 20
    nonisolated(unsafe) static let start: UnsafeRawPointer = UnsafeRawPointer(calloc(1, count)!)
}

/// An append whose record is in the write buffer (or written): what completing it needs, without the
/// record's bytes (released once copied, so the writer does not carry them until the sync).
private struct StagedAppend {
    var completion: @Sendable (Result<WALPosition, WALError>) -> Void
    var position: WALPosition
    var uncompressedBytes: Int
    var recordBytes: Int
}

/// An append the writer has finished with: its completion and the result to call it with.
private struct FinishedAppend {
    var completion: @Sendable (Result<WALPosition, WALError>) -> Void
    var result: Result<WALPosition, WALError>
    /// The record's size, taken off ``LogHealth/pendingBytes`` when the completion runs.
    var bytes: Int
}
