/// Byte constants and classes of the HTTP grammar (RFC 9110 §5.6, RFC 9112), as branch-free bit tests.
///
/// Guarantees: `isTokenChar` is exactly `tchar`; `isFieldValueChar` is `field-vchar / SP / HTAB` (obs-text
/// included); `isTargetChar` is any visible byte (no CTL, no SP, no DEL; bytes >= 0x80 are tolerated).
enum ASCII {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let sp: UInt8 = 0x20
    static let ht: UInt8 = 0x09
    static let colon: UInt8 = 0x3A
    static let semicolon: UInt8 = 0x3B
    static let comma: UInt8 = 0x2C
    static let question: UInt8 = 0x3F
    static let slash: UInt8 = 0x2F

    /// `tchar` bits for bytes 0...63: ! # $ % & ' * + - . 0-9 (checked against the RFC list by a test).
    static let tcharLow: UInt64 = 0x03FF_6CFA_0000_0000
    /// `tchar` bits for bytes 64...127: A-Z ^ _ ` a-z | ~.
    static let tcharHigh: UInt64 = 0x57FF_FFFF_C7FF_FFFE

    static func isTokenChar(_ byte: UInt8) -> Bool {
        if byte < 64 { return tcharLow & (1 << UInt64(byte)) != 0 }
        if byte < 128 { return tcharHigh & (1 << UInt64(byte - 64)) != 0 }
        return false
    }

    static func isFieldValueChar(_ byte: UInt8) -> Bool {
        byte == ht || (byte >= sp && byte != 0x7F)
    }

    static func isTargetChar(_ byte: UInt8) -> Bool {
        byte > sp && byte != 0x7F
    }

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == sp || byte == ht
    }

    static func lowercased(_ byte: UInt8) -> UInt8 {
        byte &- 0x41 < 26 ? byte | 0x20 : byte  // wraps on purpose: one compare tests A...Z
    }

    /// The value of a hexadecimal digit, or nil.
    static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 0x30...0x39: Int(byte - 0x30)
        case 0x41...0x46: Int(byte - 0x41 + 10)
        case 0x61...0x66: Int(byte - 0x61 + 10)
        default: nil
        }
    }

    /// Whether `range` of `buffer` is exactly `literal` (case-sensitive).
    static func equals(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>, _ literal: StaticString) -> Bool {
        guard range.count == literal.utf8CodeUnitCount else { return false }
        let bytes = literal.utf8Start
        var i = 0
        while i < range.count {
            if buffer[range.lowerBound + i] != bytes[i] { return false }
            i += 1
        }
        return true
    }

    /// Whether `range` of `buffer` equals the lowercase `literal` ignoring ASCII case.
    static func equalsIgnoringCase(
        _ buffer: UnsafeRawBufferPointer, _ range: Range<Int>, _ literal: StaticString
    ) -> Bool {
        guard range.count == literal.utf8CodeUnitCount else { return false }
        let bytes = literal.utf8Start
        var i = 0
        while i < range.count {
            if lowercased(buffer[range.lowerBound + i]) != bytes[i] { return false }
            i += 1
        }
        return true
    }

    /// Calls `body` with each non-empty element of the comma-separated list in `range`, trimmed of OWS
    /// (RFC 9110 §5.6.1). Stops early when `body` returns false; returns whether it ran to the end.
    @discardableResult
    static func forEachListElement(
        _ buffer: UnsafeRawBufferPointer, _ range: Range<Int>, _ body: (Range<Int>) -> Bool
    ) -> Bool {
        var i = range.lowerBound
        while i < range.upperBound {
            while i < range.upperBound && (isWhitespace(buffer[i]) || buffer[i] == comma) { i += 1 }
            let start = i
            var end = i
            while i < range.upperBound && buffer[i] != comma {
                if !isWhitespace(buffer[i]) { end = i + 1 }
                i += 1
            }
            if end > start && !body(start..<end) { return false }
        }
        return true
    }
}
