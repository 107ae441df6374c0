#if canImport(Glibc)
import Glibc
#endif
import CSystemShims
import HTTPWire
import TLSSocket
import POSIX

/// One load-generating thread: its own epoll set and a share of the connections, HTTP/1.1 keep-alive, one
/// request in flight per connection. Closed loop: a connection sends its next request as soon as the answer
/// arrives. Open loop: requests follow an ``OpenLoopSchedule``; a due request goes out on the next free
/// connection and its latency counts from its scheduled time.
///
/// Guarantees: every request started is either answered (counted by status), lost to a counted error, or
/// counted as a timeout at the end of the drain; after the deadline no new request starts and answers in
/// flight are awaited up to `drainNanos`. Runs on one thread; nothing is shared but ``WorkerProgress`` and
/// the TLS context (OpenSSL contexts are thread-safe). Over https every socket does a TLS handshake first,
/// resuming the session its slot's previous socket ended with; a certificate the client does not accept
/// stops the run (no request could succeed).
final class BenchWorker: @unchecked Sendable {
    struct Plan: Sendable {
        var connections: Int
        /// Closed loop: at most this many requests.
        var requestBudget: Int
        var deadlineNanos: UInt64
        var drainNanos: UInt64
        var schedule: OpenLoopSchedule?
        /// Close each socket after this many answers and open a new one.
        var requestsPerConnection: Int?
        /// HEC acknowledgements: polls interleaved with the requests (nil: none).
        var ackPolling: AckPolling? = nil
        /// Requests at least this slow are listed one by one in ``WorkerResult/slowRequests`` (nil: none).
        var slowNanos: UInt64? = nil
    }

    let index: Int
    let plan: Plan
    let progress = WorkerProgress()
    var result = WorkerResult()
    private let target: SocketTarget
    /// https: the client context, and the host name the server's certificate must be for.
    private let tlsContext: TLSContext?
    private let host: String
    /// Why the run cannot go on (the server's certificate was refused); thrown once the worker has stopped.
    private var fatal: BenchError?
    let entries: [RequestPool.Entry]
    private var connections: [BenchConnection] = []
    private var epollFD: Int32 = -1
    private var issued = 0
    var inFlight = 0
    private var nextEntry: Int
    private var idle: [Int] = []
    var issuing = true
    private var closedCount = 0
    var now: UInt64 = 0
    private static let retryStepNanos: UInt64 = 100_000_000
    private static let openLoopTickNanos: UInt64 = 200_000

    init(index: Int, plan: Plan, target: SocketTarget, pool: RequestPool, tlsContext: TLSContext? = nil, host: String = "") {
        self.index = index
        self.plan = plan
        self.target = target
        self.tlsContext = tlsContext
        self.host = host
        entries = pool.entries
        nextEntry = (index * 7) % pool.entries.count
    }

    func run() throws(BenchError) {
        epollFD = sluice_epoll_create()
        guard epollFD >= 0 else { throw .system(call: "epoll_create1", errno: errno) }
        defer {
            for connection in connections where connection.fd >= 0 { close(connection.fd) }
            close(epollFD)
            progress.finished.store(true, ordering: .releasing)
        }
        now = MonotonicClock.nanoseconds()
        connections = (0..<plan.connections).map { BenchConnection(slot: $0) }
        for connection in connections { open(connection) }
        let capacity = 512
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
        defer { events.deallocate() }
        var drainDeadline = UInt64.max
        while true {
            now = MonotonicClock.nanoseconds()
            if issuing {
                if closedCount > 0 { reopenDue() }
                dispatchDue()
            }
            if issuing && shouldStopIssuing() {
                issuing = false
                drainDeadline = now &+ plan.drainNanos
                if let schedule = plan.schedule {
                    result.unsent += max(0, schedule.dueCount(at: min(now, schedule.endNanos)) - issued)
                }
            }
            if !issuing && (inFlight == 0 || now >= drainDeadline) { break }
            let count: Int
            do {
                count = try Syscall.epollWait(epollFD, events, capacity: Int32(capacity), timeoutNanos: waitNanos(drainDeadline))
            } catch {
                throw .system(call: error.call, errno: error.errno)
            }
            if count > 0 {
                now = MonotonicClock.nanoseconds()
                for i in 0..<Int(count) {
                    let data = sluice_epoll_event_data(events + i)
                    let connection = connections[Int(data & 0xFFFF_FFFF)]
                    guard connection.generation == UInt32(data >> 32) else { continue }
                    handle(connection, flags: sluice_epoll_event_flags(events + i))
                }
            }
        }
        for _ in 0..<inFlight { result.countError(.timeout) }
        if inFlight > 0 { _ = progress.errors.wrappingAdd(inFlight, ordering: .relaxed) }
        if let fatal { throw fatal }
    }

