#if canImport(Glibc)
import Glibc
#endif
import COpenSSL

/// One server-side TLS session over a non-blocking socket: the handshake, then record-layer reads and
/// writes. Every OpenSSL pointer of a connection stays in here.
///
/// OpenSSL may need the socket in the other direction than the caller asked for (a read that must
/// first write, for a key update or a ticket; a write that must first read); ``readWantsWrite`` and
/// ``writeWantsRead`` say so after a `.wouldBlock`, and the connection adds that direction to its
/// epoll interest. Used on one loop thread only.
final class TLSSession {
    private var ssl: OpaquePointer?
    private(set) var isHandshaking = true
    /// The last read stopped because OpenSSL must write first.
    private(set) var readWantsWrite = false
    /// The last write stopped because OpenSSL must read first.
    private(set) var writeWantsRead = false
    /// A fatal error happened: no close_notify may be sent.
    private var failed = false

    init?(context: TLSContext, fd: Int32) {
        guard let ssl = SSL_new(context.pointer) else {
            ERR_clear_error()
            return nil
        }
        guard SSL_set_fd(ssl, fd) == 1 else {
            SSL_free(ssl)
            ERR_clear_error()
            return nil
        }
        SSL_set_accept_state(ssl)
        self.ssl = ssl
    }

    deinit { release() }

    /// Frees the session (idempotent); the caller closes the descriptor.
    func release() {
        guard let ssl else { return }
        SSL_free(ssl)
        self.ssl = nil
    }

    /// Whether the session was resumed from a ticket rather than a full handshake.
    var wasResumed: Bool { ssl.map { SSL_session_reused($0) == 1 } ?? false }

    /// Whether OpenSSL holds bytes read from the socket that were not handed out yet; epoll cannot
    /// know about them, so the connection reads again while this is true.
    var hasBufferedInput: Bool { ssl.map { SSL_has_pending($0) == 1 } ?? false }

    // MARK: Handshake

    /// Advances the handshake: `.done(())` once it is complete, `.wouldBlock` when it waits for the
    /// socket (``readWantsWrite`` says which way).
    func handshake() throws(TransportError) -> IOResult<Void> {
        guard let ssl else { throw .tls(.internalError) }
        ERR_clear_error()
        let result = SSL_do_handshake(ssl)
        if result == 1 {
            isHandshaking = false
            readWantsWrite = false
            return .done(())
        }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ:
            readWantsWrite = false
            return .wouldBlock
        case SSL_ERROR_WANT_WRITE:
            readWantsWrite = true
            return .wouldBlock
        case SSL_ERROR_ZERO_RETURN:
            failed = true
            throw .tls(.handshakeEOF)
        case SSL_ERROR_SYSCALL:
            let code = errno
            failed = true
            ERR_clear_error()
            throw .tls(code == 0 || code == ECONNRESET || code == EPIPE ? .handshakeEOF : .ioError)
        default:
            throw .tls(fatalFailure())
        }
    }

    // MARK: Records

    /// Reads decrypted bytes: `.done(0)` when the peer closed.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(TransportError) -> IOResult<Int> {
        guard let ssl else { throw .tls(.internalError) }
        ERR_clear_error()
        let result = SSL_read(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
        if result > 0 {
            readWantsWrite = false
            return .done(Int(result))
        }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ:
            readWantsWrite = false
            return .wouldBlock
        case SSL_ERROR_WANT_WRITE:
            readWantsWrite = true
            return .wouldBlock
        case SSL_ERROR_ZERO_RETURN:
            return .done(0)  // close_notify, or an EOF (SSL_OP_IGNORE_UNEXPECTED_EOF)
        case SSL_ERROR_SYSCALL:
            let code = errno
            failed = true
            ERR_clear_error()
            if code == 0 { return .done(0) }
            throw .system(SystemError("SSL_read", errno: code))
        default:
            throw .tls(fatalFailure())
        }
    }

    /// Writes `buffer` as records (partial writes allowed; a retry may pass a moved buffer that starts
    /// with the same bytes).
    func write(_ buffer: UnsafeRawBufferPointer) throws(TransportError) -> IOResult<Int> {
        guard let ssl else { throw .tls(.internalError) }
        guard buffer.count > 0 else { return .done(0) }
        ERR_clear_error()
        let result = SSL_write(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
        if result > 0 {
            writeWantsRead = false
            return .done(Int(result))
        }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_WRITE:
            writeWantsRead = false
            return .wouldBlock
        case SSL_ERROR_WANT_READ:
            writeWantsRead = true
            return .wouldBlock
        case SSL_ERROR_SYSCALL:
            let code = errno
            failed = true
            ERR_clear_error()
            throw .system(SystemError("SSL_write", errno: code == 0 ? EPIPE : code))
        default:
            throw .tls(fatalFailure())
        }
    }

    /// Sends close_notify once, without waiting for the peer's (best effort on a non-blocking socket).
    func shutdown() {
        guard let ssl, !isHandshaking, !failed else { return }
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
    }

    /// Classifies the error at the head of the queue and empties it.
    private func fatalFailure() -> TLSFailure {
        failed = true
        let failure = TLSFailure(openSSLError: ERR_peek_error())
        ERR_clear_error()
        return failure
    }
}
