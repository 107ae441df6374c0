import JSONStream
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// JSONStream's reader with the JSON path of where it is, for the files Tokens reads (the snapshot, the
/// token-usage file). Scanning and validation are JSONStream's; this adds what those files' refusals need:
/// - every refusal names the file, the JSON path (`$.ingestTokens[3].repository`) and the reason; a syntax
///   error adds its line and column, computed from the reader's byte offset;
/// - a member name that appears twice in one object is refused;
/// - strings come out as `String`, and a `\u` escape that is half a surrogate pair is refused (JSONStream
///   would read it as U+FFFD).
///
/// The path is a stack of member-name spans and indexes into the text, so walking it allocates nothing;
/// it is spelled out only for a refusal.
struct JSONPathReader {
    enum Component {
        case member(JSONString)
        case index(Int)
    }

    private(set) var json: JSONReader
    let file: String
    private var path: [Component] = []
    /// The member names read so far in each open object, innermost last (for duplicate refusal).
    private var seen: [JSONString] = []

    private init(_ json: JSONReader, file: String) {
        self.json = json
        self.file = file
        path.reserveCapacity(8)
        seen.reserveCapacity(32)
    }

    /// Reads `bytes` with `body`, then requires that nothing but white space follows.
    static func read<T>(_ bytes: [UInt8], file: String,
                        _ body: (inout JSONPathReader) throws(TokenError) -> T) throws(TokenError) -> T {
        let outcome = bytes.withUnsafeBytes { raw -> Result<T, TokenError> in
            Result { () throws(TokenError) -> T in try read(raw: raw, file: file, body) }
        }
        return try outcome.get()
    }

    /// Reads `raw` with `body`, as ``read(_:file:_:)`` reads an array's bytes.
    static func read<T>(raw: UnsafeRawBufferPointer, file: String,
                        _ body: (inout JSONPathReader) throws(TokenError) -> T) throws(TokenError) -> T {
        var reader = JSONPathReader(JSONReader(raw), file: file)
        let value = try body(&reader)
        try reader.expectEnd()
        return value
    }

    /// A reader of `raw` from `offset`, a comma between two elements of an array `depth` containers deep:
    /// for reading the rest of that array on a second thread (``readRemainingElements(_:)``). Its refusals'
    /// paths start at that array.
    init(raw: UnsafeRawBufferPointer, resumingAt offset: Int, depth: Int, file: String) {
        self.init(JSONReader(raw, resumingAt: offset, depth: depth), file: file)
    }

    /// Reads the elements left in the array this reader is inside (see ``init(raw:resumingAt:depth:file:)``)
    /// with `element`, and the array's `]`; returns the offset of that `]`.
    mutating func readRemainingElements(_ element: (inout JSONPathReader) throws(TokenError) -> Void) throws(TokenError) -> Int {
        while try step("',' or ']'", { (json) throws(JSONError) in try json.nextElement() }) {
            try element(&self)
        }
        return json.offset - 1
    }

    /// Moves on to `offset`, the end of what a reader resuming here read (``JSONReader/skip(to:)``).
    mutating func skip(to offset: Int) {
        json.skip(to: offset)
    }

    /// The offset of the next unread byte.
    var offset: Int { json.offset }

    /// Bytes of the text not read yet: an upper bound for sizing what the rest of it fills.
    var remainingBytes: Int { json.bytes.count - json.offset }

    // MARK: - Refusals

    var pathText: String {
        var text = "$"
        for component in path {
            switch component {
            case let .member(name): text += "." + self.text(of: name)
            case let .index(index): text += "[\(index)]"
            }
        }
        return text
    }

    /// A refusal at the current path.
    func refuse(_ reason: String) -> TokenError {
        .invalidSnapshot(file: file, path: pathText, reason: reason)
    }

    /// A refusal at the current path plus `key`.
    func refuse(field key: String, _ reason: String) -> TokenError {
        .invalidSnapshot(file: file, path: pathText + "." + key, reason: reason)
    }

