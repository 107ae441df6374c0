/// A pull reader over JSON text, for the snapshot codec: reads one value at a time, keeps the JSON path
/// of where it is, and refuses malformed input with that path and the line and column. Strings must be
/// valid UTF-8; numbers are integers, except where a field takes a decimal (``readNumber()``).
struct JSONReader {
    enum PathComponent {
        case key(String)
        case index(Int)
    }

    private let bytes: [UInt8]
    private(set) var position = 0
    private(set) var path: [PathComponent] = []
    /// The keys seen so far in each object being read, innermost last; reused, so reading allocates no
    /// list per object.
    private var seenKeys: [String] = []
    let file: String

    init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
        path.reserveCapacity(8)
    }

    // MARK: - Errors and path

    var pathText: String {
        var text = "$"
        for component in path {
            switch component {
            case let .key(key): text += "." + key
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

    /// The next value is of the wrong type (or missing: then it is a syntax error).
    private mutating func mismatch(_ expected: String) -> TokenError {
        peek() == nil ? syntax(expected) : refuse("expected " + expected)
    }

    private func syntax(_ expected: String) -> TokenError {
        var line = 1
        var column = 1
        for byte in bytes[..<min(position, bytes.count)] {
            if byte == UInt8(ascii: "\n") { line += 1; column = 1 } else { column += 1 }
        }
        let found = position < bytes.count ? "'\(Character(Unicode.Scalar(bytes[position])))'" : "the end of the file"
        return refuse("bad JSON at line \(line), column \(column): expected \(expected), found \(found)")
    }

    // MARK: - Structure

    private mutating func skipSpace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0a, 0x0d, 0x09: position += 1
            default: return
            }
        }
    }

    /// The first byte of the next value (after white space), or nil at the end.
    mutating func peek() -> UInt8? {
        skipSpace()
        return position < bytes.count ? bytes[position] : nil
    }

    private mutating func expect(_ byte: UInt8, _ description: String) throws(TokenError) {
        guard peek() == byte else { throw syntax(description) }
        position += 1
    }

    /// True (and consumed) when the next value is `null`.
    mutating func readNull() throws(TokenError) -> Bool {
        guard peek() == UInt8(ascii: "n") else { return false }
        try literal("null")
        return true
    }

    private mutating func literal(_ word: StaticString) throws(TokenError) {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw syntax("'\(word)'") }
        for i in 0..<count where bytes[position + i] != word.utf8Start[i] { throw syntax("'\(word)'") }
        position += count
    }

    /// Reads an object, calling `field` with each key (the path extended by it) to read its value.
    /// Refuses a key that appears twice.
    mutating func readObject(_ field: (inout JSONReader, String) throws(TokenError) -> Void) throws(TokenError) {
        guard peek() == UInt8(ascii: "{") else { throw mismatch("an object") }
        position += 1
        if peek() == UInt8(ascii: "}") { position += 1; return }
        let firstKey = seenKeys.count
        defer { seenKeys.removeSubrange(firstKey...) }
        while true {
            guard peek() == UInt8(ascii: "\"") else { throw syntax("a field name") }
            let key = try readStringBody()
            if seenKeys[firstKey...].contains(key) { throw refuse(field: key, "duplicate field '\(key)'") }
            seenKeys.append(key)
            try expect(UInt8(ascii: ":"), "':'")
            path.append(.key(key))
            try field(&self, key)
            path.removeLast()
            switch peek() {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"): position += 1; return
            default: throw syntax("',' or '}'")
            }
        }
    }

    /// Reads an array, calling `element` with each index (the path extended by it).
    mutating func readArray(_ element: (inout JSONReader, Int) throws(TokenError) -> Void) throws(TokenError) {
        guard peek() == UInt8(ascii: "[") else { throw mismatch("an array") }
        position += 1
        if peek() == UInt8(ascii: "]") { position += 1; return }
        var index = 0
        while true {
            path.append(.index(index))
            try element(&self, index)
            path.removeLast()
            index += 1
            switch peek() {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return
            default: throw syntax("',' or ']'")
            }
        }
    }

    // MARK: - Scalars

    mutating func readString() throws(TokenError) -> String {
        guard peek() == UInt8(ascii: "\"") else { throw mismatch("a string") }
        return try readStringBody()
    }

    /// A string, or nil for `null`.
    mutating func readOptionalString() throws(TokenError) -> String? {
        if try readNull() { return nil }
        return try readString()
    }

    mutating func readBool() throws(TokenError) -> Bool {
        switch peek() {
        case UInt8(ascii: "t"): try literal("true"); return true
        case UInt8(ascii: "f"): try literal("false"); return false
        default: throw mismatch("true or false")
        }
    }

    mutating func readInt() throws(TokenError) -> Int {
        guard let first = peek(), first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39) else {
            throw mismatch("an integer")
        }
        let negative = first == UInt8(ascii: "-")
        if negative { position += 1 }
        var value = 0
        var digits = 0
        while position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x39 {
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(Int(bytes[position] - 0x30))
            if overflow1 || overflow2 { throw refuse("integer out of range") }
            value = sum
            digits += 1
            position += 1
        }
        if digits == 0 { throw syntax("a digit") }
        if position < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[position]) {
            throw refuse("expected an integer")
        }
        return negative ? -value : value
    }

    /// A JSON number (integer, fraction, exponent) as a `Double`; one too large for a `Double` reads as
    /// infinity, which validation refuses.
    mutating func readNumber() throws(TokenError) -> Double {
        guard let first = peek(), first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39) else {
            throw mismatch("a number")
        }
        let start = position
        func digits() -> Int {
            let from = position
            while position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x39 { position += 1 }
            return position - from
        }
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        let integerStart = position
        let integerDigits = digits()
        if integerDigits == 0 || (integerDigits > 1 && bytes[integerStart] == 0x30) { throw syntax("a number") }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            if digits() == 0 { throw syntax("a digit after '.'") }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            if digits() == 0 { throw syntax("a digit in the exponent") }
        }
        guard let value = Double(String(decoding: bytes[start..<position], as: UTF8.self)) else { throw syntax("a number") }
        return value
    }

    mutating func readOptionalNumber() throws(TokenError) -> Double? {
        if try readNull() { return nil }
        return try readNumber()
    }

    /// Skips any value, returning the byte range it occupied (for handing a sub-document to another decoder).
    mutating func skipValue() throws(TokenError) -> Range<Int> {
        guard let first = peek() else { throw syntax("a value") }
        let start = position
        switch first {
        case UInt8(ascii: "{"): try readObject { (reader, _) throws(TokenError) in _ = try reader.skipValue() }
        case UInt8(ascii: "["): try readArray { (reader, _) throws(TokenError) in _ = try reader.skipValue() }
        case UInt8(ascii: "\""): _ = try readStringBody()
        case UInt8(ascii: "t"), UInt8(ascii: "f"): _ = try readBool()
        case UInt8(ascii: "n"): try literal("null")
        default:
            while position < bytes.count, bytes[position] == UInt8(ascii: "-") || bytes[position] == UInt8(ascii: "+")
                || bytes[position] == UInt8(ascii: ".") || bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E")
                || (bytes[position] >= 0x30 && bytes[position] <= 0x39) { position += 1 }
            if position == start { throw syntax("a value") }
        }
        return start..<position
    }

    subscript(range: Range<Int>) -> ArraySlice<UInt8> { bytes[range] }

    /// Refuses anything but white space after the top-level value.
    mutating func expectEnd() throws(TokenError) {
        if peek() != nil { throw syntax("the end of the file") }
    }

    /// Reads a string whose opening quote is next.
    private mutating func readStringBody() throws(TokenError) -> String {
        position += 1
        let start = position
        var high: UInt8 = 0
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let text = try makeString(start..<position, ascii: high < 0x80)
                position += 1
                return text
            }
            high |= byte
            if byte == UInt8(ascii: "\\") {
                position = start
                return try readEscapedStringBody()
            }
            if byte < 0x20 { throw syntax("no control characters inside a string") }
            position += 1
        }
        throw syntax("'\"'")
    }

    private mutating func readEscapedStringBody() throws(TokenError) -> String {
        var out = [UInt8]()
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                let text = String(decoding: out, as: UTF8.self)
                guard text.utf8.elementsEqual(out) else { throw refuse("a string is not valid UTF-8") }
                return text
            case UInt8(ascii: "\\"):
                guard position < bytes.count else { throw syntax("an escape") }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0c)
                case UInt8(ascii: "n"): out.append(0x0a)
                case UInt8(ascii: "r"): out.append(0x0d)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try readHex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                            throw refuse("a \\u escape is an unpaired surrogate")
                        }
                        position += 2
                        let low = try readHex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw refuse("a \\u escape is an unpaired surrogate") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw refuse("a \\u escape is an unpaired surrogate") }
                    out.append(contentsOf: Array(String(Character(unicode)).utf8))
                default: throw syntax("a valid escape")
                }
            default:
                if byte < 0x20 { position -= 1; throw syntax("no control characters inside a string") }
                out.append(byte)
            }
        }
        throw syntax("'\"'")
    }

    /// The text of `range`; decoding replaces invalid UTF-8, so anything but ASCII is compared back.
    private func makeString(_ range: Range<Int>, ascii: Bool) throws(TokenError) -> String {
        let text = bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[range]), as: UTF8.self) }
        if !ascii && !text.utf8.elementsEqual(bytes[range]) { throw refuse("a string is not valid UTF-8") }
        return text
    }

    private mutating func readHex4() throws(TokenError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw syntax("four hex digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[position]
            let digit: UInt32
            switch c {
            case 0x30...0x39: digit = UInt32(c - 0x30)
            case 0x61...0x66: digit = UInt32(c - 0x61 + 10)
            case 0x41...0x46: digit = UInt32(c - 0x41 + 10)
            default: throw syntax("a hex digit")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }
}
