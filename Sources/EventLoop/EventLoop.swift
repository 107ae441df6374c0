#if canImport(Glibc)
import Glibc
#endif
import CSystemShims
import Logging
import POSIX
import Synchronization

/// Something registered with an ``EventLoop``'s epoll set; called on the loop's thread only.
protocol LoopChannel: AnyObject {
    var fd: Int32 { get }
    /// The descriptor is ready; `flags` are the epoll event bits.
    func ready(flags: UInt32)
    /// Called once per loop tick (about twice a second) with the loop's monotonic clock in milliseconds.
    func tick(nowMillis: Int64)
    /// The loop is shutting down gracefully: stop taking new work, finish what is in flight.
    func beginDrain()
    /// The loop is exiting: release the descriptor now.
    func forceClose()
}

/// One epoll-driven thread. Channels registered with it run only on its thread; ``execute(_:)`` is the
/// only entry point safe to call from other threads (it wakes the loop through an eventfd).
///
/// epoll user data packs the channel's slot with a generation number, so an event for a descriptor
/// that was closed and whose slot was reused is recognised as stale and dropped.
///
/// epoll failures are not ignored. A channel whose interest cannot be changed (``modify(_:token:interest:)``)
/// would wait for events that never come, or be woken for ones it cannot use, so the loop logs the error
/// and closes the channel once the callback that asked has returned (closing inside it would leave the
/// caller working on a closed descriptor). A failed removal (``deregister(_:token:)``) is logged only: the
/// caller closes the descriptor next, which takes it out of the epoll set anyway. A failing `epoll_wait`
/// (other than EINTR) means the loop's own epoll descriptor is broken: it logs and stops, closing its
/// channels, and the kernel hands new connections to the other loops.
public final class EventLoop: @unchecked Sendable {
    public let index: Int
    let epollFD: Int32
    private let wakeFD: Int32
    private let mailbox = Mutex<[MailboxItem]>([])
    /// True while the loop is in (or about to enter) a blocking `epoll_wait`: only then does a post
    /// write the eventfd. Posting to an awake loop costs no system call, so a writer completing a
    /// group of requests wakes each loop at most once instead of once per request.
    private let sleeping = Atomic<Bool>(false)
    private var runningTasks: [MailboxItem] = []
    /// Deferred answers of this loop's connections that have not run from the mailbox yet: while there are
    /// any, the loop yields before it blocks (``waitForEvents(_:capacity:timeout:)``).
    private(set) var awaitedAnswers = 0
    private var slots: [LoopChannel?] = []
    private var generations: [UInt32] = []
    private var freeSlots: [Int] = []
    private var draining = false
    private var drainDeadline: Int64 = 0
    private var stopped = false
    /// The loop's clock, refreshed once per wake-up.
    public private(set) var nowMillis: Int64 = MonotonicClock.milliseconds()
    private var nextTick: Int64 = 0
    /// Channels whose epoll interest could not be changed, closed by ``closeFailedChannels()``.
    private var failedChannels: [(channel: LoopChannel, error: SystemError)] = []
    let logger: Logger
    /// TLS handshakes in progress on this loop (HTTPConnection+TLS); above the configured cap, new TLS
    /// connections are closed at once.
    var tlsHandshakesInProgress = 0
    /// Grown read buffers the loop's connections keep between requests.
    var largeBuffers: LargeBufferBudget
    /// Standard read buffers of connections that have nothing to read (see ``ReadBufferPool``).
    var readBuffers: ReadBufferPool
    /// Bytes the loop's connections grew their buffers by for bodies still arriving
    /// (``HTTPServerConfiguration/maxInflightBodyBytesPerLoop``).
    var inflightBodyBytes = 0
    /// The loop's connections without a verified credential yet, oldest first.
    private(set) var unauthenticated = UnauthenticatedConnections()
    /// `unauthenticated.count`, readable from other loops' listeners: a full server whose accepting loop
    /// has no unauthenticated connection asks a loop that has one to make room.
    let unauthenticatedCount = Atomic<Int>(0)
    /// Runs at the end of every wake-up, after every ready descriptor and mailbox task was served (the
    /// loop's ``HTTPHandler/wakeUpDidEnd()``): work gathered during the wake-up is handed on in one go.
    /// Set before the loop runs; cleared when it exits.
    var wakeUpEnd: (() -> Void)?
    /// Runs every tick after the connections' ticks (the loop's ``HTTPHandler/tick(nowMillis:)``). Set before
    /// the loop runs; cleared when it exits.
    var tickEnd: ((Int64) -> Void)?
    private static let tickMillis: Int64 = 500
    private static let wakeSlot = UInt64(UInt32.max)

