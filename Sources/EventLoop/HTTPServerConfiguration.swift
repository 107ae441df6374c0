import HTTPWire

/// Everything the HTTP server needs to know, with the defaults `sluice serve` uses.
public struct HTTPServerConfiguration: Sendable {
    public var listen: [ListenAddress] = [ListenAddress(host: "127.0.0.1", port: 8080)]
    /// Event loops (threads); each binds its own `SO_REUSEPORT` socket on every address.
    public var threads: Int = HTTPServerConfiguration.coreCount
    public var limits = HTTPLimits()
    /// A request head must arrive within this time of its first byte (or of the connection's start).
    public var headTimeoutMillis: Int64 = 10_000
    /// A body that makes no progress for this long is answered 408.
    public var bodyStallMillis: Int64 = 30_000
    /// Idle keep-alive connections are closed after this long.
    public var idleTimeoutMillis: Int64 = 60_000
    /// Open connections across all loops; connections above it are closed at once.
    public var maxConnections: Int = 10_000
    /// Graceful shutdown waits this long for requests in flight.
    public var shutdownGraceMillis: Int64 = 10_000

    public init() {}

    public static var coreCount: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }
}

#if canImport(Glibc)
import Glibc
#endif
