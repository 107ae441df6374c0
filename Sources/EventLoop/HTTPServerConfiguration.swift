import HTTPWire

/// Everything the HTTP server needs to know, with the defaults `sluice serve` uses.
public struct HTTPServerConfiguration: Sendable {
    public var listen: [ListenAddress] = [ListenAddress(host: "127.0.0.1", port: 8080)]
    /// Addresses that speak HTTPS; they need ``tlsContexts``. Plain and TLS listeners run side by side.
    public var tlsListen: [ListenAddress] = []
    /// Certificate and key for ``tlsListen`` (reloadable); required when ``tlsListen`` is not empty.
    public var tlsContexts: TLSContextProvider?
    /// A TLS handshake must finish within this time of the connection's accept.
    public var tlsHandshakeTimeoutMillis: Int64 = 10_000
    /// TLS handshakes in progress per loop above which new TLS connections are closed at once, so a
    /// flood of half-open TLS connections cannot starve the loop.
    public var maxTLSHandshakesPerLoop: Int = 256
    /// Event loops (threads); each binds its own `SO_REUSEPORT` socket on every address.
    public var threads: Int = HTTPServerConfiguration.coreCount
    public var limits = HTTPLimits()
    /// A request head must arrive within this time of its first byte (or of the connection's start).
    public var headTimeoutMillis: Int64 = 10_000
    /// A request body must arrive whole within this time of the end of its head (progress does not extend
    /// it), or it is answered 408. Also how long a closing connection may take to read its last answer.
    public var bodyTimeoutMillis: Int64 = 60_000
    /// Once ``minBodyRateGraceMillis`` have passed since the end of the head, a body arriving at a lower
    /// average rate (bytes per second) is answered 408 (0: no rate rule).
    public var minBodyBytesPerSecond: Int = 1024
    public var minBodyRateGraceMillis: Int64 = 5_000
    /// Bytes one loop's connections may grow their buffers by for bodies still arriving; a request whose body
    /// would need more is answered 503 with `Retry-After` and the connection closed (and a new body is refused
    /// the same way while the loop is at the cap).
    public var maxInflightBodyBytesPerLoop: Int = 128 << 20
    /// Idle keep-alive connections are closed after this long.
    public var idleTimeoutMillis: Int64 = 60_000
    /// Open connections across all loops; connections above it are closed at once.
    public var maxConnections: Int = 10_000
    /// Connections that have not yet sent a head with a verified credential, across all loops (split evenly
    /// between them); nil means half of ``maxConnections``. When a new connection would exceed it, or
    /// ``maxConnections``, the loop's oldest unauthenticated connection is closed to make room.
    public var maxUnauthenticatedConnections: Int?
    /// Spare standard-size read buffers each loop keeps for its connections (idle connections hold none).
    public var pooledReadBuffersPerLoop: Int = 256
    /// Read buffers grown above 256 KiB for large bodies that one loop's connections keep for their next
    /// request, in all (each at most ``keptReadBufferBytesPerConnection``); above it they are given back
    /// after each request. Shippers send batch after batch of similar size on keep-alive connections.
    public var keptReadBufferBytesPerLoop: Int = 32 << 20
    /// Largest read buffer a connection keeps between requests (a 4 MiB body and its head).
    public static let keptReadBufferBytesPerConnection = (4 << 20) + (64 << 10)
    /// Graceful shutdown waits this long for requests in flight.
    public var shutdownGraceMillis: Int64 = 10_000

    public init() {}

    /// This loop's share of ``maxUnauthenticatedConnections``.
    var unauthenticatedConnectionsPerLoop: Int {
        let total = maxUnauthenticatedConnections ?? max(1, maxConnections / 2)
        return max(1, total / max(1, threads))
    }

    public static var coreCount: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }
}

#if canImport(Glibc)
import Glibc
#endif
