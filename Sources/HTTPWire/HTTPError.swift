/// Why a request was refused; the one error type of HTTPWire. Each case maps to exactly one status.
///
/// Guarantees: `reason` is a short, fixed, human-readable text that never contains request bytes (so it can
/// never echo a credential) and is safe to put in a JSON error body with ``ErrorBody``. Every error produced
/// while reading a request leaves the connection's framing unknown or untrusted: the caller answers and closes.
public enum HTTPError: Error, Sendable, Equatable {
    /// 431: the head (or a chunked trailer section) is larger than `maxHeadBytes`, or has too many fields.
    case headTooLarge
    /// 400: malformed request; the text says which rule was broken.
    case badRequest(String)
    /// 413: the body (declared or decoded) is larger than `maxBodyBytes`.
    case payloadTooLarge
    /// 505: a well-formed `HTTP/x.y` other than 1.0 and 1.1.
    case unsupportedVersion
    /// 501: a feature the server does not implement.
    case notImplemented(String)
    /// 415: a `Content-Encoding` other than gzip, x-gzip, deflate or identity, or more than one coding.
    case unsupportedMediaType(String)

    /// The HTTP status to answer with.
    public var status: Int {
        switch self {
        case .headTooLarge: 431
        case .badRequest: 400
        case .payloadTooLarge: 413
        case .unsupportedVersion: 505
        case .notImplemented: 501
        case .unsupportedMediaType: 415
        }
    }

    /// The text for the JSON error body.
    public var reason: String {
        switch self {
        case .headTooLarge: "request header fields too large"
        case .badRequest(let why): why
        case .payloadTooLarge: "request body too large"
        case .unsupportedVersion: "HTTP version not supported"
        case .notImplemented(let what): what
        case .unsupportedMediaType(let why): why
        }
    }
}
