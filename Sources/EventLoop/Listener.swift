#if canImport(Glibc)
import Glibc
#endif
import CSystemShims
import POSIX

/// One loop's listening socket on one address: accepts until the kernel queue is empty, keeps connections
/// within `--max-connections` and the loop's share of `--max-unauthenticated-connections` by closing the
/// oldest unauthenticated connection of this loop or, when it has none, of another loop (refusing the new
/// one only when no loop has one), refuses TLS connections above the loop's cap of handshakes in progress,
/// and stops accepting when the loop drains.
final class Listener: LoopChannel {
    let fd: Int32
    // The loop owns its channels and outlives them (it closes them before it exits).
    private unowned(unsafe) let loop: EventLoop
    private let server: HTTPServerContext
    private let handler: HTTPHandler
    /// Set on a TLS listener: each connection starts a session from the provider's current context.
    private let tls: TLSContextProvider?
    private var token = EventLoop.Token(slot: 0, generation: 0)
    private var paused = false
    private var closed = false

    init(fd: Int32, loop: EventLoop, server: HTTPServerContext, handler: HTTPHandler, tls: TLSContextProvider? = nil) {
        self.fd = fd
        self.tls = tls
        self.loop = loop
        self.server = server
        self.handler = handler
    }

    func start() throws(SystemError) {
        token = try loop.register(self, interest: SLUICE_EPOLLIN)
    }

    func ready(flags: UInt32) {
        while !closed {
            let client: Int32
            do {
                guard case .done(let accepted) = try Syscall.retrying("accept4", { Int(sluice_accept_nonblocking(fd)) }) else { return }
                client = Int32(accepted)
            } catch {
                switch error.errno {
                case ECONNABORTED, EPROTO: continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    // Out of descriptors: stop polling the listener until the next tick instead of spinning.
                    paused = true
                    loop.modify(self, token: token, interest: 0)
                    server.logDescriptorExhaustion(error.errno)
                default: break
                }
                return
            }
            let open = server.metrics.openConnections.load(ordering: .relaxed)
            if open >= server.configuration.maxConnections {
                // Room is made at the expense of a client that has not authenticated, never of one that has.
                if let oldest = loop.unauthenticated.oldest {
                    server.evict(oldest)
                } else if !server.makeRoomElsewhere(than: loop) {
                    server.metrics.refusedConnections.add(1, ordering: .relaxed)
                    Syscall.close(client)
                    continue
                }
            }
            var transport = ConnectionTransport.plain
            if let tls {
                guard let session = startSession(tls, fd: client) else {
                    Syscall.close(client)
                    continue
                }
                transport = .tls(session)
            }
            _ = sluice_set_int_sockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
            server.metrics.acceptedConnections.add(1, ordering: .relaxed)
            let connection = HTTPConnection(fd: client, loop: loop, server: server, handler: handler, transport: transport)
            do {
                try connection.start()
            } catch {
                Syscall.close(client)
                continue
            }
            if loop.unauthenticated.count > server.configuration.unauthenticatedConnectionsPerLoop, let oldest = loop.unauthenticated.oldest {
                server.evict(oldest)
            }
        }
    }

    /// A session for a new TLS connection, or nil (counted) when the loop has too many handshakes in
    /// progress or OpenSSL cannot allocate one.
    private func startSession(_ tls: TLSContextProvider, fd client: Int32) -> TLSSession? {
        guard loop.tlsHandshakesInProgress < server.configuration.maxTLSHandshakesPerLoop else {
            server.metrics.tls.countFailure(.handshakeLimit)
            return nil
        }
        guard let session = tls.context.makeSession(fd: client) else {
            server.metrics.tls.countFailure(.internalError)
            return nil
        }
        return session
    }

    func tick(nowMillis: Int64) {
        guard paused, !closed else { return }
        paused = false
        loop.modify(self, token: token, interest: SLUICE_EPOLLIN)
    }

    func beginDrain() { forceClose() }

    func forceClose() {
        guard !closed else { return }
        closed = true
        loop.deregister(self, token: token)
        Syscall.close(fd)
    }
}