    private func shouldStopIssuing() -> Bool {
        if progress.stopRequested.load(ordering: .relaxed) || fatal != nil { return true }
        if let schedule = plan.schedule {
            return now >= schedule.endNanos || issued >= schedule.totalCount
        }
        return now >= plan.deadlineNanos || issued >= plan.requestBudget
    }

    private func waitNanos(_ drainDeadline: UInt64) -> Int64 {
        var wake = issuing ? plan.deadlineNanos : drainDeadline
        if issuing, let schedule = plan.schedule {
            wake = min(wake, schedule.endNanos)
            // Sends closer together than one tick go out together (up to a tick late, which their latency,
            // counted from the timetable, includes): one wake-up per request would cost more CPU than the send.
            if !idle.isEmpty { wake = min(wake, max(schedule.sendTime(of: issued), now &+ Self.openLoopTickNanos)) }
        }
        if closedCount > 0 { wake = min(wake, now &+ Self.retryStepNanos) }
        let limit: UInt64 = 250_000_000  // refresh at least 4 times a second
        return wake <= now ? 0 : Int64(min(wake - now, limit))
    }

    // MARK: Events

    private func handle(_ connection: BenchConnection, flags: UInt32) {
        switch connection.state {
        case .closed:
            return
        case .connecting:
            finishConnect(connection)
        case .handshaking:
            advanceHandshake(connection)
        case .writing:
            if flags & SLUICE_EPOLLOUT != 0 || (flags & SLUICE_EPOLLIN != 0 && connection.tls?.writeWantsRead == true) {
                continueWrite(connection)
            }
            if connection.state == .writing && flags & (SLUICE_EPOLLIN | SLUICE_EPOLLERR | SLUICE_EPOLLHUP) != 0 {
                readAvailable(connection)
            }
        case .reading, .idle:
            readAvailable(connection)
        }
    }

    // MARK: Connections

    func open(_ connection: BenchConnection) {
        let fd = sluice_socket_nonblocking(target.family, Int32(SOCK_STREAM.rawValue))
        guard fd >= 0 else { return fail(connection, .connect) }
        _ = sluice_set_int_sockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
        connection.fd = fd
        connection.generation &+= 1
        if connection.state == .closed && closedCount > 0 && connection.retryAtNanos != 0 { closedCount -= 1 }
        connection.retryAtNanos = 0
        let code = target.connect(fd)
        if code == 0 {
            register(connection, SLUICE_EPOLLIN)
            connected(connection)
        } else if errno == EINPROGRESS {
            connection.state = .connecting
            register(connection, SLUICE_EPOLLIN | SLUICE_EPOLLOUT)
        } else {
            fail(connection, .connect)
        }
    }

    private func register(_ connection: BenchConnection, _ interest: UInt32) {
        _ = sluice_epoll_ctl(epollFD, SLUICE_EPOLL_CTL_ADD, connection.fd, interest, connection.epollData)
    }

    func modify(_ connection: BenchConnection, _ interest: UInt32) {
        _ = sluice_epoll_ctl(epollFD, SLUICE_EPOLL_CTL_MOD, connection.fd, interest, connection.epollData)
    }

    private func finishConnect(_ connection: BenchConnection) {
        var code: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(connection.fd, SOL_SOCKET, SO_ERROR, &code, &length) == 0, code == 0 else {
            return fail(connection, .connect)
        }
        modify(connection, SLUICE_EPOLLIN)
        connected(connection)
    }

    /// The TCP connection is up: free for a request, or (https) the handshake starts.
    private func connected(_ connection: BenchConnection) {
        guard let tlsContext else {
            connection.state = .idle
            return ready(connection)
        }
        guard let session = TLSSession(client: tlsContext, fd: connection.fd, host: host, resuming: connection.resumable) else {
            return fail(connection, .tls)
        }
        connection.tls = session
        connection.state = .handshaking
        advanceHandshake(connection)
    }

    private func advanceHandshake(_ connection: BenchConnection) {
        guard let session = connection.tls else { return fail(connection, .tls) }
        let progress: TLSProgress<Void>
        do {
            progress = try session.handshake()
        } catch {
            if tlsContext?.verifiesPeer == true, let rejection = session.certificateRejection, fatal == nil {
                fatal = .tls("TLS handshake with \(host) failed: the server's certificate was not accepted (\(rejection)); "
                             + "give --ca FILE with the CA that signed it, or --insecure to skip the check")
            }
            return fail(connection, .tls)
        }
        switch progress {
        case .wouldBlock:
            modify(connection, session.readWantsWrite ? SLUICE_EPOLLOUT : SLUICE_EPOLLIN)
        case .done:
            result.tlsHandshakes += 1
            if session.wasResumed { result.tlsResumed += 1 }
            modify(connection, SLUICE_EPOLLIN)
            connection.state = .idle
            ready(connection)
        }
    }

    private func reopenDue() {
        for connection in connections where connection.state == .closed && connection.retryAtNanos <= now {
            open(connection)
        }
    }

