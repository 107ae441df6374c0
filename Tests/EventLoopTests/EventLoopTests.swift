#if canImport(Glibc)
import Glibc
#endif
import CSystemShims
import Dispatch
import Logging
import POSIX
import Synchronization
import Testing
@testable import EventLoop

/// Log messages kept for assertions.
final class CapturedLogs: Sendable {
    let messages = Mutex<[(message: String, error: String)]>([])

    var logger: Logger {
        Logger(label: "test") { _ in CapturingHandler(logs: self) }
    }

    struct CapturingHandler: LogHandler {
        let logs: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
                 file: String, function: String, line: UInt) {
            logs.messages.withLock { $0.append(("\(message)", metadata?["error"].map { "\($0)" } ?? "")) }
        }
    }
}

@Suite struct EventLoopTests {
    /// A channel on a pipe's read end whose descriptor number the test can swap for one epoll does not know.
    final class PipeChannel: LoopChannel, @unchecked Sendable {
        var fd: Int32
        unowned let loop: EventLoop
        var token = EventLoop.Token(slot: 0, generation: 0)
        let closed = DispatchSemaphore(value: 0)
        var closes = 0

        init(fd: Int32, loop: EventLoop) {
            self.fd = fd
            self.loop = loop
        }

        func ready(flags: UInt32) {}
        func tick(nowMillis: Int64) {}
        func beginDrain() { forceClose() }
        func forceClose() {
            guard closes == 0 else { return }
            closes += 1
            loop.deregister(self, token: token)
            closed.signal()
        }
    }

    func pipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        try #require(Glibc.pipe(&fds) == 0)
        return (fds[0], fds[1])
    }

    /// A loop logging into `logs`, a ``PipeChannel`` registered on a pipe, and the read end of a second pipe
    /// epoll does not know (for the channel to swap to); the pipes are closed after `body`.
    func withRegisteredChannel(_ body: (CapturedLogs, EventLoop, PipeChannel, _ unknown: Int32) throws -> Void) throws {
        let logs = CapturedLogs()
        let loop = try EventLoop(index: 0, logger: logs.logger)
        let (registered, registeredWrite) = try pipe()
        let (unknown, unknownWrite) = try pipe()
        defer { for fd in [registered, registeredWrite, unknown, unknownWrite] { Syscall.close(fd) } }
        let channel = PipeChannel(fd: registered, loop: loop)
        channel.token = try loop.register(channel, interest: SLUICE_EPOLLIN)
        try body(logs, loop, channel, unknown)
    }

    /// epoll refusing an interest change closes the channel once the callback that asked has returned,
    /// and logs why.
    @Test func refusedInterestChangeClosesTheChannelAfterTheCallback() throws {
        try withRegisteredChannel { logs, loop, channel, unknown in
            let thread = try JoinableThread(name: "loop-test") { loop.run() }
            let closesInsideCallback = Mutex(-1)
            loop.execute {
                channel.fd = unknown  // epoll_ctl(MOD) on a descriptor not in the set: ENOENT
                loop.modify(channel, token: channel.token, interest: SLUICE_EPOLLIN | SLUICE_EPOLLOUT)
                closesInsideCallback.withLock { $0 = channel.closes }
            }
            let closedInTime = channel.closed.wait(timeout: .now() + 30) == .success
            loop.requestShutdown(graceMillis: 0)
            thread.join()
            #expect(closedInTime)
            #expect(closesInsideCallback.withLock { $0 } == 0)
            #expect(channel.closes == 1 && loop.channelCount == 0)
            let logged = logs.messages.withLock { $0 }
            #expect(logged.contains { $0.message == "epoll interest not changed; closing the channel"
                    && $0.error == "\(SystemError("epoll_ctl(mod)", errno: ENOENT))" })
        }
    }

    /// A removal epoll refuses is logged; the slot is freed all the same (the caller closes the descriptor).
    @Test func refusedRemovalIsLoggedAndTheSlotFreed() throws {
        try withRegisteredChannel { logs, loop, channel, unknown in
            #expect(loop.channelCount == 1)
            channel.fd = unknown
            loop.deregister(channel, token: channel.token)
            #expect(loop.channelCount == 0)
            let logged = logs.messages.withLock { $0 }
            #expect(logged.map(\.message) == ["epoll registration not removed; the descriptor is closed"])
            #expect(logged.first?.error == "\(SystemError("epoll_ctl(del)", errno: ENOENT))")
        }
    }
}
