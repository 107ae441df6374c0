#if canImport(Glibc)
import Glibc
#endif
import Foundation
import POSIX
import Synchronization
import Testing

@Suite struct JoinableThreadTests {
    /// The body runs on a thread of its own, named as asked, and `join` returns once it has finished.
    @Test func runsTheBodyAndJoinWaitsForIt() throws {
        let seen = Mutex<(ran: Bool, name: String, sameThread: Bool)>((false, "", true))
        let caller = pthread_self()
        let thread = try JoinableThread(name: "posix-test-thread-name") {
            let named = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
            let same = pthread_equal(pthread_self(), caller) != 0
            seen.withLock { $0 = (true, named, same) }
        }
        thread.join()
        let result = seen.withLock { $0 }
        #expect(result.ran)
        #expect(result.name == "posix-test-thre\n")  // Linux keeps 15 characters
        #expect(!result.sameThread)
        thread.join()  // a second join returns at once
    }

    /// Joining from several threads: each returns only after the body finished.
    @Test func everyJoinerWaitsForTheEnd() throws {
        let lock = try ConditionMutex()
        let release = Mutex(false)
        let finished = Atomic<Bool>(false)
        let worker = try JoinableThread {
            lock.withLock { while !release.withLock({ $0 }) { lock.wait() } }
            finished.store(true, ordering: .sequentiallyConsistent)
        }
        let sawFinished = Atomic<Int>(0)
        let joiners = try (0..<3).map { _ in
            try JoinableThread {
                worker.join()
                if finished.load(ordering: .sequentiallyConsistent) { sawFinished.add(1, ordering: .relaxed) }
            }
        }
        lock.withLock { release.withLock { $0 = true } }
        lock.broadcast()
        for joiner in joiners { joiner.join() }
        #expect(sawFinished.load(ordering: .relaxed) == 3)
    }
}