    /// A syntax error at `offset`: `bad JSON at line L, column C: expected …, found …`.
    func syntax(_ expected: String, at offset: Int) -> TokenError {
        let bytes = json.bytes
        let offset = min(offset, bytes.count)
        var line = 1
        var lineStart = 0
        for index in 0..<offset where bytes[index] == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        }
        let found = offset < bytes.count ? "'\(Character(Unicode.Scalar(bytes[offset])))'" : "the end of the file"
        return refuse("bad JSON at line \(line), column \(offset - lineStart + 1): expected \(expected), found \(found)")
    }

    /// What JSONStream's error means here, where `expecting` was to be read.
    func refusal(_ error: JSONError, expecting: String) -> TokenError {
        switch error.reason {
        case .wrongType: return refuse("expected " + expecting)
        case .invalidUTF8: return refuse("a string is not valid UTF-8")
        case let .tooDeep(limit): return refuse("nesting deeper than \(limit)")
        case .expectedColon: return syntax("':'", at: error.offset)
        case let .expectedCommaOr(closing): return syntax("',' or '\(Character(Unicode.Scalar(closing)))'", at: error.offset)
        case .expectedMemberName: return syntax("a field name", at: error.offset)
        case .invalidEscape: return syntax("a valid escape", at: error.offset)
        case .controlCharacterInString: return syntax("no control characters inside a string", at: error.offset)
        case .trailingData: return syntax("the end of the file", at: error.offset)
        case .invalidNumber: return syntax(numberExpectation(before: error.offset), at: error.offset)
        case .unexpectedEnd, .unexpectedByte, .expectedValue, .invalidLiteral: return syntax(expecting, at: error.offset)
        }
    }

    /// What a malformed number lacks, from the byte before the problem.
    private func numberExpectation(before offset: Int) -> String {
        let bytes = json.bytes
        guard offset > 0, offset <= bytes.count else { return "a number" }
        let previous = bytes[offset - 1]
        if previous == UInt8(ascii: ".") { return "a digit after '.'" }
        if previous | 0x20 == UInt8(ascii: "e") { return "a digit in the exponent" }
        if (previous == UInt8(ascii: "+") || previous == UInt8(ascii: "-")) && offset > 1 && bytes[offset - 2] | 0x20 == UInt8(ascii: "e") {
            return "a digit in the exponent"
        }
        return "a number"
    }

    /// Runs one step of JSONStream's reader, its error refused as where `expecting` was to be read.
    @inline(__always)
    private mutating func step<T>(_ expecting: String, _ body: (inout JSONReader) throws(JSONError) -> T) throws(TokenError) -> T {
        do {
            return try body(&json)
        } catch {
            throw refusal(error, expecting: expecting)
        }
    }

    // MARK: - Containers

    /// Reads an object, calling `member` with each name (the path extended by it) to read its value.
    /// Refuses a name that appears twice.
    mutating func readObject(_ member: (inout JSONPathReader, FieldName) throws(TokenError) -> Void) throws(TokenError) {
        try step("an object") { (json) throws(JSONError) in try json.beginObject() }
        let firstSeen = seen.count
        defer { seen.removeSubrange(firstSeen...) }
        var expecting = "a field name"
        while let name = try step(expecting, { (json) throws(JSONError) in try json.nextMember() }) {
            expecting = "',' or '}'"
            let key = fieldName(name)
            if name.hasEscapes && json.hasUnpairedSurrogate(name) { throw refuse("a \\u escape is an unpaired surrogate") }
            for earlier in seen[firstSeen...] where fieldName(earlier) == key {
                throw refuse(field: key.text, "duplicate field '\(key.text)'")
            }
            seen.append(name)
            path.append(.member(name))
            try member(&self, key)
            path.removeLast()
        }
    }

    /// Reads an array, calling `element` with each index (the path extended by it).
    mutating func readArray(_ element: (inout JSONPathReader, Int) throws(TokenError) -> Void) throws(TokenError) {
        try step("an array") { (json) throws(JSONError) in try json.beginArray() }
        var index = 0
        while true {
            // A first element cut off by the end of the text is refused by the element's reader, at its
            // index and in its terms ("expected an object").
            if index > 0 || !json.isAtEnd() {
                guard try step("',' or ']'", { (json) throws(JSONError) in try json.nextElement() }) else { return }
            }
            path.append(.index(index))
            try element(&self, index)
            path.removeLast()
            index += 1
        }
    }

    /// A member name as the reader's callback sees it; `switch` on it with string literals.
    private func fieldName(_ name: JSONString) -> FieldName {
        guard name.hasEscapes else { return FieldName(.raw(json.bytes(name.span))) }
        var unescaped: [UInt8] = []
        json.unescape(name, appendingTo: &unescaped)
        return FieldName(.unescaped(unescaped))
    }

    private func text(of name: JSONString) -> String {
        fieldName(name).text
    }

    // MARK: - Scalars

    /// True (and consumed) when the next value is `null`. Anything else, malformed or not, is left for the
    /// read that follows to refuse in its own terms.
    mutating func readNull() throws(TokenError) -> Bool {
        guard (try? json.peek()) == .null else { return false }
        try step("null") { (json) throws(JSONError) in try json.readNull() }
        return true
    }

    mutating func readString() throws(TokenError) -> String {
        let string = try step("a string") { (json) throws(JSONError) in try json.readString() }
        guard string.hasEscapes else {
            // Validated UTF-8 already.
            return String(decoding: json.bytes(string.span), as: UTF8.self)
        }
        if json.hasUnpairedSurrogate(string) { throw refuse("a \\u escape is an unpaired surrogate") }
        let json = self.json
        // Unescaping never lengthens a string.
        return String(unsafeUninitializedCapacity: string.span.count) { buffer in
            json.unescape(string, into: UnsafeMutableRawPointer(buffer.baseAddress!))
        }
    }

    /// A string, or nil for `null`.
    mutating func readOptionalString() throws(TokenError) -> String? {
        if try readNull() { return nil }
        return try readString()
    }

    mutating func readBool() throws(TokenError) -> Bool {
        try step("true or false") { (json) throws(JSONError) in try json.readBool() }
    }

    mutating func readInt() throws(TokenError) -> Int {
        let number = try readNumberText("an integer")
        guard number.isInteger else { throw refuse("expected an integer") }
        guard let value = json.int64(number), let int = Int(exactly: value) else { throw refuse("integer out of range") }
        return int
    }

    /// A JSON number (integer, fraction, exponent) as a `Double`; one too large for a `Double` reads as
    /// infinity, which validation refuses.
    mutating func readNumber() throws(TokenError) -> Double {
        let number = try readNumberText("a number")
        if let value = json.double(number) { return value }
        return json.bytes[number.span.start] == UInt8(ascii: "-") ? -.infinity : .infinity
    }

    mutating func readOptionalNumber() throws(TokenError) -> Double? {
        if try readNull() { return nil }
        return try readNumber()
    }

    /// A number, refusing one with a leading zero (`07`), which JSONStream reads as `0` followed by a stray digit.
    private mutating func readNumberText(_ expecting: String) throws(TokenError) -> JSONNumber {
        let number = try step(expecting) { (json) throws(JSONError) in try json.readNumber() }
        let next = json.offset
        if next < json.bytes.count, json.bytes[next] &- UInt8(ascii: "0") < 10 { throw syntax("a number", at: next) }
        return number
    }

    /// Validates and skips the next value, however nested.
    mutating func skipValue() throws(TokenError) {
        try step("a value") { (json) throws(JSONError) in try json.skipValue() }
    }

    /// Refuses anything but white space after the top-level value.
    mutating func expectEnd() throws(TokenError) {
        try step("the end of the file") { (json) throws(JSONError) in try json.finish() }
    }
}

