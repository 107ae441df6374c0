import COpenSSL
import Testing
@testable import TLSSocket

/// OpenSSL error codes map to stable metric labels; anything unknown, and errors from other libraries,
/// count as a protocol error rather than inventing new labels.
@Suite struct TLSFailureTests {
    /// An error-queue code as OpenSSL 3 packs it (`ERR_PACK`: library above bit 23, reason below).
    static func code(library: Int32 = ERR_LIB_SSL, reason: Int32) -> UInt {
        UInt(library) << 23 | UInt(reason)
    }

    static let cases: [(reason: Int32, label: String)] = [
        (SSL_R_HTTP_REQUEST, "plain_http"),
        (SSL_R_HTTPS_PROXY_REQUEST, "plain_http"),
        (SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE, "no_client_certificate"),
        (SSL_R_CERTIFICATE_VERIFY_FAILED, "bad_client_certificate"),
        (SSL_R_NO_SHARED_CIPHER, "no_shared_cipher"),
        (SSL_R_NO_APPLICATION_PROTOCOL, "no_application_protocol"),
        (SSL_R_UNSUPPORTED_PROTOCOL, "unsupported_version"),
        (SSL_R_WRONG_VERSION_NUMBER, "unsupported_version"),
        (SSL_R_VERSION_TOO_LOW, "unsupported_version"),
        (SSL_R_UNEXPECTED_EOF_WHILE_READING, "handshake_eof"),
        (SSL_AD_REASON_OFFSET + TLS1_AD_UNKNOWN_CA, "peer_rejected_certificate"),
        (SSL_AD_REASON_OFFSET + SSL3_AD_BAD_CERTIFICATE, "peer_rejected_certificate"),
        (SSL_AD_REASON_OFFSET + SSL3_AD_CERTIFICATE_UNKNOWN, "peer_rejected_certificate"),
        (SSL_AD_REASON_OFFSET + SSL3_AD_HANDSHAKE_FAILURE, "peer_alert"),
        (SSL_AD_REASON_OFFSET + TLS1_AD_PROTOCOL_VERSION, "peer_alert"),
        (SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC, "protocol_error"),
    ]

    @Test(arguments: cases)
    func reasonMapsToLabel(_ entry: (reason: Int32, label: String)) {
        #expect(TLSFailure(openSSLError: Self.code(reason: entry.reason)).label == entry.label)
    }

    @Test func otherLibrariesAndAnEmptyQueueAreProtocolErrors() {
        #expect(TLSFailure(openSSLError: Self.code(library: ERR_LIB_EVP, reason: SSL_R_HTTP_REQUEST)) == .protocolError)
        #expect(TLSFailure(openSSLError: 0) == .protocolError)
    }

    @Test func labelsAreDistinctAndPrometheusSafe() {
        let labels = TLSFailure.allCases.map(\.label)
        #expect(Set(labels).count == labels.count)
        #expect(labels.allSatisfy { $0.allSatisfy { $0.isLowercase || $0 == "_" } })
    }
}
