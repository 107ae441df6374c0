import Foundation
import POSIX
import Synchronization

/// A small pool of dedicated threads that runs admin requests as a Swift `TaskExecutor`: a task started
/// with `run(_:)` executes every job (the GraphQL executor, resolvers, the blocking snapshot write and
/// fsync) on these threads, never on an event loop and never on the shared cooperative pool, so a slow
/// or hostile admin request cannot delay ingest. Jobs run in FIFO order; at most `threads` admin jobs
/// run at once and the rest wait in the queue.
public final class AdminWorkerPool: TaskExecutor, @unchecked Sendable {
    // @unchecked: `jobs`, `head` and `stopped` are only touched with `condition` locked.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var head = 0
    private var stopped = false

    /// The pool's threads, each recorded by itself as it starts.
    private let workerThreads = Mutex<[pthread_t]>([])

    public init(threads count: Int = 2, name: String = "sluice-admin") throws(SystemError) {
        do {
            for index in 0..<max(1, count) {
                // The threads hold the pool until `shutdown()` lets them exit; never joined.
                _ = try JoinableThread(name: "\(name)-\(index)") {
                    self.workerThreads.withLock { $0.append(pthread_self()) }
                    self.workerLoop()
                }
            }
        } catch {
            shutdown()
            throw error
        }
    }

    /// True when called on one of this pool's threads (a synchronous check for tests and assertions).
    public var isCurrentThreadAWorker: Bool {
        let current = pthread_self()
        return workerThreads.withLock { $0.contains { pthread_equal($0, current) != 0 } }
    }

    /// Starts `body` as a task whose jobs all run on this pool's threads.
    @discardableResult
    public func run<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> Task<T, Never> {
        Task(executorPreference: self) { await body() }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        condition.lock()
        jobs.append(unowned)
        condition.signal()
        condition.unlock()
    }

    /// Lets the threads finish the queued jobs and exit.
    public func shutdown() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private func workerLoop() {
        while let job = next() {
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }

    private func next() -> UnownedJob? {
        condition.lock()
        defer { condition.unlock() }
        while head == jobs.count {
            if stopped { return nil }
            condition.wait()
        }
        let job = jobs[head]
        head += 1
        if head == jobs.count {
            jobs.removeAll(keepingCapacity: true)
            head = 0
        }
        return job
    }
}
