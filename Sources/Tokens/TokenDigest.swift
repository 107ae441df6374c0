import COpenSSL

/// The SHA-256 of a credential, held as four machine words in memory order (byte 0 is the low byte of `w0`
/// on little-endian machines). The cache keys on it; snapshots may store it instead of the token.
public struct TokenDigest: Sendable, Hashable {
    public var w0: UInt64
    public var w1: UInt64
    public var w2: UInt64
    public var w3: UInt64

    public init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        self.w0 = w0
        self.w1 = w1
        self.w2 = w2
        self.w3 = w3
    }

    /// Hashes `bytes` with OpenSSL's SHA-256 on a stack context: no allocation.
    public init(hashing bytes: UnsafeRawBufferPointer) {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &words) { out in
            let ok = sluice_sha256(bytes.baseAddress, bytes.count, out.baseAddress!.assumingMemoryBound(to: UInt8.self))
            precondition(ok == 1, "OpenSSL SHA-256 failed")
        }
        self.init(w0: words.0, w1: words.1, w2: words.2, w3: words.3)
    }

    /// Hashes the UTF-8 bytes of `credential` (snapshot loading, CLI; not the request path).
    public init(hashing credential: String) {
        var text = credential
        self = text.withUTF8 { TokenDigest(hashing: UnsafeRawBufferPointer($0)) }
    }

    /// Parses 64 hexadecimal digits (either case); nil for anything else.
    public init?(hex: String) {
        var text = hex
        guard let parsed = text.withUTF8({ TokenDigest(hexBytes: UnsafeRawBufferPointer($0)) }) else { return nil }
        self = parsed
    }

    /// Parses 64 hexadecimal digits (either case) from UTF-8 bytes; nil for anything else. No allocation:
    /// a snapshot parses a million of these per load.
    public init?(hexBytes bytes: UnsafeRawBufferPointer) {
        guard bytes.count == 64 else { return nil }
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        // Any invalid digit sets a high bit here (its nibble is 0xFF); checked once at the end.
        var invalid: UInt8 = 0
        withUnsafeMutableBytes(of: &words) { out in
            for i in 0..<32 {
                let high = Self.nibble(bytes[2 &* i]), low = Self.nibble(bytes[2 &* i &+ 1])
                invalid |= (high | low) & 0xf0
                out[i] = high << 4 | low & 0x0f
            }
        }
        guard invalid == 0 else { return nil }
        self.init(w0: words.0, w1: words.1, w2: words.2, w3: words.3)
    }

    /// True when `hex` holds no upper-case digit, so a valid one is exactly ``hex`` of its digest.
    public static func isLowercase(hex: String) -> Bool {
        // Over the contiguous UTF-8 (a snapshot checks a million of these per load; the generic
        // `utf8.contains` walks a String's view byte by byte, several times slower).
        var text = hex
        return text.withUTF8 { utf8 in
            var upper: UInt8 = 0
            for byte in utf8 { upper |= byte &- UInt8(ascii: "A") < 6 ? 1 : 0 }
            return upper == 0
        }
    }

    /// The 64 lowercase hexadecimal digits of the digest (the `tokenSha256` form).
    public var hex: String {
        withUnsafeBytes(of: (w0, w1, w2, w3)) { raw in
            String(unsafeUninitializedCapacity: 64) { out in
                for (i, byte) in raw.enumerated() {
                    out[2 &* i] = Self.digits.utf8Start[Int(byte >> 4)]
                    out[2 &* i &+ 1] = Self.digits.utf8Start[Int(byte & 0x0f)]
                }
                return 64
            }
        }
    }

    private static let digits: StaticString = "0123456789abcdef"

    /// The first byte of the digest: picks the cache stripe.
    @inline(__always)
    var leadingByte: Int {
        withUnsafeBytes(of: w0) { Int($0[0]) }
    }

    /// Equality that always reads all 32 bytes, so a near miss costs the same as a hit.
    @inline(__always)
    func constantTimeEquals(_ other: TokenDigest) -> Bool {
        ((w0 ^ other.w0) | (w1 ^ other.w1) | (w2 ^ other.w2) | (w3 ^ other.w3)) == 0
    }

    /// The value of hexadecimal digit `c` (either case), or 0xFF when it is none.
    @inline(__always)
    private static func nibble(_ c: UInt8) -> UInt8 {
        let digit = c &- UInt8(ascii: "0")
        if digit < 10 { return digit }
        let letter = (c | 0x20) &- UInt8(ascii: "a")
        return letter < 6 ? letter &+ 10 : 0xff
    }
}
