import CByteScan

extension JSONReader {
    /// Scans the string starting at `cursor` (on its opening quote), validating escapes and UTF-8.
    ///
    /// Inlined: only the common case, a run of plain ASCII up to the closing quote at least 16 bytes before the
    /// buffer's end. Anything else (an escape, a control or non-ASCII byte, the buffer's last 16 bytes) goes on
    /// in ``scanStringRest(start:from:)``, out of line: the whole scanner inlined into every caller made the
    /// decoders' loops too large for the optimiser to inline more than one reader call into each.
    @inlinable @inline(__always)  // inlined into the scanning loops; perf/decode-throughput.sh `validate` measures it
    mutating func scanString() throws(JSONError) -> JSONString {
        let start = cursor &+ 1
        var index = start
        while index &+ 16 <= end {
            let mask = sluice_json_string_attention16(base + index)
            if mask != 0 {
                index &+= mask.trailingZeroBitCount
                guard base[index] == UInt8(ascii: "\"") else { break }
                cursor = index &+ 1
                return JSONString(span: JSONSpan(start: start, count: index &- start), hasEscapes: false)
            }
            index &+= 16
        }
        return try scanStringRest(start: start, from: index)
    }

    /// The rest of ``scanString()`` from `index`, where the plain run ended (or the last 16 bytes began).
    @usableFromInline @inline(never)
    mutating func scanStringRest(start: Int, from index: Int) throws(JSONError) -> JSONString {
        var index = index
        var hasEscapes = false
        while true {
            // Sixteen bytes at a time (SSE2, CByteScan) up to the first quote, backslash, control or non-ASCII
            // byte, which the lowest bit of the mask locates; within 16 bytes of the buffer's end, eight at a
            // time (SWAR). perf/bigreq.sh measures it.
            if index &+ 16 <= end {
                let mask = sluice_json_string_attention16(base + index)
                if mask == 0 {
                    index &+= 16
                    continue
                }
                index &+= mask.trailingZeroBitCount
            } else {
                while index &+ 8 <= end {
                    // In memory order whatever the platform: byte 0 is the least significant.
                    let word = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
                    let mask = Self.attentionMask(word)
                    if mask != 0 {
                        index &+= Self.firstFlaggedByte(mask)
                        break
                    }
                    index &+= 8
                }
                guard index < end else { throw error(.unexpectedEnd, at: index) }
            }
            let byte = base[index]
            if byte == UInt8(ascii: "\"") {
                cursor = index + 1
                return JSONString(span: JSONSpan(start: start, count: index - start), hasEscapes: hasEscapes)
            } else if byte == UInt8(ascii: "\\") {
                hasEscapes = true
                index = try scanEscape(at: index)
            } else if byte < 0x20 {
                throw error(.controlCharacterInString, at: index)
            } else if byte >= 0x80 {
                index = try scanUTF8Sequence(at: index)
            } else {
                index += 1
            }
        }
    }

    /// A mask with the high bit set in bytes of `word` that are `"`, `\`, below 0x20 or above 0x7F. Bytes
    /// above a flagged one may be flagged falsely (borrows), but the lowest flag is always a real one.
    @inlinable @inline(__always)  // inlined into the scanning loops; perf/decode-throughput.sh `validate` measures it
    static func attentionMask(_ word: UInt64) -> UInt64 {
        // Wrapping arithmetic is the technique here (borrows mark bytes below a bound), not a shortcut.
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let hasQuote = (quote &- ones) & ~quote
        let hasBackslash = (backslash &- ones) & ~backslash
        let hasControl = (word &- ones &* 0x20) & ~word
        return (hasQuote | hasBackslash | hasControl | word) & highs
    }

    /// The index (0...7) of the first byte flagged in a non-zero mask of a little-endian word.
    @inlinable @inline(__always)  // inlined into the scanning loops; perf/decode-throughput.sh `validate` measures it
    static func firstFlaggedByte(_ mask: UInt64) -> Int {
        mask.trailingZeroBitCount / 8
    }

    /// Validates the escape at `index` (its backslash); returns the index after it.
    @inlinable @inline(__always)  // inlined into the scanning loops; perf/decode-throughput.sh `validate` measures it
    func scanEscape(at index: Int) throws(JSONError) -> Int {
        guard index + 1 < end else { throw error(.unexpectedEnd, at: index + 1) }
        switch base[index + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
             UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return index + 2
        case UInt8(ascii: "u"):
            for digit in index + 2..<index + 6 {
                guard digit < end else { throw error(.unexpectedEnd, at: digit) }
                if Self.hexValue(base[digit]) == nil { throw error(.invalidEscape, at: index) }
            }
            return index + 6
        default:
            throw error(.invalidEscape, at: index)
        }
    }

    @inlinable @inline(__always)  // inlined into the scanning loops; perf/decode-throughput.sh `validate` measures it
    static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// Validates the multi-byte UTF-8 sequence whose lead byte is at `index` (Unicode 15, table 3-7:
    /// no overlongs, no surrogates, nothing above U+10FFFF); returns the index after it.
    @usableFromInline
    func scanUTF8Sequence(at index: Int) throws(JSONError) -> Int {
        guard let (length, second) = UTF8Sequence.shape(lead: base[index]) else { throw error(.invalidUTF8, at: index) }
        guard index + length <= end else {
            // A truncated sequence at the end of the buffer: report where the input stops.
            throw error(index + 1 < end && !second.contains(base[index + 1]) ? .invalidUTF8 : .unexpectedEnd, at: index)
        }
        if !second.contains(base[index + 1]) { throw error(.invalidUTF8, at: index) }
        for continuation in index + 2..<index + length where !UTF8Sequence.isContinuation(base[continuation]) {
            throw error(.invalidUTF8, at: index)
        }
        return index + length
    }
}
