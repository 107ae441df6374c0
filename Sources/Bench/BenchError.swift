/// Why `sluice bench` cannot run; the one error type of the Bench module. The text says what to change.
public enum BenchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The `--url` is not an `http://host[:port][/path]` URL.
    case invalidURL(String)
    /// `https://` was asked for; TLS is not implemented in the client yet.
    case tlsNotSupported(String)
    /// The host name did not resolve.
    case unresolvableHost(String)
    /// A flag value is out of range or two flags contradict each other.
    case invalidOption(String)
    /// A file could not be read or written.
    case file(path: String, errno: Int32)
    /// A system call failed while setting up (epoll, thread, compression).
    case system(call: String, errno: Int32)

    public var description: String {
        switch self {
        case .invalidURL(let url): "not an http://host[:port][/path] URL: \(url)"
        case .tlsNotSupported(let url):
            "https is not supported by sluice bench yet (TLS is not implemented); use an http:// URL: \(url)"
        case .unresolvableHost(let host): "cannot resolve host \(host)"
        case .invalidOption(let why): why
        case .file(let path, let code): "\(path): errno \(code)"
        case .system(let call, let code): "\(call) failed: errno \(code)"
        }
    }
}
