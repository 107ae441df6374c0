/// What one call to ``RequestParser/parseHead(_:limits:)`` found.
public enum HeadParseResult: Sendable {
    case complete(RequestHead)
    case needMore
    case invalid(HTTPError)
}

/// What one call to ``RequestParser/parseHead(_:limits:into:)`` found; on `.complete` the head was filled in.
public enum HeadParseStatus: Sendable, Equatable {
    case complete
    case needMore
    case invalid(HTTPError)
}

/// A stateless, zero-copy HTTP/1.1 request-head parser in the style of picohttpparser.
///
/// ``parseHead(_:limits:)`` parses the buffer from its first byte, so the caller simply calls again with more bytes
/// after `.needMore`; ``parseHead(_:limits:into:)`` continues where the previous `.needMore` stopped, so the work is
/// linear in the head's size however it is split. Guarantees:
/// - never reads past `limits.maxHeadBytes`; an unfinished head that long is `.headTooLarge` (431) at once;
/// - a malformed prefix is `.invalid` as soon as the offending byte arrives, and a valid head is `.needMore`
///   until its last byte, whatever way it is split;
/// - lines end with CRLF only: a bare LF or bare CR is 400 (no tolerance, so no front-end can disagree with us
///   on where a line ends); empty lines before the request line are skipped (RFC 9112 §2.2);
/// - the field rules of RFC 9112 §5 hold (no whitespace before the colon, no obs-fold, no control bytes other
///   than HTAB in values) and the body framing follows RFC 9112 §6 with the smuggling checks listed in
///   `RequestParser+Fields.swift`.
public enum RequestParser {
    public static func parseHead(_ buffer: UnsafeRawBufferPointer, limits: HTTPLimits) -> HeadParseResult {
        var head = RequestHead()
        switch parseHead(buffer, limits: limits, into: &head) {
        case .complete: return .complete(head)
        case .needMore: return .needMore
        case .invalid(let error): return .invalid(error)
        }
    }

    /// Parses into a caller-owned head, so a connection reuses its header storage.
    ///
    /// After `.needMore` the head remembers where the scan stopped, and the next call continues there: pass the
    /// same request's bytes again (from its first byte, possibly moved to another buffer) with more appended. Any
    /// other verdict, a shorter buffer, or ``RequestHead/reset()`` starts the next call from scratch.
    public static func parseHead(
        _ buffer: UnsafeRawBufferPointer, limits: HTTPLimits, into head: inout RequestHead
    ) -> HeadParseStatus {
        if !head.scan.suspended || buffer.count < head.scan.offset { head.reset() }
        let end = min(buffer.count, limits.maxHeadBytes)
        let status: HeadParseStatus
        switch scanHead(buffer, end: end, limits: limits, into: &head) {
        case .complete:
            status = interpretFields(buffer, limits: limits, head: &head)
        case .needMore:
            guard buffer.count >= limits.maxHeadBytes else { return .needMore }
            status = .invalid(.headTooLarge)
        case .invalid(let error):
            status = .invalid(error)
        }
        head.scan.suspended = false
        return status
    }
}
