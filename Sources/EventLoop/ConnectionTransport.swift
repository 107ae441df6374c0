import CSystemShims
import POSIX
// The TLS types (TLSFiles, TLSError, TLSFailure) are part of the server's API.
@_exported import TLSSocket

/// How a connection moves bytes: straight socket calls, or through a ``TLSSession``. An enum rather
/// than a protocol so the plain path stays a direct, inlinable syscall with no existential or
/// dynamic dispatch.
enum ConnectionTransport {
    case plain
    case tls(TLSSession)

    @inline(__always)
    func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(TransportError) -> IOResult<Int> {
        switch self {
        case .plain:
            do { return try Syscall.read(fd, buffer) } catch { throw .system(error) }
        case .tls(let session):
            do {
                switch try session.read(into: buffer) {
                case .done(let count): return .done(count)
                case .wouldBlock: return .wouldBlock
                }
            } catch { throw TransportError(error) }
        }
    }

    @inline(__always)
    func write(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws(TransportError) -> IOResult<Int> {
        switch self {
        case .plain:
            do { return try Syscall.write(fd, buffer) } catch { throw .system(error) }
        case .tls(let session):
            do {
                switch try session.write(buffer) {
                case .done(let count): return .done(count)
                case .wouldBlock: return .wouldBlock
                }
            } catch { throw TransportError(error) }
        }
    }

    /// Whether a short read does not mean the socket is drained: TLS hands out one record per read and
    /// may hold more records than it returned, which epoll does not know about, so the connection keeps
    /// reading until the session would block. A plain short read means the kernel buffer is empty.
    @inline(__always)
    var readsUntilWouldBlock: Bool {
        switch self {
        case .plain: false
        case .tls: true
        }
    }

    @inline(__always)
    var isPlain: Bool {
        if case .plain = self { return true }
        return false
    }

    /// The epoll interest that serves `wanted`: TLS may need to write in order to read, or the reverse.
    @inline(__always)
    func interest(for wanted: UInt32) -> UInt32 {
        switch self {
        case .plain:
            return wanted
        case .tls(let session):
            var interest = wanted
            if wanted & SLUICE_EPOLLIN != 0 && session.readWantsWrite { interest |= SLUICE_EPOLLOUT }
            if wanted & SLUICE_EPOLLOUT != 0 && session.writeWantsRead { interest |= SLUICE_EPOLLIN }
            return interest
        }
    }

    /// Ends the session (close_notify when it is healthy) before the descriptor is closed.
    func close() {
        if case .tls(let session) = self {
            session.shutdown()
            session.release()
        }
    }
}

/// A connection's transport failed: a socket error, or a TLS failure with its reason.
enum TransportError: Error {
    case system(SystemError)
    case tls(TLSFailure)

    init(_ error: TLSSessionError) {
        switch error {
        case .tls(let failure): self = .tls(failure)
        case .system(let call, let code): self = .system(SystemError("\(call)", errno: code))
        }
    }
}
