#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pull reader over one JSON text in memory, validating RFC 8259 fully as it goes and allocating nothing.
///
/// The caller walks the document: ``peek()`` tells the next value's kind, ``beginObject()`` and
/// ``nextMember()`` walk an object's members, ``beginArray()`` and ``nextElement()`` an array's elements,
/// ``readString()``, ``readNumber()``, ``readBool()``, ``readNull()`` read scalars and ``skipValue()``
/// validates and skips a whole value. Guarantees:
/// - every byte the reader passes over has been validated (structure, escapes, UTF-8, number grammar);
/// - every error is a ``JSONError`` carrying the byte offset of the problem; nothing traps on input;
/// - containers nest at most ``maxDepth`` deep (deeper → ``JSONError/Reason/tooDeep(limit:)``);
/// - string and number values are spans into the buffer; the buffer must outlive the reader's results.
///
/// The reader holds a raw pointer, so it is a transient value: make one per document, on one thread.
public struct JSONReader {
    /// The buffer being read.
    public let bytes: UnsafeRawBufferPointer
    @usableFromInline let base: UnsafePointer<UInt8>
    @usableFromInline let end: Int
    /// The offset of the next unread byte.
    public internal(set) var offset: Int {
        get { cursor }
        set { cursor = newValue }
    }
    /// How many containers are open.
    public internal(set) var depth: Int {
        get { nesting }
        set { nesting = newValue }
    }
    // The storage behind `offset` and `depth`, which the inlinable walk below changes (a public property's
    // internal setter cannot be used from inlinable code).
    @usableFromInline var cursor: Int
    @usableFromInline var nesting = 0
    public let maxDepth: Int
    /// True right after `{` or `[`: the next member or element needs no comma.
    @usableFromInline var atContainerStart = false

