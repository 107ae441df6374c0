extension JSONReader {
    /// A name that never matches: ``nextMember(expecting:)`` then reads the member as ``nextMember()`` does.
    @inlinable
    public static var noExpectedName: JSONString { JSONString(span: JSONSpan(start: 0, count: 0), hasEscapes: true) }

    /// ``nextMember()`` for a member that probably repeats a name read before: the attribute at the same
    /// place in the previous event of a batch of alike events. When the bytes here are that name followed
    /// by `":` (compact JSON), the name is taken by one comparison instead of a scan, and `expected` itself
    /// is returned: its span points at the earlier, identical bytes. Otherwise (another name, escapes,
    /// whitespace, a name shorter than 2 or longer than 14 bytes) the member is read as ``nextMember()``
    /// reads it.
    ///
    /// `expected` must be a name this reader (or one over the same buffer) returned: its bytes were
    /// validated then, so equal bytes here are valid too.
    @inlinable @inline(__always)
    public mutating func nextMember(expecting expected: JSONString) throws(JSONError) -> JSONString? {
        let count = expected.span.count
        guard !expected.hasEscapes, count >= 2, count <= 14, expected.span.start >= 0,
              expected.span.end &+ 2 <= end else { return try nextMember() }
        var index = cursor
        if !atContainerStart {
            guard index < end, base[index] == UInt8(ascii: ",") else { return try nextMember() }
            index &+= 1
            if index < end && base[index] == 0x20 { index &+= 1 }
        }
        let nameStart = index &+ 1
        // The name, its closing quote and the colon: `count + 2` bytes, compared with the `count + 2` that
        // follow the expected name's start (its bytes and closing quote, then whatever came after it).
        guard nameStart &+ count &+ 2 <= end, base[index] == UInt8(ascii: "\""),
              base[nameStart &+ count &+ 1] == UInt8(ascii: ":"),
              Self.equalRuns(base + nameStart, base + expected.span.start, count &+ 2) else { return try nextMember() }
        cursor = nameStart &+ count &+ 2
        atContainerStart = false
        return expected
    }

    /// Whether `count` (4...16) bytes at `a` and `b` are equal: two overlapping loads per side (EventModel's
    /// `ShortCompare` for any length; JSONStream does not depend on EventModel, and needs only this range).
    @inlinable @inline(__always)
    static func equalRuns(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        let a = UnsafeRawPointer(a), b = UnsafeRawPointer(b)
        if count >= 8 {
            return a.loadUnaligned(as: UInt64.self) == b.loadUnaligned(as: UInt64.self)
                && a.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
                    == b.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
        }
        return a.loadUnaligned(as: UInt32.self) == b.loadUnaligned(as: UInt32.self)
            && a.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self)
                == b.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self)
    }
}
