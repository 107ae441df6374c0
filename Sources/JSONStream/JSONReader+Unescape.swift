import CByteScan
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension JSONReader {
    /// Calls `body` with the unescaped bytes of `string` in order, as runs of raw bytes and small decoded
    /// pieces; allocates nothing. `\uXXXX` pairs become one UTF-8 scalar; an unpaired surrogate becomes
    /// U+FFFD (the reader accepts it, as RFC 8259's grammar does, but never hands out invalid UTF-8).
    public func forEachUnescapedChunk(of string: JSONString, _ body: (UnsafeRawBufferPointer) -> Void) {
        let raw = bytes(string.span)
        guard string.hasEscapes else {
            body(raw)
            return
        }
        var runStart = 0
        while true {
            let index = Self.nextBackslash(raw, from: runStart)
            if runStart < index { body(UnsafeRawBufferPointer(rebasing: raw[runStart..<index])) }
            guard index < raw.count else { return }
            let (scalar, length) = Self.decodeEscape(raw, at: index)
            Self.withUTF8(of: scalar, body)
            runStart = index + length
        }
    }

    /// Writes the unescaped bytes of `string` to `target` and returns how many it wrote. `target` must have
    /// room for `string.span.count` bytes: unescaping never lengthens a string (`\uXXXX` is 6 bytes for at
    /// most 3 of UTF-8, a surrogate pair 12 for 4). One copy per run between escapes, no callback per piece.
    public func unescape(_ string: JSONString, into target: UnsafeMutableRawPointer) -> Int {
        Self.unescape(string, in: bytes, into: target)
    }

    /// ``unescape(_:into:)`` for a string of `body` without a reader at hand.
    public static func unescape(_ string: JSONString, in body: UnsafeRawBufferPointer, into target: UnsafeMutableRawPointer) -> Int {
        let raw = UnsafeRawBufferPointer(rebasing: body[string.span.start..<string.span.end])
        guard let source = raw.baseAddress, !raw.isEmpty else { return 0 }
        guard string.hasEscapes else {
            target.copyMemory(from: source, byteCount: raw.count)
            return raw.count
        }
        // Sixteen bytes at a time (eight near the end) are copied and checked for a backslash; the run is
        // stored whole even when one is found in it (the escape then overwrites what follows).
        // `written <= index` holds throughout, so a store at `written` stays inside the `raw.count` bytes the
        // caller gave. Copying each run between escapes with memchr + memcpy would cost two libc calls per
        // run, many per access-log line.
        let count = raw.count
        var written = 0
        var index = 0
        while index < count {
            if index + 16 <= count {
                let mask = sluice_copy16_backslashes(source.assumingMemoryBound(to: UInt8.self) + index,
                                                     target.assumingMemoryBound(to: UInt8.self) + written)
                guard mask != 0 else {
                    index += 16
                    written += 16
                    continue
                }
                let skip = mask.trailingZeroBitCount
                index += skip
                written += skip
            } else if index + 8 <= count {
                let word = (source + index).loadUnaligned(as: UInt64.self)
                (target + written).storeBytes(of: word, as: UInt64.self)
                let mask = Self.backslashMask(UInt64(littleEndian: word))
                guard mask != 0 else {
                    index += 8
                    written += 8
                    continue
                }
                let skip = mask.trailingZeroBitCount / 8
                index += skip
                written += skip
            } else {
                let byte = source.load(fromByteOffset: index, as: UInt8.self)
                guard byte == UInt8(ascii: "\\") else {
                    (target + written).storeBytes(of: byte, as: UInt8.self)
                    index += 1
                    written += 1
                    continue
                }
            }
            let escaped = raw[index + 1]
            if escaped != UInt8(ascii: "u") {
                // A one-byte escape (`\"`, `\\`, `\n`…): written directly, no scalar round trip.
                (target + written).storeBytes(of: Self.simpleEscapeValue(escaped), as: UInt8.self)
                written += 1
                index += 2
                continue
            }
            let (scalar, length) = Self.decodeEscape(raw, at: index)
            written += Self.writeUTF8(of: scalar, to: target + written)
            index += length
        }
        return written
    }

    /// The high bit set in each byte of a little-endian `word` that is `\`; bytes above a flagged one may
    /// be flagged falsely (borrows), the lowest flag is always exact.
    @inline(__always)
    static func backslashMask(_ word: UInt64) -> UInt64 {
        // Wrapping arithmetic is the technique (a borrow marks a zero byte), not a shortcut.
        let ones: UInt64 = 0x0101_0101_0101_0101
        let backslash = word ^ (ones &* 0x5C)
        return (backslash &- ones) & ~backslash & (ones &* 0x80)
    }

    /// The byte a validated one-character escape stands for.
    @inline(__always)
    static func simpleEscapeValue(_ escaped: UInt8) -> UInt8 {
        switch escaped {
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "f"): 0x0C
        case UInt8(ascii: "n"): 0x0A
        case UInt8(ascii: "r"): 0x0D
        case UInt8(ascii: "t"): 0x09
        default: escaped  // `"`, `\`, `/`
        }
    }

    /// The index of the first `\` at or after `start`, or `raw.count` (libc's vectorised `memchr`).
    static func nextBackslash(_ raw: UnsafeRawBufferPointer, from start: Int) -> Int {
        guard start < raw.count, let base = raw.baseAddress else { return raw.count }
        guard let found = memchr(base + start, Int32(UInt8(ascii: "\\")), raw.count - start) else { return raw.count }
        return UnsafeRawPointer(found) - base
    }

    /// Writes a scalar's UTF-8 (1 to 4 bytes) at `target`; returns its length.
    static func writeUTF8(of scalar: UInt32, to target: UnsafeMutableRawPointer) -> Int {
        var count = 0
        withUTF8(of: scalar) { encoded in
            target.copyMemory(from: encoded.baseAddress!, byteCount: encoded.count)
            count = encoded.count
        }
        return count
    }

    /// Appends the unescaped bytes of `string` to `out`.
    public func unescape(_ string: JSONString, appendingTo out: inout [UInt8]) {
        forEachUnescapedChunk(of: string) { out.append(contentsOf: $0) }
    }

    /// Whether the (unescaped) string equals `literal`.
    public func equals(_ string: JSONString, _ literal: StaticString) -> Bool {
        let expected = UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        guard string.hasEscapes else {
            // Length first, then memcmp: byte-wise `elementsEqual` is slow here (perf/decode-throughput.sh).
            guard string.span.count == expected.count else { return false }
            return expected.isEmpty || memcmp(base + string.span.start, expected.baseAddress!, expected.count) == 0
        }
        // An escaped string is never shorter than what it unescapes to.
        guard string.span.count >= expected.count else { return false }
        var position = 0
        var same = true
        forEachUnescapedChunk(of: string) { chunk in
            guard same, position + chunk.count <= expected.count,
                  chunk.elementsEqual(UnsafeRawBufferPointer(rebasing: expected[position..<position + chunk.count]))
            else {
                same = false
                return
            }
            position += chunk.count
        }
        return same && position == expected.count
    }

    /// Decodes the validated escape at `index`; returns the scalar and the escape's length in bytes.
    static func decodeEscape(_ raw: UnsafeRawBufferPointer, at index: Int) -> (UInt32, Int) {
        switch raw[index + 1] {
        case UInt8(ascii: "b"): return (0x08, 2)
        case UInt8(ascii: "f"): return (0x0C, 2)
        case UInt8(ascii: "n"): return (0x0A, 2)
        case UInt8(ascii: "r"): return (0x0D, 2)
        case UInt8(ascii: "t"): return (0x09, 2)
        case UInt8(ascii: "u"): break
        default: return (UInt32(raw[index + 1]), 2)
        }
        let unit = hex4(raw, at: index + 2)
        if unit >= 0xD800 && unit < 0xDC00 {
            // A high surrogate: a low one must follow as another `\u` escape.
            if index + 12 <= raw.count, raw[index + 6] == UInt8(ascii: "\\"), raw[index + 7] == UInt8(ascii: "u") {
                let low = hex4(raw, at: index + 8)
                if low >= 0xDC00 && low < 0xE000 {
                    return (0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00), 12)
                }
            }
            return (0xFFFD, 6)
        }
        if unit >= 0xDC00 && unit < 0xE000 { return (0xFFFD, 6) }
        return (unit, 6)
    }

    static func hex4(_ raw: UnsafeRawBufferPointer, at index: Int) -> UInt32 {
        var value: UInt32 = 0
        for offset in index..<index + 4 { value = value << 4 | (hexValue(raw[offset]) ?? 0) }
        return value
    }

    static func withUTF8(of scalar: UInt32, _ body: (UnsafeRawBufferPointer) -> Void) {
        var encoded: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
        let count: Int
        switch scalar {
        case ..<0x80:
            encoded.0 = UInt8(scalar); count = 1
        case ..<0x800:
            encoded.0 = UInt8(0xC0 | scalar >> 6)
            encoded.1 = UInt8(0x80 | scalar & 0x3F); count = 2
        case ..<0x10000:
            encoded.0 = UInt8(0xE0 | scalar >> 12)
            encoded.1 = UInt8(0x80 | scalar >> 6 & 0x3F)
            encoded.2 = UInt8(0x80 | scalar & 0x3F); count = 3
        default:
            encoded.0 = UInt8(0xF0 | scalar >> 18)
            encoded.1 = UInt8(0x80 | scalar >> 12 & 0x3F)
            encoded.2 = UInt8(0x80 | scalar >> 6 & 0x3F)
            encoded.3 = UInt8(0x80 | scalar & 0x3F); count = 4
        }
        withUnsafeBytes(of: &encoded) { body(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
    }
}