    public init(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = 64) {
        self.bytes = bytes
        // An empty buffer may have no base address; `end` is 0 then, so the placeholder is never read.
        self.base = bytes.baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) }
            ?? UnsafePointer(bitPattern: 1)!
        self.end = bytes.count
        self.cursor = 0
        self.maxDepth = maxDepth
    }

    /// Starts reading at `offset` (for bodies holding several documents, such as HEC or NDJSON).
    public init(_ bytes: UnsafeRawBufferPointer, from offset: Int, maxDepth: Int = 64) {
        self.init(bytes, maxDepth: maxDepth)
        self.cursor = min(max(0, offset), end)
    }

    /// Starts reading at `offset` inside `depth` open containers, right after a value of the innermost one
    /// (the next member or element needs a comma): for reading the rest of a long array on a second thread
    /// while the first reads up to there.
    public init(_ bytes: UnsafeRawBufferPointer, resumingAt offset: Int, depth: Int, maxDepth: Int = 64) {
        self.init(bytes, from: offset, maxDepth: maxDepth)
        nesting = depth
    }

    /// Moves on to `offset`, where a reader that started here with ``init(_:resumingAt:depth:maxDepth:)``
    /// arrived: in the same containers, right after a value.
    public mutating func skip(to offset: Int) {
        cursor = min(max(0, offset), end)
        atContainerStart = false
    }

    /// The raw bytes of a span.
    public func bytes(_ span: JSONSpan) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[span.start..<span.end])
    }

    @inlinable @inline(__always)  // inlined into the scanning loops; perf/decode-throughput.sh `validate` measures it
    func error(_ reason: JSONError.Reason, at position: Int) -> JSONError {
        JSONError(offset: position, reason: reason)
    }

    /// Skips whitespace; returns the next byte, or nil at the end of the buffer.
    @inlinable @inline(__always)  // inlined into the scanning loops; perf/decode-throughput.sh `validate` measures it
    mutating func skipWhitespace() -> UInt8? {
        while cursor < end {
            let byte = base[cursor]
            if byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
                cursor += 1
            } else {
                return byte
            }
        }
        return nil
    }

    /// Skips whitespace and reports whether the buffer is used up.
    public mutating func isAtEnd() -> Bool {
        skipWhitespace() == nil
    }

    /// Requires that only whitespace remains.
    public mutating func finish() throws(JSONError) {
        if skipWhitespace() != nil { throw error(.trailingData, at: cursor) }
    }

    /// The kind of the next value (after whitespace), without consuming it.
    @inlinable @inline(__always)
    public mutating func peek() throws(JSONError) -> JSONKind {
        guard let byte = skipWhitespace() else { throw error(.unexpectedEnd, at: cursor) }
        switch byte {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        default: throw error(.expectedValue, at: cursor)
        }
    }

    @inlinable @inline(__always)
    mutating func expect(_ kind: JSONKind) throws(JSONError) {
        let found = try peek()
        if found != kind { throw error(.wrongType(expected: kind, found: found), at: cursor) }
    }

    // MARK: Containers

    /// Consumes `{`.
    @inlinable @inline(__always)
    public mutating func beginObject() throws(JSONError) {
        try expect(.object)
        try open()
    }

    /// Consumes `[`.
    @inlinable
    public mutating func beginArray() throws(JSONError) {
        try expect(.array)
        try open()
    }

    @inlinable @inline(__always)
    mutating func open() throws(JSONError) {
        if nesting >= maxDepth { throw error(.tooDeep(limit: maxDepth), at: cursor) }
        nesting += 1
        cursor += 1
        atContainerStart = true
    }

    /// Moves to the next member of the current object: returns its name, having consumed the name and
    /// the `:` (read or skip the value next), or nil having consumed the closing `}`.
    ///
    /// Inlined: only compact JSON (`}`, or `"name":` right here or after a comma and at most one space);
    /// anything else (other whitespace, every error) goes the general way, ``nextMemberInGeneral()``, out of
    /// line, from the same place. Inlining the whole walk made the decoders' loops too large for the
    /// optimiser to inline more than one reader call into each.
    @inlinable @inline(__always)
    public mutating func nextMember() throws(JSONError) -> JSONString? {
        var index = cursor
        guard index < end else { return try nextMemberInGeneral() }
        if atContainerStart {
            if base[index] == UInt8(ascii: "}") {
                cursor = index &+ 1
                nesting -= 1
                atContainerStart = false
                return nil
            }
        } else {
            if base[index] == UInt8(ascii: "}") {
                cursor = index &+ 1
                nesting -= 1
                return nil
            }
            guard base[index] == UInt8(ascii: ",") else { return try nextMemberInGeneral() }
            index &+= 1
            if index < end && base[index] == 0x20 { index &+= 1 }
        }
        guard index < end && base[index] == UInt8(ascii: "\"") else { return try nextMemberInGeneral() }
        let start = cursor
        cursor = index
        let name = try scanString()
        guard cursor < end && base[cursor] == UInt8(ascii: ":") else {
            cursor = start
            return try nextMemberInGeneral()
        }
        cursor &+= 1
        atContainerStart = false
        return name
    }

    /// ``nextMember()`` for any whitespace, and every error.
    @usableFromInline @inline(never)
    mutating func nextMemberInGeneral() throws(JSONError) -> JSONString? {
        guard var byte = skipWhitespace() else { throw error(.unexpectedEnd, at: cursor) }
        if byte == UInt8(ascii: "}") {
            cursor += 1
            nesting -= 1
            atContainerStart = false
            return nil
        }
        if !atContainerStart {
            guard byte == UInt8(ascii: ",") else { throw error(.expectedCommaOr(closing: UInt8(ascii: "}")), at: cursor) }
            cursor += 1
            guard let next = skipWhitespace() else { throw error(.unexpectedEnd, at: cursor) }
            byte = next
        }
        guard byte == UInt8(ascii: "\"") else { throw error(.expectedMemberName, at: cursor) }
        let name = try scanString()
        guard let colon = skipWhitespace() else { throw error(.unexpectedEnd, at: cursor) }
        guard colon == UInt8(ascii: ":") else { throw error(.expectedColon, at: cursor) }
        cursor += 1
        atContainerStart = false
        return name
    }

    /// Moves to the next element of the current array: true when one follows (read or skip it next),
    /// false having consumed the closing `]`.
    @inlinable @inline(__always)
    public mutating func nextElement() throws(JSONError) -> Bool {
        guard let byte = skipWhitespace() else { throw error(.unexpectedEnd, at: cursor) }
        if byte == UInt8(ascii: "]") {
            cursor += 1
            nesting -= 1
            atContainerStart = false
            return false
        }
        if atContainerStart {
            atContainerStart = false
            return true
        }
        guard byte == UInt8(ascii: ",") else { throw error(.expectedCommaOr(closing: UInt8(ascii: "]")), at: cursor) }
        cursor += 1
        // A `]` right after the comma is caught by the value reader as "expected a value".
        return true
    }

    // MARK: Scalars

    /// Reads a string value.
    @inlinable @inline(__always)
    public mutating func readString() throws(JSONError) -> JSONString {
        // Usually the caller has just peeked: the quote is the next byte, no second dispatch needed.
        if cursor >= end || base[cursor] != UInt8(ascii: "\"") { try expect(.string) }
        atContainerStart = false
        return try scanString()
    }

    /// Reads a number value.
    public mutating func readNumber() throws(JSONError) -> JSONNumber {
        try expect(.number)
        atContainerStart = false
        return try scanNumber()
    }

    /// Reads `true` or `false`.
    public mutating func readBool() throws(JSONError) -> Bool {
        try expect(.bool)
        atContainerStart = false
        if base[cursor] == UInt8(ascii: "t") {
            try scanLiteral("true")
            return true
        }
        try scanLiteral("false")
        return false
    }

    /// Reads `null`.
    public mutating func readNull() throws(JSONError) {
        try expect(.null)
        atContainerStart = false
        try scanLiteral("null")
    }

    /// Reads any scalar; an object or array is a ``JSONError/Reason/wrongType(expected:found:)`` error.
    public mutating func readScalar() throws(JSONError) -> JSONScalar {
        guard let scalar = try readScalarUnlessContainer() else {
            throw error(.wrongType(expected: .string, found: try peek()), at: cursor)
        }
        return scalar
    }

    /// Reads the next value when it is a scalar; when it is an object or array, consumes nothing (but
    /// whitespace) and returns nil. One dispatch on the first byte, instead of ``peek()`` then a read.
    ///
    /// Inlined: a string or number right here; anything else (whitespace, containers, literals, errors) goes
    /// the general way, ``readScalarUnlessContainerInGeneral()``, out of line (see ``nextMember()``).
    @inlinable @inline(__always)
    public mutating func readScalarUnlessContainer() throws(JSONError) -> JSONScalar? {
        if cursor < end {
            let byte = base[cursor]
            if byte == UInt8(ascii: "\"") {
                atContainerStart = false
                return .string(try scanString())
            }
            if Self.isDigit(byte) || byte == UInt8(ascii: "-") {
                atContainerStart = false
                return .number(try scanNumber())
            }
        }
        return try readScalarUnlessContainerInGeneral()
    }

    /// ``readScalarUnlessContainer()`` for whitespace, containers, literals and errors.
    @usableFromInline @inline(never)
    mutating func readScalarUnlessContainerInGeneral() throws(JSONError) -> JSONScalar? {
        guard let byte = skipWhitespace() else { throw error(.unexpectedEnd, at: cursor) }
        switch byte {
        case UInt8(ascii: "\""):
            atContainerStart = false
            return .string(try scanString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            atContainerStart = false
            return .number(try scanNumber())
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            return nil
        case UInt8(ascii: "t"):
            atContainerStart = false
            try scanLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            atContainerStart = false
            try scanLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            atContainerStart = false
            try scanLiteral("null")
            return .null
        default:
            throw error(.expectedValue, at: cursor)
        }
    }

    @inlinable
    mutating func scanLiteral(_ literal: StaticString) throws(JSONError) {
        let count = literal.utf8CodeUnitCount
        let start = literal.utf8Start
        // Whole literal in one comparison when it fits; the byte loop below finds where a mismatch is.
        if cursor + count <= end && memcmp(base + cursor, start, count) == 0 {
            cursor += count
            return
        }
        for index in 0..<count {
            guard cursor + index < end else { throw error(.unexpectedEnd, at: cursor + index) }
            if base[cursor + index] != start[index] { throw error(.invalidLiteral, at: cursor + index) }
        }
        cursor += count
    }

    // MARK: Whole values

    /// Validates and skips the next value, however nested (within ``maxDepth``).
    public mutating func skipValue() throws(JSONError) {
        switch try peek() {
        case .object:
            try beginObject()
            while try nextMember() != nil { try skipValue() }
        case .array:
            try beginArray()
            while try nextElement() { try skipValue() }
        case .string:
            _ = try readString()
        case .number:
            _ = try readNumber()
        case .bool:
            _ = try readBool()
        case .null:
            try readNull()
        }
    }

    /// Validates a whole document: one value and nothing but whitespace after it.
    public static func validate(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = 64) throws(JSONError) {
        var reader = JSONReader(bytes, maxDepth: maxDepth)
        try reader.skipValue()
        try reader.finish()
    }
}
