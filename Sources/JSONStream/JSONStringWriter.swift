import CByteScan

/// The one JSON string escaper: every JSON text Sluice writes (`wal cat` and forwarded lines, answers, the
/// snapshot file, audit events, bench bodies) quotes its strings here.
///
/// Guarantees: the literal is valid JSON whatever the bytes: `"`, `\` and control bytes are escaped per
/// RFC 8259 (`\n`, `\r`, `\t` by name, the rest as `\u00XX`), well-formed UTF-8 is copied as it is and any
/// other byte becomes `\ufffd`.
///
/// How: runs of bytes that need no attention are found and copied sixteen at a time (CByteScan), so a writer
/// that sized its buffer with ``maxBytes(_:)`` pays no bounds or capacity check per byte.
public enum JSONStringWriter {
    /// Bytes past the literal that ``write(_:at:)`` may touch: the sixteen-byte step copies before it decides.
    public static let slack = 16

    /// The room ``write(_:at:)`` needs for `count` input bytes: six bytes each (`\u00XX`), two quotes, ``slack``.
    @inlinable
    public static func maxBytes(_ count: Int) -> Int { 6 * count + 2 + slack }

    /// Appends `bytes` as a JSON string literal.
    public static func append(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        let literal = [UInt8](unsafeUninitializedCapacity: maxBytes(bytes.count)) { buffer, count in
            count = buffer.baseAddress!.distance(to: write(bytes, at: buffer.baseAddress!))
        }
        out.append(contentsOf: literal)
    }

    /// Appends `text` as a JSON string literal.
    public static func append(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { append(UnsafeRawBufferPointer($0), to: &out) }
    }

    /// Writes `bytes` as a JSON string literal at `at`, which has room for ``maxBytes(_:)`` of them, and
    /// returns the position just past the closing quote.
    @inlinable
    public static func write(_ bytes: UnsafeRawBufferPointer, at start: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        var at = start
        at.pointee = UInt8(ascii: "\""); at += 1
        let count = bytes.count
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            at.pointee = UInt8(ascii: "\""); return at + 1
        }
        var index = 0
        while index < count {
            if count - index >= 16 {
                // Copies sixteen bytes and keeps those before the first that needs attention.
                let mask = sluice_json_copy16_attention(base + index, at)
                let clean = mask == 0 ? 16 : Int(mask.trailingZeroBitCount)
                index += clean
                at += clean
                if clean == 16 { continue }
            } else {
                // A short string or the tail: the same step on the bytes left.
                let left = count - index
                let mask = sluice_json_copy_short_attention(base + index, left, at)
                let clean = mask == 0 ? left : Int(mask.trailingZeroBitCount)
                index += clean
                at += clean
                if clean == left { break }
            }
            let value = base[index]
            if value >= 0x80 {
                let length = validSequenceLength(bytes, at: index)
                if length > 0 {
                    UnsafeMutableRawPointer(at).copyMemory(from: base + index, byteCount: length)
                    at += length
                    index += length
                } else {
                    at = literal("\\ufffd", at)
                    index += 1
                }
                continue
            }
            at = escape(value, at)
            index += 1
        }
        at.pointee = UInt8(ascii: "\"")
        return at + 1
    }

    @inlinable
    static func escape(_ value: UInt8, _ at: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        switch value {
        case UInt8(ascii: "\""): return literal("\\\"", at)
        case UInt8(ascii: "\\"): return literal("\\\\", at)
        case UInt8(ascii: "\n"): return literal("\\n", at)
        case UInt8(ascii: "\r"): return literal("\\r", at)
        case UInt8(ascii: "\t"): return literal("\\t", at)
        default:
            let at = literal("\\u00", at)
            let hex: StaticString = "0123456789abcdef"
            at[0] = hex.utf8Start[Int(value >> 4)]
            at[1] = hex.utf8Start[Int(value & 0xF)]
            return at + 2
        }
    }

    @inlinable
    static func literal(_ text: StaticString, _ at: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        let count = text.utf8CodeUnitCount
        UnsafeMutableRawPointer(at).copyMemory(from: text.utf8Start, byteCount: count)
        return at + count
    }

    /// Length of the well-formed UTF-8 sequence starting at `index` (2...4), or 0 when it is not one.
    @inlinable
    static func validSequenceLength(_ bytes: UnsafeRawBufferPointer, at index: Int) -> Int {
        guard let (length, second) = UTF8Sequence.shape(lead: bytes[index]), index + length <= bytes.count,
              second.contains(bytes[index + 1])
        else { return 0 }
        for offset in 2..<length where !UTF8Sequence.isContinuation(bytes[index + offset]) { return 0 }
        return length
    }
}
