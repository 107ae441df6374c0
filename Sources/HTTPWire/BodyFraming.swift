/// How a request's body is delimited, decided from `Content-Length` and `Transfer-Encoding` (RFC 9112 §6.3).
///
/// Guarantees: `.contentLength(n)` has `0 <= n <= maxBodyBytes`; `.chunked` means `chunked` was the only
/// transfer coding; `.none` means neither field was present (no body on a request). `Content-Length: 0` is kept as
/// `.contentLength(0)`, as sent.
public enum BodyFraming: Sendable, Equatable {
    case none
    case contentLength(Int)
    case chunked
}

/// The `Content-Encoding` of a request body. `x-gzip` is `.gzip`; `identity` (or no field) is `.identity`;
/// `zstd` is RFC 8878's Zstandard (what Vector and the OpenTelemetry collector send).
///
/// Guarantees: at most one non-identity coding was sent; any other coding is refused with 415 by the parser.
public enum ContentCoding: Sendable, Equatable {
    case identity, gzip, deflate, zstd
}
