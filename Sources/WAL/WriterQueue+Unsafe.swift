#if canImport(Glibc)
import WALFormat
import Glibc
#endif

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

/// The hand-off between appending threads and one pool writer thread: a pthread mutex and condition
/// variable (monotonic clock) around the list of waiting appends.
///
/// Guarantees: appends are taken in the order they were enqueued; after ``close()`` nothing more is
/// accepted and the writer still gets everything enqueued before; taking swaps buffers, so neither side
/// allocates in steady state.
final class WriterQueue: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var items: [PendingAppend] = []
    private var closed = false
    /// Set by ``nudge()``: the next wait returns `.timedOut` at once.
    private var nudged = false

    init() {
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
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
        pthread_mutex_lock(mutex)
        guard !closed else {
            pthread_mutex_unlock(mutex)
            return false
        }
        let wasEmpty = items.isEmpty
        add(&items)
        pthread_mutex_unlock(mutex)
        if wasEmpty { pthread_cond_signal(condition) }
        return true
    }

    func close() {
        pthread_mutex_lock(mutex)
        closed = true
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Wakes the writer without an append: its current or next wait returns `.timedOut`.
    func nudge() {
        pthread_mutex_lock(mutex)
        nudged = true
        pthread_mutex_unlock(mutex)
        pthread_cond_signal(condition)
    }

    enum Wait: Equatable {
        case items
        case timedOut
        case closed
    }

    /// Waits until appends are waiting (moved into the empty `out`), the queue is closed and empty, or the
    /// monotonic `deadline` (nanoseconds) passes.
    func take(into out: inout [PendingAppend], deadline: UInt64?) -> Wait {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while items.isEmpty {
            if closed { return .closed }
            if nudged {
                nudged = false
                return .timedOut
            }
            if let deadline {
                if MonotonicClock.nanoseconds() >= deadline { return .timedOut }
                var time = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
                _ = pthread_cond_timedwait(condition, mutex, &time)
            } else {
                pthread_cond_wait(condition, mutex)
            }
        }
        swap(&items, &out)
        return .items
    }

    /// Appends waiting to be taken (for the queue-depth metric).
    var depth: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return items.count
    }

    /// Moves whatever is waiting into the empty `out` without blocking; false when nothing was.
    func takeNow(into out: inout [PendingAppend]) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard !items.isEmpty else { return false }
        swap(&items, &out)
        return true
    }
}

/// The monotonic clock, in nanoseconds.
enum MonotonicClock {
    static func nanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}

/// A pthread that can be joined (the writer threads are plain threads, not Swift concurrency).
final class JoinableThread: @unchecked Sendable {
    private var thread = pthread_t()

    private final class Body {
        let run: () -> Void
        init(run: @escaping () -> Void) { self.run = run }
    }

    init(_ run: @escaping @Sendable () -> Void) {
        let body = Unmanaged.passRetained(Body(run: run)).toOpaque()
        let result = pthread_create(&thread, nil, { argument in
            let body = Unmanaged<Body>.fromOpaque(argument!).takeRetainedValue()
            body.run()
            return nil
        }, body)
        precondition(result == 0, "pthread_create failed: \(result)")
    }

    func join() {
        pthread_join(thread, nil)
    }
}

/// Wall-clock time, in seconds since the epoch (for retention ages, compared with file modification times).
enum WallClock {
    static func seconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
