/// Where a TLS listener's identity comes from: PEM files, re-read on every reload of the server's context.
public struct TLSFiles: Sendable, Equatable {
    /// The server certificate followed by any intermediates (PEM).
    public var certificateChain: String
    /// The certificate's private key (PEM).
    public var privateKey: String
    /// When set, clients must present a certificate signed by a CA in this PEM file (mTLS).
    public var clientCA: String?

    public init(certificateChain: String, privateKey: String, clientCA: String? = nil) {
        self.certificateChain = certificateChain
        self.privateKey = privateKey
        self.clientCA = clientCA
    }
}
