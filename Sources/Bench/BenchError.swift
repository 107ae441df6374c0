/// Why `sluice bench` cannot run; the one error type of the Bench module. The text says what to change.
public enum BenchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The `--url` is not an `http[s]://host[:port][/path]` URL.
    case invalidURL(String)
    /// TLS could not be set up (a CA file that does not load), or the server's certificate was not
    /// accepted: no request can succeed, so the run stops.
    case tls(String)
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
        case .invalidURL(let url): "not an http[s]://host[:port][/path] URL: \(url)"
        case .tls(let why): why
        case .unresolvableHost(let host): "cannot resolve host \(host)"
        case .invalidOption(let why): why
        case .file(let path, let code): "\(path): errno \(code)"
        case .system(let call, let code): "\(call) failed: errno \(code)"
        }
    }
}
