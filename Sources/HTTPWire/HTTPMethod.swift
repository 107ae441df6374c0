/// A request method. Methods are case-sensitive (RFC 9110 §9.1): `get` is a valid token but `.other`.
///
/// Guarantees: every syntactically valid method token maps to a case; `.other` covers the ones Sluice has no
/// route for, so the router answers them (405 or 501) instead of the parser.
public enum HTTPMethod: UInt8, Sendable {
    case get, head, post, put, delete, options, patch, other

    /// Recognises the method token `range` of `buffer` (already checked to be a token).
    init(token range: Range<Int>, in buffer: UnsafeRawBufferPointer) {
        switch range.count {
        case 3:
            if ASCII.equals(buffer, range, "GET") { self = .get; return }
            if ASCII.equals(buffer, range, "PUT") { self = .put; return }
        case 4:
            if ASCII.equals(buffer, range, "POST") { self = .post; return }
            if ASCII.equals(buffer, range, "HEAD") { self = .head; return }
        case 5:
            if ASCII.equals(buffer, range, "PATCH") { self = .patch; return }
        case 6:
            if ASCII.equals(buffer, range, "DELETE") { self = .delete; return }
        case 7:
            if ASCII.equals(buffer, range, "OPTIONS") { self = .options; return }
        default:
            break
        }
        self = .other
    }
}

/// The protocol version of a request. Only HTTP/1.0 and HTTP/1.1 are accepted; any other `HTTP/x.y` is 505.
public enum HTTPVersion: Sendable {
    case http10, http11
}