    /// `keptReadBufferBytes`: see ``HTTPServerConfiguration/keptReadBufferBytesPerLoop``.
    public init(index: Int, keptReadBufferBytes: Int = HTTPServerConfiguration().keptReadBufferBytesPerLoop,
                pooledReadBuffers: Int = HTTPServerConfiguration().pooledReadBuffersPerLoop,
                logger: Logger = Logger(label: "sluice.loop")) throws(SystemError) {
        self.index = index
        self.logger = logger
        readBuffers = ReadBufferPool(bufferSize: HTTPConnection.initialBufferSize, maxPooled: pooledReadBuffers)
        largeBuffers = LargeBufferBudget(perConnection: HTTPServerConfiguration.keptReadBufferBytesPerConnection,
                                         total: keptReadBufferBytes)
        epollFD = sluice_epoll_create()
        guard epollFD >= 0 else { throw SystemError("epoll_create1", errno: errno) }
        wakeFD = sluice_eventfd()
        guard wakeFD >= 0 else { throw SystemError("eventfd", errno: errno) }
        try Syscall.epollControl(epollFD, SLUICE_EPOLL_CTL_ADD, wakeFD, events: SLUICE_EPOLLIN, data: Self.wakeSlot)
    }

    deinit {
        Syscall.close(wakeFD)
        Syscall.close(epollFD)
    }

    // MARK: Unauthenticated connections

    func joinUnauthenticated(_ connection: HTTPConnection) {
        unauthenticated.add(connection)
        unauthenticatedCount.store(unauthenticated.count, ordering: .relaxed)
    }

    func leaveUnauthenticated(_ connection: HTTPConnection) {
        guard connection.isListedUnauthenticated else { return }
        unauthenticated.remove(connection)
        unauthenticatedCount.store(unauthenticated.count, ordering: .relaxed)
    }

    // MARK: Cross-thread

    /// Runs `task` on the loop's thread soon. Safe from any thread.
    public func execute(_ task: @escaping @Sendable () -> Void) {
        post(.task(task))
    }

    /// Work posted from other threads: a task, or a deferred answer for a connection (carried as data so
    /// answering costs no closure of its own).
    enum MailboxItem {
        case task(@Sendable () -> Void)
        case answer(Token, sequence: UInt64, write: @Sendable (inout [UInt8], Bool) -> Void)
    }

    func post(_ item: MailboxItem) {
        mailbox.withLock { $0.append(item) }
        // Pairs with `run`: the loop sets `sleeping` before it last looks at the mailbox, so either it
        // sees this item or this exchange sees `true` and wakes it.
        if sleeping.exchange(false, ordering: .sequentiallyConsistent) { _ = sluice_eventfd_signal(wakeFD) }
    }

    private var mailboxIsEmpty: Bool { mailbox.withLock { $0.isEmpty } }

    /// Asks the loop to stop accepting, finish requests in flight and exit within `graceMillis`.
    public func requestShutdown(graceMillis: Int64) {
        execute { [self] in
            guard !draining else { return }
            draining = true
            drainDeadline = nowMillis + graceMillis
            for case let channel? in slots { channel.beginDrain() }
        }
    }

    public var isDraining: Bool { draining }

    // MARK: Registration (loop thread only)

    struct Token: Equatable {
        let slot: Int
        let generation: UInt32
        var packed: UInt64 { UInt64(generation) << 32 | UInt64(slot) }
    }

