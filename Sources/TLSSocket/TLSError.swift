import COpenSSL

/// A TLS context that could not be built: which step failed and OpenSSL's own explanation
/// (the drained error queue), e.g. a certificate file that does not parse or a key that does not match it.
public struct TLSError: Error, Sendable, CustomStringConvertible {
    public let operation: String
    public let detail: String

    public init(_ operation: String, detail: String) {
        self.operation = operation
        self.detail = detail
    }

    /// Builds the error from the calling thread's OpenSSL error queue, which it empties.
    public static func fromQueue(_ operation: String) -> TLSError {
        TLSError(operation, detail: drainErrorQueue())
    }

    public var description: String { detail.isEmpty ? operation : "\(operation): \(detail)" }

    /// Every entry of the calling thread's error queue as text, oldest first; leaves the queue empty.
    public static func drainErrorQueue() -> String {
        var messages: [String] = []
        var buffer = [CChar](repeating: 0, count: 256)
        while case let code = ERR_get_error(), code != 0 {
            ERR_error_string_n(code, &buffer, buffer.count)
            messages.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return messages.joined(separator: "; ")
    }
}

/// Why a TLS connection failed, as counted in `sluice_tls_errors_total{reason=…}`: stable, low-cardinality
/// labels. Failures are client-caused by nature, so they are counted, never logged above debug.
public enum TLSFailure: Int, Error, CaseIterable, Sendable {
    /// The handshake did not finish within the handshake timeout.
    case handshakeTimeout
    /// The loop already had its maximum of handshakes in progress; the connection was closed at once.
    case handshakeLimit
    /// Plain HTTP arrived on a TLS port (answered with a plain-text 400, then closed).
    case plainHTTP
    /// The client closed (or reset) the connection during the handshake.
    case handshakeEOF
    /// The client rejected the server's certificate (alerts such as unknown_ca or bad_certificate).
    case peerRejectedCertificate
    /// The client sent another fatal alert.
    case peerAlert
    /// mTLS: the client sent no certificate.
    case noClientCertificate
    /// mTLS: the client's certificate did not verify against the client CA.
    case badClientCertificate
    /// No protocol version in common (SSLv3, TLS 1.0/1.1 clients, garbage instead of a ClientHello).
    case unsupportedVersion
    /// No cipher suite in common.
    case noSharedCipher
    /// ALPN offered without http/1.1.
    case noApplicationProtocol
    /// A socket error under TLS (ECONNRESET and friends).
    case ioError
    /// Any other TLS protocol error (bad record MAC, malformed message, …).
    case protocolError
    /// OpenSSL could not create the session (out of memory).
    case internalError

    /// The metrics label.
    public var label: String {
        switch self {
        case .handshakeTimeout: "handshake_timeout"
        case .handshakeLimit: "handshake_limit"
        case .plainHTTP: "plain_http"
        case .handshakeEOF: "handshake_eof"
        case .peerRejectedCertificate: "peer_rejected_certificate"
        case .peerAlert: "peer_alert"
        case .noClientCertificate: "no_client_certificate"
        case .badClientCertificate: "bad_client_certificate"
        case .unsupportedVersion: "unsupported_version"
        case .noSharedCipher: "no_shared_cipher"
        case .noApplicationProtocol: "no_application_protocol"
        case .ioError: "io_error"
        case .protocolError: "protocol_error"
        case .internalError: "internal_error"
        }
    }

    /// Classifies an OpenSSL error-queue code (`ERR_get_error`) from the SSL library.
    public init(openSSLError code: UInt) {
        guard code != 0, sluice_err_lib(code) == ERR_LIB_SSL else {
            self = .protocolError
            return
        }
        let reason = sluice_err_reason(code)
        switch reason {
        case SSL_R_HTTP_REQUEST, SSL_R_HTTPS_PROXY_REQUEST: self = .plainHTTP
        case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE: self = .noClientCertificate
        case SSL_R_CERTIFICATE_VERIFY_FAILED: self = .badClientCertificate
        case SSL_R_NO_SHARED_CIPHER: self = .noSharedCipher
        case SSL_R_NO_APPLICATION_PROTOCOL: self = .noApplicationProtocol
        case SSL_R_UNSUPPORTED_PROTOCOL, SSL_R_WRONG_VERSION_NUMBER, SSL_R_VERSION_TOO_LOW: self = .unsupportedVersion
        case SSL_R_UNEXPECTED_EOF_WHILE_READING: self = .handshakeEOF
        case SSL_AD_REASON_OFFSET...:
            // An alert the peer sent: SSL_R_… = 1000 + the alert number.
            switch reason - SSL_AD_REASON_OFFSET {
            case SSL3_AD_BAD_CERTIFICATE, SSL3_AD_UNSUPPORTED_CERTIFICATE, SSL3_AD_CERTIFICATE_REVOKED,
                 SSL3_AD_CERTIFICATE_EXPIRED, SSL3_AD_CERTIFICATE_UNKNOWN, TLS1_AD_UNKNOWN_CA:
                self = .peerRejectedCertificate
            default:
                self = .peerAlert
            }
        default: self = .protocolError
        }
    }
}