/// A member name read by ``JSONPathReader/readObject(_:)``, unescaped; valid during the callback. A `switch`
/// on it matches string literals by their bytes (`case "name":`), with no `String` made.
struct FieldName: Equatable, CustomStringConvertible {
    enum Storage: Equatable {
        /// The name's bytes in the text (it has no escapes).
        case raw(UnsafeRawBufferPointer)
        case unescaped([UInt8])

        static func == (a: Storage, b: Storage) -> Bool {
            switch (a, b) {
            case let (.raw(x), .raw(y)): x.count == y.count && (x.isEmpty || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0)
            default: a.bytes == b.bytes
            }
        }

        var bytes: [UInt8] {
            switch self {
            case let .raw(raw): Array(raw)
            case let .unescaped(bytes): bytes
            }
        }
    }

    let storage: Storage

    init(_ storage: Storage) {
        self.storage = storage
    }

    var text: String {
        switch storage {
        case let .raw(raw): String(decoding: raw, as: UTF8.self)
        case let .unescaped(bytes): String(decoding: bytes, as: UTF8.self)
        }
    }

    var description: String { text }

    static func ~= (pattern: StaticString, name: FieldName) -> Bool {
        let count = pattern.utf8CodeUnitCount
        switch name.storage {
        case let .raw(raw):
            return raw.count == count && (count == 0 || memcmp(raw.baseAddress!, pattern.utf8Start, count) == 0)
        case let .unescaped(bytes):
            return bytes.count == count && (count == 0 || memcmp(bytes, pattern.utf8Start, count) == 0)
        }
    }
}
