/// A half-open byte range inside the buffer a ``JSONReader`` reads.
public struct JSONSpan: Sendable, Hashable {
    public var start: Int
    public var count: Int

    public init(start: Int, count: Int) {
        self.start = start
        self.count = count
    }

    public var end: Int { start + count }
}

/// A string value or member name: the bytes between the quotes, exactly as sent, already validated
/// (escapes well formed, UTF-8 valid, no raw control characters). When ``hasEscapes`` is false the raw
/// bytes are the value; otherwise unescape with ``JSONReader/unescape(_:appendingTo:)`` or
/// ``JSONReader/forEachUnescapedChunk(of:_:)``.
public struct JSONString: Sendable, Hashable {
    public var span: JSONSpan
    public var hasEscapes: Bool

    public init(span: JSONSpan, hasEscapes: Bool) {
        self.span = span
        self.hasEscapes = hasEscapes
    }
}

/// A number value: its raw bytes, already validated against the RFC 8259 grammar. ``isInteger`` is true
/// when it has neither a fraction nor an exponent. Read it with ``JSONReader/int64(_:)`` or
/// ``JSONReader/double(_:)``.
public struct JSONNumber: Sendable, Hashable {
    public var span: JSONSpan
    public var isInteger: Bool

    public init(span: JSONSpan, isInteger: Bool) {
        self.span = span
        self.isInteger = isInteger
    }
}

/// A scalar value as returned by ``JSONReader/readScalar()``.
public enum JSONScalar: Sendable, Hashable {
    case string(JSONString)
    case number(JSONNumber)
    case bool(Bool)
    case null
}
