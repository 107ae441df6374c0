/// The `--url` of a benchmark: `http[s]://host[:port][/path]`.
///
/// Guarantees: `host` is non-empty (IPv6 literals without brackets), `port` defaults to 80 (443 for
/// `https`), `path` is empty when the URL names none (then the format's default path is used).
public struct BenchURL: Sendable, Equatable {
    public var host: String
    public var port: UInt16
    public var path: String
    /// `https`: requests go over TLS.
    public var usesTLS: Bool

    public init(host: String, port: UInt16, path: String, usesTLS: Bool = false) {
        self.host = host
        self.port = port
        self.path = path
        self.usesTLS = usesTLS
    }

    public init(parsing text: String) throws(BenchError) {
        let lower = text.lowercased()
        usesTLS = lower.hasPrefix("https://")
        guard usesTLS || lower.hasPrefix("http://") else { throw .invalidURL(text) }
        let rest = text.dropFirst(usesTLS ? "https://".count : "http://".count)
        let authority = rest.prefix { $0 != "/" }
        path = String(rest.dropFirst(authority.count))
        var hostPart = Substring(authority)
        var portPart: Substring?
        if hostPart.hasPrefix("[") {
            guard let close = hostPart.firstIndex(of: "]") else { throw .invalidURL(text) }
            let after = hostPart[hostPart.index(after: close)...]
            if after.hasPrefix(":") { portPart = after.dropFirst() } else if !after.isEmpty { throw .invalidURL(text) }
            hostPart = hostPart[hostPart.index(after: hostPart.startIndex)..<close]
        } else if let colon = hostPart.lastIndex(of: ":") {
            portPart = hostPart[hostPart.index(after: colon)...]
            hostPart = hostPart[..<colon]
        }
        guard !hostPart.isEmpty else { throw .invalidURL(text) }
        host = String(hostPart)
        if let portPart {
            guard let value = UInt16(portPart), value > 0 else { throw .invalidURL(text) }
            port = value
        } else {
            port = usesTLS ? 443 : 80
        }
    }

    /// The `Host` header value.
    public var authority: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == (usesTLS ? 443 : 80) ? name : "\(name):\(port)"
    }

    /// The request target for a format: the URL's path if it has one, else the format's default path.
    public func target(for format: BenchFormat) -> String {
        path.isEmpty || path == "/" ? format.defaultPath : path
    }
}