    func register(_ channel: LoopChannel, interest: UInt32) throws(SystemError) -> Token {
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
        } else {
            slot = slots.count
            slots.append(nil)
            generations.append(0)
        }
        generations[slot] &+= 1
        let token = Token(slot: slot, generation: generations[slot])
        do {
            try Syscall.epollControl(epollFD, SLUICE_EPOLL_CTL_ADD, channel.fd, events: interest, data: token.packed)
        } catch {
            freeSlots.append(slot)
            throw error
        }
        slots[slot] = channel
        return token
    }

    /// Changes the events the channel waits for. When epoll refuses, the channel is closed (logged) after
    /// the current callback returns.
    func modify(_ channel: LoopChannel, token: Token, interest: UInt32) {
        do {
            try Syscall.epollControl(epollFD, SLUICE_EPOLL_CTL_MOD, channel.fd, events: interest, data: token.packed)
        } catch {
            failedChannels.append((channel, error))
        }
    }

    /// Removes the channel from the epoll set and frees its slot; the caller closes the descriptor.
    func deregister(_ channel: LoopChannel, token: Token) {
        do {
            try Syscall.epollControl(epollFD, SLUICE_EPOLL_CTL_DEL, channel.fd, events: 0, data: 0)
        } catch {
            logger.error("epoll registration not removed; the descriptor is closed", metadata: [
                "fd": "\(channel.fd)", "error": "\(error)",
            ])
        }
        guard slots[token.slot] === channel else { return }
        slots[token.slot] = nil
        freeSlots.append(token.slot)
    }

    /// Closes the channels whose interest could not be changed.
    private func closeFailedChannels() {
        while let (channel, error) = failedChannels.popLast() {
            logger.error("epoll interest not changed; closing the channel", metadata: [
                "fd": "\(channel.fd)", "error": "\(error)",
            ])
            channel.forceClose()
        }
    }

    /// A connection of this loop deferred a request: its answer comes through the mailbox.
    func answerDeferred() { awaitedAnswers += 1 }

    /// The channel registered under `token`, if it is still the same registration.
    func channel(for token: Token) -> LoopChannel? {
        guard token.slot < slots.count, generations[token.slot] == token.generation else { return nil }
        return slots[token.slot]
    }

    var channelCount: Int { slots.count - freeSlots.count }

    // MARK: Running

    /// Runs the loop on the calling thread until it has drained after ``requestShutdown(graceMillis:)``.
    public func run() {
        let capacity = 256
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
        defer { events.deallocate() }
        nextTick = nowMillis + Self.tickMillis
        while !stopped {
            var timeout = Int32(clamping: max(0, nextTick - nowMillis))
            sleeping.store(true, ordering: .sequentiallyConsistent)
            if !mailboxIsEmpty {
                sleeping.store(false, ordering: .relaxed)
                timeout = 0
            }
            let count: Int
            do {
                count = try waitForEvents(events, capacity: Int32(capacity), timeout: timeout)
            } catch {
                logger.critical("epoll_wait failed; the loop stops", metadata: ["loop": "\(index)", "error": "\(error)"])
                break
            }
            sleeping.store(false, ordering: .relaxed)
            nowMillis = MonotonicClock.milliseconds()
            for i in 0..<count {
                let data = sluice_epoll_event_data(events + i)
                let flags = sluice_epoll_event_flags(events + i)
                if data == Self.wakeSlot {
                    _ = sluice_eventfd_drain(wakeFD)
                    continue
                }
                let token = Token(slot: Int(data & 0xFFFF_FFFF), generation: UInt32(data >> 32))
                channel(for: token)?.ready(flags: flags)
                if !failedChannels.isEmpty { closeFailedChannels() }
            }
            runMailbox()
            if !failedChannels.isEmpty { closeFailedChannels() }
            if count > 0 || !runningTasks.isEmpty { wakeUpEnd?() }
            runningTasks.removeAll(keepingCapacity: true)
            if nowMillis >= nextTick {
                nextTick = nowMillis + Self.tickMillis
                for case let channel? in slots { channel.tick(nowMillis: nowMillis) }
                tickEnd?(nowMillis)
                if !failedChannels.isEmpty { closeFailedChannels() }
            }
            if draining && (channelCount == 0 || nowMillis >= drainDeadline) { stopped = true }
        }
        sleeping.store(false, ordering: .relaxed)
        failedChannels.removeAll()
        for case let channel? in slots { channel.forceClose() }
        runMailbox()
        runningTasks.removeAll(keepingCapacity: true)
        wakeUpEnd?()
        wakeUpEnd = nil
        tickEnd = nil
    }

    /// Waits for ready descriptors. With nothing ready while answers it awaits are in flight (deferred
    /// requests whose WAL appends the writer is completing), the loop yields its core once and looks again
    /// before it blocks: the writer then runs first and the loop goes on with its answers and a fuller batch
    /// instead of sleeping and being woken for a request or two. On a core with nothing else to run the
    /// yield returns at once. With no answer awaited it blocks at once: what it would wait for is a client,
    /// and a yield then only hands the core to whatever else is runnable for a whole time slice while
    /// requests arriving on the loop's connections wait for it.
    ///
    /// This cuts context switches and server CPU per small request. `perf/cpu-per-request.sh` and
    /// `perf/latency.sh` measure it (`perf/latency.md`).
    private func waitForEvents(_ events: UnsafeMutablePointer<epoll_event>, capacity: Int32, timeout: Int32) throws(SystemError) -> Int {
        let ready = try Syscall.epollWait(epollFD, events, capacity: capacity, timeoutMillis: 0)
        guard ready == 0, timeout > 0 else { return ready }
        guard awaitedAnswers > 0 else {
            return try Syscall.epollWait(epollFD, events, capacity: capacity, timeoutMillis: timeout)
        }
        sched_yield()
        let afterYield = try Syscall.epollWait(epollFD, events, capacity: capacity, timeoutMillis: 0)
        guard afterYield == 0 else { return afterYield }
        return try Syscall.epollWait(epollFD, events, capacity: capacity, timeoutMillis: timeout)
    }

    /// Runs what other threads posted; leaves the items in `runningTasks` until the caller clears it.
    private func runMailbox() {
        mailbox.withLock { queue in swap(&queue, &runningTasks) }
        for item in runningTasks {
            switch item {
            case .task(let task):
                task()
            case .answer(let token, let sequence, let write):
                // Never below zero: a count that drifted down would only stop the yield, not break the loop.
                awaitedAnswers = max(0, awaitedAnswers - 1)
                (channel(for: token) as? HTTPConnection)?.completeDeferred(sequence: sequence, write)
            }
        }
    }

    /// The clock of ``nowMillis`` (``MonotonicClock`` in milliseconds), for handlers timing work off the loop.
    public static func monotonicNowMillis() -> Int64 { MonotonicClock.milliseconds() }
}
