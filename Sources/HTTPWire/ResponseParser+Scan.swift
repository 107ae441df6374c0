/// Byte scanning helpers of ``ResponseParser``; all bounds-checked by their ranges, none allocates.
extension ResponseParser {
    /// Index of the first LF in `from..<end`.
    static func findLF(_ buffer: UnsafeRawBufferPointer, from: Int, end: Int) -> Int? {
        find(ASCII.lf, buffer, from: from, end: end)
    }

    static func find(_ byte: UInt8, _ buffer: UnsafeRawBufferPointer, from: Int, end: Int) -> Int? {
        var index = from
        while index < end {
            if buffer[index] == byte { return index }
            index += 1
        }
        return nil
    }

    /// ASCII lower-casing of one byte.
    static func lower(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }

    /// Whether `range` holds `literal` (given in lower case), ignoring ASCII case.
    static func equalsLowercase(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>, _ literal: StaticString) -> Bool {
        guard range.count == literal.utf8CodeUnitCount else { return false }
        let text = literal.utf8Start
        for i in 0..<range.count where lower(buffer[range.lowerBound + i]) != text[i] { return false }
        return true
    }

    /// Whether `range` ends with `literal` (lower case), ignoring ASCII case.
    static func endsWithLowercase(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>, _ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard range.count >= count else { return false }
        return equalsLowercase(buffer, (range.upperBound - count)..<range.upperBound, literal)
    }

    /// Whether `range` contains `literal` (lower case) anywhere, ignoring ASCII case.
    static func containsLowercase(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>, _ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard range.count >= count else { return false }
        for start in range.lowerBound...(range.upperBound - count)
        where equalsLowercase(buffer, start..<(start + count), literal) {
            return true
        }
        return false
    }

    /// A non-empty run of decimal digits, at most 18 of them (so it cannot overflow).
    static func decimal(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int? {
        guard !range.isEmpty, range.count <= 18 else { return nil }
        var value = 0
        for index in range {
            let digit = buffer[index] &- 0x30
            guard digit < 10 else { return nil }
            value = value * 10 + Int(digit)
        }
        return value
    }
}
