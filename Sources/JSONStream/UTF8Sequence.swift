/// The shapes of well-formed multi-byte UTF-8 sequences (Unicode 15, table 3-7: no overlongs, no
/// surrogates, nothing above U+10FFFF), for the readers that validate text byte by byte.
///
/// Guarantees: `shape(lead:)` is nil exactly for bytes that cannot start a multi-byte sequence (ASCII
/// included); for the others it gives the sequence length and the range the second byte must fall in
/// (every later byte is a plain continuation byte, 0x80...0xBF).
public enum UTF8Sequence {
    @inline(__always)
    public static func shape(lead: UInt8) -> (length: Int, second: ClosedRange<UInt8>)? {
        switch lead {
        case 0xC2...0xDF: (2, 0x80...0xBF)
        case 0xE0: (3, 0xA0...0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: (3, 0x80...0xBF)
        case 0xED: (3, 0x80...0x9F)
        case 0xF0: (4, 0x90...0xBF)
        case 0xF1...0xF3: (4, 0x80...0xBF)
        case 0xF4: (4, 0x80...0x8F)
        default: nil
        }
    }

    @inline(__always)
    public static func isContinuation(_ byte: UInt8) -> Bool { byte & 0xC0 == 0x80 }
}
