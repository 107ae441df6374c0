#if canImport(Glibc)
import WALFormat
import Glibc
#endif
import POSIX

/// One append waiting for its repository's writer.
struct PendingAppend: Sendable {
    var record: WALRecord
    var completion: @Sendable (Result<WALPosition, WALError>) -> Void
    /// The repository's log state, which only the pool writer thread touches.
    var target: SegmentWriterRef
    /// What the item asks of the writer (see ``SpaceClaim``).
    var claim: SpaceClaim = .none
}

/// How an item takes part in an all-or-nothing append (``SplitAppend``): a reservation of space in the
/// active segment for a record that follows, that record, or the release of a reservation not used.
enum SpaceClaim: Sendable, Equatable {
    /// An ordinary append.
    case none
    /// Make room for `bytes` of record in the active segment (zeros written ahead of the records) and
    /// keep the segment from rotating or closing until the record or the release arrives; the item's
    /// record is empty.
    case reserve(bytes: Int)
    /// The record a reservation made room for.
    case reserved
    /// Gives back a reservation whose record will not come; the item's record is empty.
    case release(bytes: Int)
}

/// A repository's ``SegmentWriter``, unretained, as carried to its pool writer by each append: the
/// ``RepositoryLog`` that owns it lives as long as the ``WALStore`` (longer than any queued append), and
/// retaining it per append made every loop bump the same reference count.
struct SegmentWriterRef: @unchecked Sendable {
    let unmanaged: Unmanaged<SegmentWriter>
    init(_ writer: SegmentWriter) { unmanaged = .passUnretained(writer) }
    var writer: SegmentWriter { unmanaged.takeUnretainedValue() }
}

/// The hand-off between appending threads and one pool writer thread: a mutex and condition variable
/// (monotonic clock) around the list of waiting appends.
///
/// Guarantees: appends are taken in the order they were enqueued; after ``close()`` nothing more is
/// accepted and the writer still gets everything enqueued before; taking swaps buffers, so neither side
/// allocates in steady state.
final class WriterQueue: @unchecked Sendable {
    private let lock: ConditionMutex
    private var items: [PendingAppend] = []
    private var closed = false
    /// Set by ``nudge()``: the next wait returns `.timedOut` at once.
    private var nudged = false

    init() throws(SystemError) {
        lock = try ConditionMutex()
    }

    /// Adds an append; false when the queue is closed.
    func enqueue(_ item: PendingAppend) -> Bool {
        enqueue { $0.append(item) }
    }

    /// Adds several appends under one lock, waking the writer at most once; false (nothing added) when
    /// the queue is closed.
    func enqueue(contentsOf newItems: ArraySlice<PendingAppend>) -> Bool {
        enqueue { $0.append(contentsOf: newItems) }
    }

    /// Adds under the mutex and signals the writer after releasing it when the list was empty: a writer
    /// woken while the appender still held the mutex would block on it at once and need a second wake-up.
    private func enqueue(_ add: (inout [PendingAppend]) -> Void) -> Bool {
        lock.lock()
        guard !closed else {
            lock.unlock()
            return false
        }
        let wasEmpty = items.isEmpty
        add(&items)
        lock.unlock()
        if wasEmpty { lock.signal() }
        return true
    }

    func close() {
        lock.lock()
        closed = true
        lock.signal()
        lock.unlock()
    }

    /// Wakes the writer without an append: its current or next wait returns `.timedOut`.
    func nudge() {
        lock.lock()
        nudged = true
        lock.unlock()
        lock.signal()
    }

    enum Wait: Equatable {
        case items
        case timedOut
        case closed
    }

    /// Waits until appends are waiting (moved into the empty `out`), the queue is closed and empty, or the
    /// monotonic `deadline` (nanoseconds) passes.
    func take(into out: inout [PendingAppend], deadline: UInt64?) -> Wait {
        lock.lock()
        defer { lock.unlock() }
        while items.isEmpty {
            if closed { return .closed }
            if nudged {
                nudged = false
                return .timedOut
            }
            if let deadline {
                if MonotonicClock.nanoseconds() >= deadline { return .timedOut }
                // Whether the wait timed out is read again from the clock above, after items are looked at.
                _ = lock.wait(untilMonotonicNanos: deadline)
            } else {
                lock.wait()
            }
        }
        swap(&items, &out)
        return .items
    }

    /// Appends waiting to be taken (for the queue-depth metric).
    var depth: Int {
        lock.withLock { items.count }
    }

    /// Moves whatever is waiting into the empty `out` without blocking; false when nothing was.
    func takeNow(into out: inout [PendingAppend]) -> Bool {
        lock.withLock {
            guard !items.isEmpty else { return false }
            swap(&items, &out)
            return true
        }
    }
}
