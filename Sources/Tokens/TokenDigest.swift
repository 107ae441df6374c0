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
        let utf8 = Array(hex.utf8)
        guard utf8.count == 64 else { return nil }
        var bytes = [UInt8](repeating: 0, count: 32)
        for i in 0..<32 {
            guard let high = Self.nibble(utf8[2 * i]), let low = Self.nibble(utf8[2 * i + 1]) else { return nil }
            bytes[i] = high << 4 | low
        }
        self = bytes.withUnsafeBytes { raw in
            TokenDigest(w0: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
                        w1: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                        w2: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
                        w3: raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
        }
    }

    /// The 64 lowercase hexadecimal digits of the digest (the `tokenSha256` form).
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        withUnsafeBytes(of: (w0, w1, w2, w3)) { raw in
            for byte in raw {
                out.append(digits[Int(byte >> 4)])
                out.append(digits[Int(byte & 0x0f)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

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

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