    /// Closes the socket (which also removes it from the epoll set).
    func closeSocket(_ connection: BenchConnection) {
        if let session = connection.tls {
            // A session that never completed its handshake is not resumed: the next socket starts afresh.
            connection.resumable = session.isHandshaking ? nil : session.resumableSession() ?? connection.resumable
            session.shutdown()
            session.release()
            connection.tls = nil
        }
        connection.answeredOnSocket = 0
        connection.poll = nil
        if connection.fd >= 0 { close(connection.fd) }
        connection.fd = -1
        connection.state = .closed
        connection.wantsWrite = false
        connection.resetResponse()
        connection.chunked.reset()
    }

    /// A failure: counted, the request in flight (if any) lost, the connection reopened (after a back-off
    /// when it keeps failing).
    func fail(_ connection: BenchConnection, _ kind: BenchErrorKind) {
        result.countError(kind)
        _ = progress.errors.wrappingAdd(1, ordering: .relaxed)
        if connection.state == .writing || connection.state == .reading { inFlight -= 1 }
        closeSocket(connection)
        connection.consecutiveFailures += 1
        let steps = UInt64(min(connection.consecutiveFailures - 1, 10))
        if steps == 0 && issuing {
            open(connection)
        } else {
            connection.retryAtNanos = now &+ max(1, steps) * Self.retryStepNanos
            closedCount += 1
        }
    }

    // MARK: Requests

    /// A connection became free: closed loop sends at once, open loop parks it for the timetable.
    func ready(_ connection: BenchConnection) {
        guard issuing else { return }
        if plan.schedule != nil {
            idle.append(connection.slot)
            dispatchDue()
        } else if issued < plan.requestBudget && now < plan.deadlineNanos {
            start(connection, at: now)
        }
    }

    private func dispatchDue() {
        guard let schedule = plan.schedule, !idle.isEmpty else { return }
        let due = schedule.dueCount(at: now)
        while issued < due, let slot = idle.popLast() {
            let connection = connections[slot]
            guard connection.state == .idle else { continue }
            start(connection, at: schedule.sendTime(of: issued))
        }
    }

    private func start(_ connection: BenchConnection, at startNanos: UInt64) {
        if let polling = plan.ackPolling, !connection.ackIds.isEmpty, now &- connection.lastPollNanos >= polling.intervalNanos {
            // A poll goes out instead of this request (which the next free turn sends); it is not counted as one.
            connection.poll = polling.request(for: connection.ackIds)
            connection.lastPollNanos = now
            connection.writeOffset = 0
            connection.state = .writing
            inFlight += 1
            continueWrite(connection)
            return
        }
        connection.entryIndex = nextEntry
        nextEntry = nextEntry + 1 == entries.count ? 0 : nextEntry + 1
        connection.startNanos = startNanos
        connection.sentNanos = now
        connection.writeOffset = 0
        connection.state = .writing
        issued += 1
        inFlight += 1
        // TLS writes a request as one record (at most 16 KiB) per write; corked, the kernel sends them in
        // full-size segments instead of one segment per record, which the server then reads in fewer calls.
        if connection.tls != nil { _ = sluice_set_int_sockopt(connection.fd, Int32(IPPROTO_TCP), TCP_CORK, 1) }
        continueWrite(connection)
    }

    private func continueWrite(_ connection: BenchConnection) {
        let outcome: Int = (connection.poll ?? entries[connection.entryIndex].request).withUnsafeBytes { request in
            while connection.writeOffset < request.count {
                let rest = UnsafeRawBufferPointer(rebasing: request[connection.writeOffset...])
                if let session = connection.tls {
                    do {
                        switch try session.write(rest) {
                        case .done(let sent): connection.writeOffset += sent
                        case .wouldBlock: return 1
                        }
                    } catch {
                        return -2
                    }
                    continue
                }
                let sent: IOResult<Int>
                do {
                    sent = try Syscall.retrying("send") { send(connection.fd, rest.baseAddress!, rest.count, Int32(MSG_NOSIGNAL)) }
                } catch {
                    return -1
                }
                switch sent {
                case .done(let count) where count > 0: connection.writeOffset += count
                case .done: return -1
                case .wouldBlock: return 1
                }
            }
            return 0
        }
        switch outcome {
        case 0:
            if connection.tls != nil { _ = sluice_set_int_sockopt(connection.fd, Int32(IPPROTO_TCP), TCP_CORK, 0) }
            connection.state = .reading
            if connection.wantsWrite {
                connection.wantsWrite = false
                modify(connection, SLUICE_EPOLLIN)
            }
        case 1:
            if !connection.wantsWrite {
                connection.wantsWrite = true
                modify(connection, SLUICE_EPOLLIN | SLUICE_EPOLLOUT)
            }
        case -2:
            fail(connection, .tls)
        default:
            fail(connection, .io)
        }
    }
}
