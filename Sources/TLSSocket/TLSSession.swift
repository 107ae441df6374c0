#if canImport(Glibc)
import Glibc
#endif
import COpenSSL

/// The outcome of a non-blocking TLS call: done with a value, or it waits for the socket.
public enum TLSProgress<Value> {
    case done(Value)
    case wouldBlock
}

/// A TLS session call failed: a TLS failure with its reason, or the socket's own error.
public enum TLSSessionError: Error {
    case tls(TLSFailure)
    /// The system call under OpenSSL failed with this errno.
    case system(call: StaticString, errno: Int32)
}

/// One TLS session over a non-blocking socket, as the server (the gateway's connections) or as the
/// client (`sluice bench`): the handshake, then record-layer reads and writes. Every OpenSSL pointer of a
/// connection stays in here.
///
/// OpenSSL may need the socket in the other direction than the caller asked for (a read that must
/// first write, for a key update or a ticket; a write that must first read); ``readWantsWrite`` and
/// ``writeWantsRead`` say so after a `.wouldBlock`, and the caller adds that direction to its
/// epoll interest. Used on one thread only.
public final class TLSSession {
    private var ssl: OpaquePointer?
    public private(set) var isHandshaking = true
    /// The last read stopped because OpenSSL must write first.
    public private(set) var readWantsWrite = false
    /// The last write stopped because OpenSSL must read first.
    public private(set) var writeWantsRead = false
    /// A fatal error happened: no close_notify may be sent.
    private var failed = false

    /// A server session on the accepted socket `fd`, or nil when OpenSSL cannot allocate one.
    public init?(context: TLSContext, fd: Int32) {
        guard let ssl = Self.makeSSL(context, fd: fd) else { return nil }
        SSL_set_accept_state(ssl)
        self.ssl = ssl
    }

    /// A client session on the connected socket `fd` for `host` (SNI for names; the certificate is checked
    /// against the name or IP address when the context verifies), resuming `resuming` when given.
    public init?(client context: TLSContext, fd: Int32, host: String, resuming: TLSResumableSession? = nil) {
        guard let ssl = Self.makeSSL(context, fd: fd) else { return nil }
        guard sluice_tls_client_identity(ssl, host, context.verifiesPeer ? 1 : 0) == 1 else {
            SSL_free(ssl)
            ERR_clear_error()
            return nil
        }
        if let resuming, SSL_set_session(ssl, resuming.pointer) != 1 { ERR_clear_error() }
        SSL_set_connect_state(ssl)
        self.ssl = ssl
    }

    private static func makeSSL(_ context: TLSContext, fd: Int32) -> OpaquePointer? {
        guard let ssl = SSL_new(context.pointer) else {
            ERR_clear_error()
            return nil
        }
        guard SSL_set_fd(ssl, fd) == 1 else {
            SSL_free(ssl)
            ERR_clear_error()
            return nil
        }
        return ssl
    }

    deinit { release() }

    /// Frees the session (idempotent); the caller closes the descriptor.
    public func release() {
        guard let ssl else { return }
        SSL_free(ssl)
        self.ssl = nil
    }

    /// Whether the session was resumed from a ticket rather than a full handshake.
    public var wasResumed: Bool { ssl.map { SSL_session_reused($0) == 1 } ?? false }

    /// Whether OpenSSL holds bytes read from the socket that were not handed out yet; epoll cannot
    /// know about them, so the caller reads again while this is true.
    public var hasBufferedInput: Bool { ssl.map { SSL_has_pending($0) == 1 } ?? false }

    /// Whether the kernel encrypts (`send`) and decrypts (`receive`) this session's records (kTLS).
    public var kernelOffload: (send: Bool, receive: Bool) {
        guard let ssl else { return (false, false) }
        return (sluice_tls_ktls_send(ssl) == 1, sluice_tls_ktls_receive(ssl) == 1)
    }

    /// Client: the session to resume on the next connection, when the server gave a resumable one.
    public func resumableSession() -> TLSResumableSession? {
        guard let ssl, let session = SSL_get1_session(ssl) else { return nil }
        guard SSL_SESSION_is_resumable(session) == 1 else {
            SSL_SESSION_free(session)
            return nil
        }
        return TLSResumableSession(owning: session)
    }

    /// Client: why the peer's certificate was not accepted, or nil when it was (or was not checked).
    public var certificateRejection: String? {
        guard let ssl else { return nil }
        let code = SSL_get_verify_result(ssl)
        guard code != X509_V_OK else { return nil }
        return String(cString: X509_verify_cert_error_string(code))
    }

    // MARK: Handshake

    /// Advances the handshake: `.done(())` once it is complete, `.wouldBlock` when it waits for the
    /// socket (``readWantsWrite`` says which way).
    public func handshake() throws(TLSSessionError) -> TLSProgress<Void> {
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
    @inline(__always)
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(TLSSessionError) -> TLSProgress<Int> {
        guard let ssl else { throw .tls(.internalError) }
        ERR_clear_error()
        let result = SSL_read(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
        if result > 0 {
            readWantsWrite = false
            return .done(Int(result))
        }
        return try readStopped(ssl, result)
    }

    private func readStopped(_ ssl: OpaquePointer, _ result: Int32) throws(TLSSessionError) -> TLSProgress<Int> {
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
            throw .system(call: "SSL_read", errno: code)
        default:
            throw .tls(fatalFailure())
        }
    }

    /// Writes `buffer` as records (partial writes allowed; a retry may pass a moved buffer that starts
    /// with the same bytes).
    public func write(_ buffer: UnsafeRawBufferPointer) throws(TLSSessionError) -> TLSProgress<Int> {
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
            throw .system(call: "SSL_write", errno: code == 0 ? EPIPE : code)
        default:
            throw .tls(fatalFailure())
        }
    }

    /// Sends close_notify once, without waiting for the peer's (best effort on a non-blocking socket).
    public func shutdown() {
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

/// A client's resumable session (OpenSSL's `SSL_SESSION`, holding the server's ticket), kept between
/// connections so the next handshake to the same server resumes it.
public final class TLSResumableSession: @unchecked Sendable {
    let pointer: OpaquePointer

    init(owning pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit { SSL_SESSION_free(pointer) }
}
