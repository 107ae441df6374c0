/// One header field line: name and value as byte ranges of the parsed buffer (value trimmed of OWS).
public struct HeaderField: Sendable, Equatable {
    public var name: Range<Int>
    public var value: Range<Int>

    public init(name: Range<Int>, value: Range<Int>) {
        self.name = name
        self.value = value
    }
}

/// A parsed request head: the request line, the header fields and what they mean for the body and connection.
///
/// Offsets are relative to the start of the buffer passed to the parser (the request's first byte); nothing is
/// copied, so a head is only meaningful together with that buffer. Guarantees once complete: the framing fields
/// passed the smuggling checks of ``RequestParser``, `headLength` is where the body (or the next pipelined
/// request) starts, and every range lies inside `0..<headLength`. A head can be reused across requests
/// (``RequestParser/parseHead(_:limits:into:)``) so its `headers` storage is allocated once per connection.
public struct RequestHead: Sendable {
    public var method: HTTPMethod = .other
    /// The method token as sent (useful for `.other`).
    public var methodToken: Range<Int> = 0..<0
    public var version: HTTPVersion = .http11
    /// The request-target as sent.
    public var target: Range<Int> = 0..<0
    /// The target without `?query`. For an absolute-form target (`http://host/p`) the part from the path's `/`
    /// (empty when the target has no path, which means `/`); for `*` it is `*`.
    public var path: Range<Int> = 0..<0
    /// What follows the first `?` of the target, if there is one (possibly empty).
    public var query: Range<Int>?
    /// Every field line in order, duplicates included.
    public var headers: [HeaderField] = []
    public var framing: BodyFraming = .none
    /// HTTP/1.1: true unless `Connection: close`. HTTP/1.0: true only with `Connection: keep-alive` (and no close).
    public var keepAlive = true
    /// `Expect: 100-continue` on an HTTP/1.1 request (ignored on HTTP/1.0, RFC 9110 §10.1.1).
    public var expectContinue = false
    public var contentEncoding: ContentCoding = .identity
    /// The value of the (single) `Authorization` field.
    public var authorization: Range<Int>?
    /// Bytes up to and including the blank line that ends the head.
    public var headLength = 0

    public init() {
        headers.reserveCapacity(16)
    }

    /// Where an unfinished scan stopped (see ``RequestParser/parseHead(_:limits:into:)``).
    var scan = HeadScanState()

    /// Clears every member, including a suspended scan, but keeps the header storage.
    public mutating func reset() {
        method = .other
        methodToken = 0..<0
        version = .http11
        target = 0..<0
        path = 0..<0
        query = nil
        headers.removeAll(keepingCapacity: true)
        framing = .none
        keepAlive = true
        expectContinue = false
        contentEncoding = .identity
        authorization = nil
        headLength = 0
        scan = HeadScanState()
    }

    /// The value of the first field named `lowercasedName` (compared ignoring ASCII case), or nil.
    public func header(_ lowercasedName: StaticString, in buffer: UnsafeRawBufferPointer) -> Range<Int>? {
        for field in headers where ASCII.equalsIgnoringCase(buffer, field.name, lowercasedName) {
            return field.value
        }
        return nil
    }
}
