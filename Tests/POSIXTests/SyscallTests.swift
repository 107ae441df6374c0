#if canImport(Glibc)
import Glibc
#endif
import CSystemShims
import Foundation
import POSIX
import Synchronization
import Testing

/// Signals the interrupted-read test's handler has seen.
private let signalsHandled = Atomic<Int>(0)

@Suite struct SyscallTests {
    /// A pipe (read end, write end); `nonBlocking` sets O_NONBLOCK on the read end.
    func pipe(nonBlocking: Bool = false) throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        try #require(Glibc.pipe(&fds) == 0)
        if nonBlocking { _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK) }
        return (fds[0], fds[1])
    }

    @Test func readReturnsTheBytesWritten() throws {
        let (r, w) = try pipe()
        defer { Syscall.close(r); Syscall.close(w) }
        let sent: [UInt8] = Array("hello".utf8)
        #expect(try sent.withUnsafeBytes { try Syscall.write(w, $0) } == .done(5))
        var buffer = [UInt8](repeating: 0, count: 16)
        #expect(try buffer.withUnsafeMutableBytes { try Syscall.read(r, $0) } == .done(5))
        #expect(Array(buffer[0..<5]) == sent)
    }

    @Test func emptyNonBlockingReadWouldBlock() throws {
        let (r, w) = try pipe(nonBlocking: true)
        defer { Syscall.close(r); Syscall.close(w) }
        var buffer = [UInt8](repeating: 0, count: 16)
        #expect(try buffer.withUnsafeMutableBytes { try Syscall.read(r, $0) } == .wouldBlock)
    }

    @Test func otherErrorsAreThrownWithTheCall() throws {
        let (r, w) = try pipe()
        Syscall.close(r)
        Syscall.close(w)
        var buffer = [UInt8](repeating: 0, count: 16)
        #expect(throws: SystemError("read", errno: EBADF)) { try buffer.withUnsafeMutableBytes { try Syscall.read(r, $0) } }
        #expect(throws: SystemError("write", errno: EBADF)) { try buffer.withUnsafeBytes { try Syscall.write(w, $0) } }
        #expect(SystemError("read", errno: EBADF).description == "read: Bad file descriptor (errno \(EBADF))")
    }

    @Test func epollErrorsNameTheOperation() throws {
        let (r, w) = try pipe()
        defer { Syscall.close(r); Syscall.close(w) }
        let epollFD = sluice_epoll_create()
        try #require(epollFD >= 0)
        defer { Syscall.close(epollFD) }
        #expect(throws: SystemError("epoll_ctl(mod)", errno: ENOENT)) {
            try Syscall.epollControl(epollFD, SLUICE_EPOLL_CTL_MOD, r, events: SLUICE_EPOLLIN, data: 1)
        }
        try Syscall.epollControl(epollFD, SLUICE_EPOLL_CTL_ADD, r, events: SLUICE_EPOLLIN, data: 7)
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: 4)
        defer { events.deallocate() }
        #expect(try Syscall.epollWait(epollFD, events, capacity: 4, timeoutMillis: 0) == 0)
        _ = [UInt8(1)].withUnsafeBytes { Glibc.write(w, $0.baseAddress, 1) }
        #expect(try Syscall.epollWait(epollFD, events, capacity: 4, timeoutMillis: -1) == 1)
        #expect(sluice_epoll_event_data(events) == 7)
        try Syscall.epollControl(epollFD, SLUICE_EPOLL_CTL_DEL, r, events: 0, data: 0)
        #expect(throws: SystemError("epoll_ctl(del)", errno: ENOENT)) {
            try Syscall.epollControl(epollFD, SLUICE_EPOLL_CTL_DEL, r, events: 0, data: 0)
        }
        #expect(throws: SystemError("epoll_wait", errno: EBADF)) {
            try Syscall.epollWait(-1, events, capacity: 4, timeoutMillis: 0)
        }
    }

    /// What a reader thread's read returned.
    final class Outcome: Sendable {
        let value = Mutex<Result<IOResult<Int>, SystemError>?>(nil)
    }

    /// Starts a thread that reads `fd` (an empty blocking pipe) through `read` with SIGUSR1 unblocked, waits
    /// until it sits in read(2), signals it with a handler that does not ask for restart (so the kernel ends the
    /// read with EINTR), and returns once the handler has run.
    func interruptBlockedRead(_ fd: Int32,
                              _ read: @escaping @Sendable (UnsafeMutableRawBufferPointer) -> Result<IOResult<Int>, SystemError>)
        throws -> (JoinableThread, Outcome) {
        let reader = Mutex<pthread_t?>(nil)
        let outcome = Outcome()
        let thread = try JoinableThread(name: "eintr-reader") {
            var unblock = sigset_t()
            sigemptyset(&unblock)
            sigaddset(&unblock, SIGUSR1)
            pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
            reader.withLock { $0 = pthread_self() }
            let byte = UnsafeMutableRawBufferPointer.allocate(byteCount: 1, alignment: 1)
            defer { byte.deallocate() }
            let result = read(byte)
            outcome.value.withLock { $0 = result }
        }
        try Self.waitUntilBlockedInRead(fd: fd)
        let before = signalsHandled.load(ordering: .relaxed)
        pthread_kill(reader.withLock { $0! }, SIGUSR1)
        while signalsHandled.load(ordering: .relaxed) == before { sched_yield() }
        return (thread, outcome)
    }

    /// Installs a SIGUSR1 handler that counts into `signalsHandled`, without SA_RESTART (so an interrupted
    /// call fails with EINTR unless retried); returns the action it replaced.
    static func countSIGUSR1() throws -> sigaction {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in signalsHandled.add(1, ordering: .relaxed) }
        action.sa_flags = 0
        sigemptyset(&action.sa_mask)
        var previous = sigaction()
        try #require(sigaction(SIGUSR1, &action, &previous) == 0)
        return previous
    }

    static func restoreSIGUSR1(_ previous: sigaction) {
        var previous = previous
        sigaction(SIGUSR1, &previous, nil)
    }

    /// A thread blocks in `Syscall.read` on an empty pipe and is interrupted by a signal: the wrapper reads
    /// again, and the byte written afterwards arrives. The same interruption ends a bare read(2) with EINTR,
    /// so the test does interrupt the call.
    @Test func interruptedReadIsRetried() throws {
        let previous = try Self.countSIGUSR1()
        defer { Self.restoreSIGUSR1(previous) }
        let (r, w) = try pipe()
        defer { Syscall.close(r); Syscall.close(w) }

        let (bare, bareOutcome) = try interruptBlockedRead(r) { buffer in
            let count = Glibc.read(r, buffer.baseAddress, buffer.count)
            return count < 0 ? .failure(SystemError("read", errno: errno)) : .success(.done(count))
        }
        bare.join()
        #expect(bareOutcome.value.withLock { $0 } == .failure(SystemError("read", errno: EINTR)))

        let (wrapped, outcome) = try interruptBlockedRead(r) { buffer in
            Result { () throws(SystemError) in try Syscall.read(r, buffer) }
        }
        // The handler ran while the thread was blocked; the retried read blocks again until data comes.
        try Self.waitUntilBlockedInRead(fd: r)
        #expect(outcome.value.withLock { $0 } == nil)
        _ = [UInt8(42)].withUnsafeBytes { Glibc.write(w, $0.baseAddress, 1) }
        wrapped.join()
        #expect(outcome.value.withLock { $0 } == .success(.done(1)))
    }

    /// The blocking wrapper retries an interrupted read as the non-blocking one does.
    @Test func interruptedBlockingReadIsRetried() throws {
        let previous = try Self.countSIGUSR1()
        defer { Self.restoreSIGUSR1(previous) }
        let (r, w) = try pipe()
        defer { Syscall.close(r); Syscall.close(w) }
        let (wrapped, outcome) = try interruptBlockedRead(r) { buffer in
            Result { () throws(SystemError) in
                .done(try Syscall.blocking("read") { Glibc.read(r, buffer.baseAddress, buffer.count) })
            }
        }
        try Self.waitUntilBlockedInRead(fd: r)
        #expect(outcome.value.withLock { $0 } == nil)
        _ = [UInt8(7)].withUnsafeBytes { Glibc.write(w, $0.baseAddress, 1) }
        wrapped.join()
        #expect(outcome.value.withLock { $0 } == .success(.done(1)))
    }

    /// On a blocking call every failure is thrown, EAGAIN included, and 0-or-minus-one calls report theirs.
    @Test func blockingCallsThrowEveryFailure() throws {
        let (r, w) = try pipe(nonBlocking: true)
        defer { Syscall.close(r); Syscall.close(w) }
        var buffer = [UInt8](repeating: 0, count: 4)
        #expect(throws: SystemError("read", errno: EAGAIN)) {
            try buffer.withUnsafeMutableBytes { raw in
                _ = try Syscall.blocking("read") { Glibc.read(r, raw.baseAddress, raw.count) }
            }
        }
        #expect(throws: SystemError("ftruncate", errno: EINVAL)) { try Syscall.checked("ftruncate") { ftruncate(w, 0) } }
        try Syscall.checked("fcntl") { fcntl(w, F_GETFL) >= 0 ? 0 : -1 }
    }

    /// `writeAll` writes more than a pipe holds (a reader empties it meanwhile) and `readToEnd` reads all of it
    /// back, in order, up to the writer's close; past its limit it refuses.
    @Test func writeAllAndReadToEndMoveEveryByte() throws {
        let payload = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let (r, w) = try pipe()
        let writer = try JoinableThread(name: "write-all") {
            _ = try? payload.withUnsafeBytes { bytes in try Syscall.writeAll(w, bytes) }
            Syscall.close(w)
        }
        #expect(try Syscall.readToEnd(r, expected: 10) == payload)
        Syscall.close(r)
        writer.join()

        let (r2, w2) = try pipe()
        defer { Syscall.close(r2) }
        try payload[0..<2000].withUnsafeBytes { bytes in try Syscall.writeAll(w2, bytes) }
        Syscall.close(w2)
        #expect(throws: SystemError("read", errno: EFBIG)) { try Syscall.readToEnd(r2, limit: 1000) }
    }

    /// Waits until some thread of this process sits in `read(fd, …)` (`/proc/self/task/*/syscall`).
    static func waitUntilBlockedInRead(fd: Int32) throws {
        #if arch(x86_64)
        let readNumber = "0"
        #else
        let readNumber = "63"
        #endif
        let prefix = "\(readNumber) 0x\(String(fd, radix: 16)) "
        while true {
            for task in try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task") {
                if let line = try? String(contentsOfFile: "/proc/self/task/\(task)/syscall", encoding: .utf8), line.hasPrefix(prefix) {
                    return
                }
            }
            sched_yield()
        }
    }
}
