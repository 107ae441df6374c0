#if canImport(Glibc)
import Glibc
#endif
import POSIX
import Synchronization
import Testing

@Suite struct ConditionMutexTests {
    @Test func waitWithAPassedDeadlineTimesOut() throws {
        let lock = try ConditionMutex()
        let woken = lock.withLock { lock.wait(untilMonotonicNanos: MonotonicClock.nanoseconds() - 1) }
        #expect(!woken)
    }

    /// A consumer sleeping with a far deadline is woken by the producer's signal, not by the deadline,
    /// and sees every item the producer queued under the lock, in order.
    @Test func signalWakesTheWaiterBeforeItsDeadline() throws {
        let lock = try ConditionMutex()
        nonisolated(unsafe) var queue: [Int] = []
        let taken = Mutex<[Int]>([])
        let deadline = MonotonicClock.nanoseconds() + 600_000_000_000
        let consumer = try JoinableThread {
            var got: [Int] = []
            lock.withLock {
                while got.count < 100 {
                    while queue.isEmpty {
                        let woken = lock.wait(untilMonotonicNanos: deadline)
                        precondition(woken, "deadline passed")
                    }
                    got.append(contentsOf: queue)
                    queue.removeAll()
                }
            }
            taken.withLock { $0 = got }
        }
        for item in 0..<100 {
            lock.withLock { queue.append(item) }
            lock.signal()
        }
        consumer.join()
        #expect(taken.withLock { $0 } == Array(0..<100))
        #expect(MonotonicClock.nanoseconds() < deadline)
    }
}
