#if canImport(Glibc)
import Glibc
#endif
import Logging
import Synchronization

/// Whether a repository's log currently accepts appends; shared by its writer and its appenders.
final class LogHealth: Sendable {
    let available = Atomic<Bool>(true)
    /// The sequence after the last acknowledged event: every record below it is durable under the fsync
    /// policy (what a crash cannot take back), so a forwarder may send it on.
    let durableNextSequence = Atomic<UInt64>(0)
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
    /// Why the last attempt to create a segment failed, in a client's terms (see ``SegmentIOError/clientReason``).
    private var openFailure = "storage error"
    /// End of the zero-filled reserve (the file size as this writer left it; ≥ writtenOffset).
    private var reservedEnd: Int
    /// Whether the active segment may keep a reserve (no zero write failed in it).
    private var reserveAllowed = true
    /// Running average of the bytes one fdatasync covered under `.always`.
    private var averageGroupBytes = 0
    private var nextSequence: UInt64
    private var syncedNextSequence: UInt64
    private(set) var lastSyncNanos: UInt64
    /// Monotonic time of the last record staged: what the idle close and the eviction order go by.
    private(set) var lastWriteNanos: UInt64
    private var lastRetentionNanos: UInt64 = 0
    private var sealed: [SegmentRef]

    private var writeBuffer: [UInt8] = []
    private var writeBufferCount = 0
    private var stagedNextSequence: UInt64
    private var staged: [StagedAppend] = []
    private var awaitingSync: [StagedAppend] = []
    /// Appends finished (written, synced or failed) whose completions run at the end of this round.
    private var finished: [FinishedAppend] = []
    /// Syncs for `--fsync interval=MS`, off the writer thread.
    private let background: BackgroundSync
    /// Set by the pool writer while this log is in its round's list of logs that received records.
    var inRound = false
    /// Set by the pool writer while this log waits for an interval sync.
    var awaitingInterval = false
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
        background = BackgroundSync(queue: owner.syncQueue, metrics: metrics)
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
        file != nil && writeBufferCount == 0 && staged.isEmpty && awaitingSync.isEmpty && !background.isRunning
    }

    /// When the next interval sync is due, under `.interval` with unsynced data.
    func intervalDeadline() -> UInt64? {
        guard case .interval(let ms) = options.fsync, file != nil, writtenOffset > syncedOffset else { return nil }
        let due = lastSyncNanos + UInt64(ms) * 1_000_000
        // A sync still running keeps `due` in the past: look again in a millisecond instead of
        // returning from the wait at once, over and over, until it finishes.
        return background.isRunning ? max(due, MonotonicClock.nanoseconds() + 1_000_000) : due
    }

    /// When retention should look again, if any is configured.
    func retentionDeadline() -> UInt64? {
        options.retentionHours == nil ? nil : lastRetentionNanos + 60_000_000_000
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
        return BackgroundSync.Member(sync: background, file: file, offset: writtenOffset, nextSequence: nextSequence)
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
        if options.retentionHours != nil, now >= lastRetentionNanos + 60_000_000_000 { enforceRetention() }
    }

    /// Puts one record into the write buffer (reopening the segment after an idle close, and rotating
    /// first when the record would overfill it).
    func stage(_ item: PendingAppend) {
        guard !retired else {
            fail(item.completion, .closed)
            return
        }
        let size = item.record.bytes.count
        lastWriteNanos = MonotonicClock.nanoseconds()
        if file == nil, idleClosed {
            if let refusal = reopen() {
                fail(item.completion, refusal)
                return
            }
        }
        let segmentEnd = writtenOffset + writeBufferCount
        if file != nil, segmentEnd > WALFormat.segmentHeaderSize, segmentEnd + size > options.segmentBytes {
            flush()
            rotate()
        }
        if file == nil {
            guard owner.acquireDescriptor(for: self) else {
                fail(item.completion, .unavailable(PoolWriter.descriptorsExhausted))
                return
            }
            openNextSegment()
            guard file != nil else {
                owner.releaseDescriptor()
                fail(item.completion, .unavailable(openFailure))
                return
            }
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
            for append in staged { fail(append.completion, .unavailable(error.clientReason)) }
            staged.removeAll(keepingCapacity: true)
            return
        }
        writtenOffset += writeBufferCount
        reservedEnd = max(reservedEnd, writtenOffset)
        nextSequence = stagedNextSequence
        writeBufferCount = 0
        markAvailable()
        extendReserve(file)
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
        if case .always = options.fsync {
            if awaitingSync.isEmpty {
                swap(&awaitingSync, &staged)
            } else {
                awaitingSync.append(contentsOf: staged)
            }
        } else {
            health.durableNextSequence.store(nextSequence, ordering: .releasing)
            for append in staged { succeed(append.completion, append.position) }
        }
        staged.removeAll(keepingCapacity: true)
    }

    /// fdatasync of everything written; completes what awaited it. A failure under `.always` cuts the
    /// unacknowledged records away and fails them.
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
                return false
            }
            cutBack(file, to: syncedOffset, dataEnd: writtenOffset, after: error)
            writtenOffset = syncedOffset
            nextSequence = syncedNextSequence
            stagedNextSequence = syncedNextSequence
            for append in awaitingSync { fail(append.completion, .unavailable(error.clientReason)) }
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
        averageGroupBytes += (writtenOffset - syncedOffset - averageGroupBytes) / 8
        metrics.recordFsync(seconds: Double(ended - started) / 1e9)
        syncedOffset = writtenOffset
        syncedNextSequence = nextSequence
        if case .always = options.fsync { health.durableNextSequence.store(syncedNextSequence, ordering: .releasing) }
        for append in awaitingSync { succeed(append.completion, append.position) }
        awaitingSync.removeAll(keepingCapacity: true)
    }

    /// Under `.interval`: takes the last background sync's outcome and starts the next one if anything
    /// was written since.
    func startBackgroundSync() {
        applyBackgroundOutcome()
        guard let file, writtenOffset > syncedOffset else { return }
        if background.start(file, offset: writtenOffset, nextSequence: nextSequence) {
            lastSyncNanos = MonotonicClock.nanoseconds()
        }
    }

    /// Waits for a background sync still running, before the file is closed or synced inline.
    private func finishBackgroundSync() {
        background.waitIdle()
        applyBackgroundOutcome()
    }

    private func applyBackgroundOutcome() {
        guard let outcome = background.takeOutcome() else { return }
        if let error = outcome.error {
            // Already acknowledged under this policy: keep the records, report, retry on the next interval.
            metrics.writeErrors.add(1, ordering: .relaxed)
            markUnavailable(error)
            return
        }
        if outcome.offset > syncedOffset {
            syncedOffset = outcome.offset
            syncedNextSequence = outcome.nextSequence
        }
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
        sealed.append(SegmentRef(firstSequence: segmentFirstSequence, path: directory.segmentPath(segmentFirstSequence)))
        openNextSegment()
        // The sealed segment's descriptor passes to the next one; a failed creation gives it back.
        if file == nil { owner.releaseDescriptor() }
        enforceRetention()
    }

    /// Reopens the active segment closed while idle, where it left off; the refusal when no descriptor
    /// is free or the file cannot be opened (the log stays closed, the next record tries again).
    private func reopen() -> WALError? {
        guard owner.acquireDescriptor(for: self) else { return .unavailable(PoolWriter.descriptorsExhausted) }
        do throws(SegmentIOError) {
            file = try fs.open(directory.segmentPath(segmentFirstSequence), create: false)
            idleClosed = false
            return nil
        } catch {
            owner.releaseDescriptor()
            metrics.writeErrors.add(1, ordering: .relaxed)
            if error.code == EMFILE || error.code == ENFILE {
                return .unavailable(PoolWriter.descriptorsExhausted)
            }
            markUnavailable(error)
            return .unavailable(error.description)
        }
    }

    private func openNextSegment() {
        do throws(SegmentIOError) {
            let created = try Self.createSegment(directory: directory, fs: fs, firstSequence: nextSequence)
            file = created
            segmentFirstSequence = nextSequence
            writtenOffset = WALFormat.segmentHeaderSize
            syncedOffset = WALFormat.segmentHeaderSize
            reservedEnd = WALFormat.segmentHeaderSize
            reserveAllowed = true
            syncedNextSequence = nextSequence
            stagedNextSequence = nextSequence
            needsTruncate = false
        } catch {
            metrics.writeErrors.add(1, ordering: .relaxed)
            openFailure = error.clientReason
            markUnavailable(error)
        }
    }

    // MARK: Reserve

    /// Group size (bytes per fdatasync, on average) up to which the reserve pays. The zeros reach the disk
    /// too, so they cost as many bytes as the records they make room for; what they save is the journal
    /// commit of a growing file, a fixed cost per fdatasync. On this machine's ext4 (`pwrite` + `fdatasync`
    /// in a loop, perf/wal-bench.md) 30 KB per sync took 0.12 ms with a reserve against 0.17–0.23 ms
    /// appending, while 300 KB per sync took 0.53–0.60 ms against 0.29–0.32 ms.
    static let reserveWorthGroupBytes = 64 << 10

    /// Under `.always` with small groups: once less than half of `reserveBytes` is left ahead of the
    /// records, writes zeros to `reserveBytes` past them (never past `segmentBytes`). A failed zero write
    /// stops the reserve for this segment; the records are not affected (the next record write reports a
    /// full disk on its own).
    private func extendReserve(_ file: any SegmentFile) {
        guard case .always = options.fsync, reserveAllowed, options.reserveBytes > 0,
              averageGroupBytes <= Self.reserveWorthGroupBytes,
              reservedEnd - writtenOffset < options.reserveBytes / 2 else { return }
        let target = min(writtenOffset + options.reserveBytes, options.segmentBytes)
        guard target > reservedEnd else { return }
        do throws(SegmentIOError) {
            while reservedEnd < target {
                let count = min(target - reservedEnd, ZeroBytes.count)
                try file.writeAll(UnsafeRawBufferPointer(start: ZeroBytes.start, count: count), at: reservedEnd)
                reservedEnd += count
            }
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

    /// Deletes sealed segments, oldest first, past the byte limit or older than the age limit; a segment
    /// holding events a forwarding target has not acknowledged stays, unless the log is past the hard cap.
    func enforceRetention() {
        lastRetentionNanos = MonotonicClock.nanoseconds()
        guard options.retentionBytes != nil || options.retentionHours != nil || options.retentionMaxBytes != nil, !sealed.isEmpty else { return }
        let infos = sealed.map { fs.info($0.path) }
        var total = infos.reduce(0) { $0 + ($1?.size ?? 0) } + writtenOffset
        let cutoff = options.retentionHours.map { WallClock.seconds() - $0 * 3600 }
        let owedFrom = options.retentionHold?(repository)
        var keepFrom = 0
        for (index, info) in infos.enumerated() {
            let overCap = options.retentionMaxBytes.map { total > $0 } ?? false
            let overSize = options.retentionBytes.map { total > $0 } ?? false
            let tooOld = cutoff.map { (info?.modifiedSeconds ?? 0) < $0 } ?? false
            guard overSize || tooOld || overCap else { break }
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
            logger.info("WAL retention deleted a sealed segment", metadata: [
                "repository": "\(repository)", "segment": "\(sealed[index].path)", "bytes": "\(info?.size ?? 0)",
                "reason": "\(overCap && !overSize && !tooOld ? "retention-max-bytes" : overSize ? "retention-bytes" : "retention-hours")"])
            total -= info?.size ?? 0
            keepFrom = index + 1
        }
        if keepFrom > 0 {
            sealed.removeFirst(keepFrom)
            try? fs.syncDirectory(directory.path)
        }
    }

    // MARK: Completion

    /// Runs the completions of the appends finished this round, in order, with one update of the gauge.
    /// (Handing them to a separate completion thread was tried: waking the clients then overlapped the
    /// next fdatasync, which split the 64 clients of `sluice wal bench` into two alternating groups; with
    /// the wake-ups inline the groups stay whole, twice as large, at the same or better throughput.)
    func complete() {
        guard !finished.isEmpty else { return }
        metrics.recordsWaiting.subtract(finished.count, ordering: .relaxed)
        for append in finished { append.completion(append.result) }
        finished.removeAll(keepingCapacity: true)
    }

    /// Completions run at the end of each round of the writer loop (``complete()``).
    private func succeed(_ completion: @escaping @Sendable (Result<WALPosition, WALError>) -> Void, _ position: WALPosition) {
        finished.append(FinishedAppend(completion: completion, result: .success(position)))
    }

    private func fail(_ completion: @escaping @Sendable (Result<WALPosition, WALError>) -> Void, _ error: WALError) {
        finished.append(FinishedAppend(completion: completion, result: .failure(error)))
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
}
