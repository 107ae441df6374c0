import WALFormat
import CSystemShims
import EventModel
import Logging
import Synchronization

/// The write-ahead log of one repository: appends from any thread, written by the pool writer its
/// name hashes to.
///
/// Guarantees: records are written in the order ``append(_:completion:)`` was called; each completion
/// runs exactly once, on the writer thread, with the record's position once it is durable under the fsync
/// policy, or with a ``WALError``; a failing log never affects another repository's.
public final class RepositoryLog: Sendable {
    public let repository: String
    let maxPendingBytes: Int?
    let metrics: RepositoryMetrics
    let health = LogHealth()
    /// The pool writer that owns this log, and the log's state it alone touches.
    private let owner: PoolWriter
    private let box: WriterBox
    var queue: WriterQueue { owner.queue }
    var target: SegmentWriterRef { SegmentWriterRef(box.writer) }

    init(repository: String, directory: SegmentDirectory, fs: any SegmentFileSystem, options: WALOptions,
         logger: Logger, pool: WriterPool) throws(SegmentIOError) {
        self.repository = repository
        maxPendingBytes = options.maxPendingBytes
        let metrics = RepositoryMetrics(fsyncObserver: options.fsyncObserver)
        self.metrics = metrics
        let recovered = try SegmentWriter.recover(directory: directory, fs: fs, repository: repository, metrics: metrics, logger: logger)
        owner = pool.writer(for: repository)
        let writer = SegmentWriter(repository: repository, directory: directory, fs: fs, options: options, metrics: metrics,
                                   health: health, logger: logger, owner: owner, recovered: recovered)
        box = WriterBox(writer)
        owner.adopt(writer)
    }

    /// False after a failed write until a later write succeeds; appends are still attempted (the retry).
    public var isAvailable: Bool { health.available.load(ordering: .relaxed) }

    /// The sequence after the last acknowledged event: records below it are durable under the fsync policy
    /// and never cut by recovery. A follower in this process reads up to it (``WALReader/next(into:upTo:)``).
    public var durableNextSequence: UInt64 { health.durableNextSequence.load(ordering: .acquiring) }

    /// Bytes of records appended and not yet completed.
    public var pendingBytes: Int { health.pendingBytes.load(ordering: .relaxed) }

    /// Whether the log is refusing appends for its backlog: set by a refusal of ``admits(bytes:)``, cleared
    /// once the backlog is down to half of ``WALOptions/maxPendingBytes``.
    public var isRefusing: Bool { health.refusing.load(ordering: .relaxed) }

    /// Whether a request of about `bytes` may be appended under ``WALOptions/maxPendingBytes``: always when
    /// nothing is pending (so a request larger than the bound is not refused for ever), otherwise when the
    /// backlog and the request together stay within the bound. A refusal marks the log ``isRefusing``.
    public func admits(bytes: Int) -> Bool {
        guard let bound = maxPendingBytes else { return true }
        let pending = health.pendingBytes.load(ordering: .relaxed)
        if pending == 0 || pending + bytes <= bound { return true }
        if !health.refusing.load(ordering: .relaxed) { health.refusing.store(true, ordering: .relaxed) }
        return false
    }

    /// Encodes and compresses `batch` on the calling thread (with that thread's reused encoder) and
    /// enqueues it. An empty batch completes at once, with no record written.
    public func append(_ batch: EventBatch, completion: @escaping @Sendable (Result<WALPosition, WALError>) -> Void) {
        guard !batch.isEmpty else {
            completion(.success(WALPosition(firstSequence: 0, eventCount: 0)))
            return
        }
        let record: WALRecord
        do throws(WALError) {
            record = try ThreadLocalEncoder.encode(batch)
        } catch {
            completion(.failure(error))
            return
        }
        append(record, completion: completion)
    }

    /// Enqueues a record the caller encoded with its own ``WALRecordEncoder``.
    public func append(_ record: WALRecord, completion: @escaping @Sendable (Result<WALPosition, WALError>) -> Void) {
        enqueue(PendingAppend(record: record, completion: completion, target: target))
    }

    /// Enqueues one item (a record, or a reservation of a ``SplitAppend``); a closed log fails it.
    func enqueue(_ item: PendingAppend) {
        metrics.recordsWaiting.add(1, ordering: .relaxed)
        health.pendingBytes.add(item.record.bytes.count, ordering: .relaxed)
        if !queue.enqueue(item) {
            metrics.recordsWaiting.subtract(1, ordering: .relaxed)
            health.pendingBytes.subtract(item.record.bytes.count, ordering: .relaxed)
            item.completion(.failure(.closed))
        }
    }

    /// Closes the log for good and returns once its writer has completed what was queued before, synced
    /// and closed the segment; later appends fail with ``WALError/closed``. Must not be called from an
    /// append's completion (it runs on the writer thread this waits for).
    func close() {
        owner.retire(box.writer)
    }

    /// Runs retention on this log at its writer's next wake-up (its settings changed); returns at once.
    func requestRetention() {
        owner.requestRetention(box.writer)
    }

    /// Enqueues records gathered by an ``AppendBatch``; a closed log fails them all.
    func enqueue(_ items: ArraySlice<PendingAppend>) {
        metrics.recordsWaiting.add(items.count, ordering: .relaxed)
        var bytes = 0
        for item in items { bytes += item.record.bytes.count }
        health.pendingBytes.add(bytes, ordering: .relaxed)
        if !queue.enqueue(contentsOf: items) {
            metrics.recordsWaiting.subtract(items.count, ordering: .relaxed)
            health.pendingBytes.subtract(bytes, ordering: .relaxed)
            for item in items { item.completion(.failure(.closed)) }
        }
    }
}

/// Holds the writer (not Sendable: touched by its pool writer's thread alone).
private final class WriterBox: @unchecked Sendable {
    let writer: SegmentWriter
    init(_ writer: SegmentWriter) { self.writer = writer }
}
