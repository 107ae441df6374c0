import COpenSSL

/// Which server certificates a client context accepts.
public enum TLSClientTrust: Sendable, Equatable {
    /// The system's CA store (`/etc/ssl/certs`).
    case systemCAs
    /// The CAs in this PEM file only.
    case caFile(String)
    /// Any certificate (`--insecure`): the connection is encrypted but the server is not authenticated.
    case anyCertificate
}

/// One immutable OpenSSL context (`SSL_CTX`). A server context is built from a certificate chain and its
/// key: TLS 1.2 and 1.3, ALPN http/1.1, stateless session tickets, optionally client certificates
/// required (mTLS). A client context offers ALPN http/1.1 and checks the server's certificate against a
/// ``TLSClientTrust``. Contexts are never changed after they are built; a reload builds a new one.
/// OpenSSL contexts are safe to share between threads; sessions keep their context alive through
/// OpenSSL's own reference count, so a context replaced by a reload lives on until its last session ends.
public final class TLSContext: @unchecked Sendable {
    let pointer: OpaquePointer
    /// Client contexts: whether the server's certificate is checked.
    public let verifiesPeer: Bool

    /// A server context. Loads and checks the files; throws with OpenSSL's explanation when a file is
    /// missing or malformed or when the key does not belong to the certificate.
    public init(files: TLSFiles) throws(TLSError) {
        ERR_clear_error()
        guard let context = SSL_CTX_new(TLS_server_method()) else { throw .fromQueue("SSL_CTX_new") }
        pointer = context
        verifiesPeer = files.clientCA != nil
        guard sluice_tls_configure_server(context) == 1 else { throw .fromQueue("configuring the TLS context") }
        guard SSL_CTX_use_certificate_chain_file(context, files.certificateChain) == 1 else {
            throw .fromQueue("loading certificate chain \(files.certificateChain)")
        }
        guard SSL_CTX_use_PrivateKey_file(context, files.privateKey, SSL_FILETYPE_PEM) == 1 else {
            throw .fromQueue("loading private key \(files.privateKey)")
        }
        guard SSL_CTX_check_private_key(context) == 1 else {
            throw .fromQueue("private key \(files.privateKey) does not match certificate \(files.certificateChain)")
        }
        if let clientCA = files.clientCA {
            guard sluice_tls_require_client_certificates(context, clientCA) == 1 else {
                throw .fromQueue("loading client CA \(clientCA)")
            }
        }
    }

    /// A client context: TLS 1.2 and 1.3, ALPN http/1.1, sessions kept by the caller for resumption
    /// (``TLSSession/resumableSession()``), the server's certificate checked against `trust`.
    public init(client trust: TLSClientTrust) throws(TLSError) {
        ERR_clear_error()
        guard let context = SSL_CTX_new(TLS_client_method()) else { throw .fromQueue("SSL_CTX_new") }
        pointer = context
        guard sluice_tls_configure_client(context) == 1 else { throw .fromQueue("configuring the TLS context") }
        switch trust {
        case .systemCAs:
            verifiesPeer = true
            guard SSL_CTX_set_default_verify_paths(context) == 1 else { throw .fromQueue("loading the system CAs") }
        case .caFile(let path):
            verifiesPeer = true
            guard SSL_CTX_load_verify_locations(context, path, nil) == 1 else { throw .fromQueue("loading CA file \(path)") }
        case .anyCertificate:
            verifiesPeer = false
        }
        SSL_CTX_set_verify(context, verifiesPeer ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nil)
    }

    deinit { SSL_CTX_free(pointer) }

    /// Takes over the session-ticket keys of `previous`, so tickets issued before a reload still resume.
    public func adoptTicketKeys(from previous: TLSContext) {
        if sluice_tls_copy_ticket_keys(previous.pointer, pointer) != 1 { ERR_clear_error() }
    }

    /// A server session on the connected socket `fd`, or nil when OpenSSL cannot allocate one.
    public func makeSession(fd: Int32) -> TLSSession? {
        TLSSession(context: self, fd: fd)
    }
}
