#if canImport(Glibc)
import Glibc
#endif
import Logging
import Synchronization

/// What every loop of one server shares.
final class HTTPServerContext: Sendable {
    let configuration: HTTPServerConfiguration
    let metrics: ServerMetrics
    let logger: Logger
    private let lastExhaustionLog = Atomic<Int64>(0)
    /// Every loop, set once before any of them runs.
    private let loops = Mutex<[EventLoop]>([])

    init(configuration: HTTPServerConfiguration, metrics: ServerMetrics, logger: Logger) {
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
    }

    func setLoops(_ all: [EventLoop]) { loops.withLock { $0 = all } }

    /// Closes a connection that has not authenticated to make room for a newer one. On its loop's thread.
    func evict(_ connection: HTTPConnection) {
        metrics.evictedUnauthenticated.add(1, ordering: .relaxed)
        connection.close()
    }

    /// Called by a loop whose server is full and which has no unauthenticated connection of its own: asks
    /// the loop with the most unauthenticated connections to close its oldest, and answers whether one
    /// was asked. The new connection is accepted meanwhile, so the server can briefly hold a few more
    /// than `--max-connections`; without this, which loop the kernel hands a connection to would decide
    /// whether an authenticating client gets in.
    func makeRoomElsewhere(than loop: EventLoop) -> Bool {
        let peer = loops.withLock { all in
            all.filter { $0 !== loop }.max { $0.unauthenticatedCount.load(ordering: .relaxed) < $1.unauthenticatedCount.load(ordering: .relaxed) }
        }
        guard let peer, peer.unauthenticatedCount.load(ordering: .relaxed) > 0 else { return false }
        peer.execute { [self] in
            if let oldest = peer.unauthenticated.oldest { evict(oldest) }
        }
        return true
    }

    /// Logs running out of descriptors at most once a minute.
    func logDescriptorExhaustion(_ code: Int32) {
        let now = EventLoop.monotonicMillis()
        let last = lastExhaustionLog.load(ordering: .relaxed)
        guard now - last > 60_000, lastExhaustionLog.compareExchange(expected: last, desired: now, ordering: .relaxed).exchanged else { return }
        logger.error("accept failed; pausing listeners", metadata: ["error": "\(SystemError("accept4", errno: code))"])
    }
}

/// The HTTP/1.1 server: `threads` event loops, each with its own `SO_REUSEPORT` listening socket on
/// every address and its own handler instance. ``start(handlerFactory:)`` returns once every socket is
/// bound; ``shutdown()`` drains gracefully; ``wait()`` returns when every loop has exited.
public final class HTTPServer: Sendable {
    public let configuration: HTTPServerConfiguration
    public let metrics: ServerMetrics
    private let context: HTTPServerContext
    private let state = Mutex<(loops: [EventLoop], threads: [LoopThread])>(([], []))
    /// The ports actually bound, in the order of `configuration.listen` (useful with port 0).
    public let boundPorts = Mutex<[UInt16]>([])
    /// The TLS ports actually bound, in the order of `configuration.tlsListen`.
    public let boundTLSPorts = Mutex<[UInt16]>([])

    public init(configuration: HTTPServerConfiguration, logger: Logger) {
        self.configuration = configuration
        metrics = ServerMetrics()
        context = HTTPServerContext(configuration: configuration, metrics: metrics, logger: logger)
    }

    public var loops: [EventLoop] { state.withLock { $0.loops } }

    /// Binds every listener (plain and TLS) on every loop and starts the loop threads.
    /// `configuration.tlsContexts` must be set when `configuration.tlsListen` is not empty.
    public func start(handlerFactory: (EventLoop) -> HTTPHandler) throws(SystemError) {
        precondition(configuration.tlsListen.isEmpty || configuration.tlsContexts != nil, "TLS listeners need tlsContexts")
        var loops: [EventLoop] = []
        var ports: [UInt16] = configuration.listen.map(\.port)
        var tlsPorts: [UInt16] = configuration.tlsListen.map(\.port)
        for index in 0..<max(1, configuration.threads) {
            let loop = try EventLoop(index: index, keptReadBufferBytes: configuration.keptReadBufferBytesPerLoop,
                                     pooledReadBuffers: configuration.pooledReadBuffersPerLoop)
            let handler = handlerFactory(loop)
            loop.wakeUpEnd = { handler.wakeUpDidEnd() }
            loop.tickEnd = { handler.tick(nowMillis: $0) }
            for (listenIndex, address) in configuration.listen.enumerated() {
                // Port 0: the first loop picks a port, the others join it through SO_REUSEPORT.
                let bound = try ListeningSocket.open(ListenAddress(host: address.host, port: ports[listenIndex]))
                ports[listenIndex] = bound.port
                let listener = Listener(fd: bound.fd, loop: loop, server: context, handler: handler)
                try listener.start()
            }
            for (listenIndex, address) in configuration.tlsListen.enumerated() {
                let bound = try ListeningSocket.open(ListenAddress(host: address.host, port: tlsPorts[listenIndex]))
                tlsPorts[listenIndex] = bound.port
                let listener = Listener(fd: bound.fd, loop: loop, server: context, handler: handler, tls: configuration.tlsContexts)
                try listener.start()
            }
            loops.append(loop)
        }
        boundPorts.withLock { $0 = ports }
        boundTLSPorts.withLock { $0 = tlsPorts }
        context.setLoops(loops)
        var threads: [LoopThread] = []
        for loop in loops {
            threads.append(try LoopThread(name: "sluice-loop-\(loop.index)") { loop.run() })
        }
        state.withLock { $0 = (loops, threads) }
    }

    /// Stops accepting, lets requests in flight finish, closes idle connections; loops exit within the grace period.
    public func shutdown() {
        for loop in loops { loop.requestShutdown(graceMillis: configuration.shutdownGraceMillis) }
    }

    /// Blocks until every loop thread has exited.
    public func wait() {
        let threads = state.withLock { $0.threads }
        for thread in threads { thread.join() }
    }
}
