import COpenSSL

/// Makes new credentials from the operating system's CSPRNG (OpenSSL `RAND_bytes`, seeded by getrandom):
/// ingest tokens of 32 random bytes in base62 (43 characters) and API tokens `<id>~<secret>`.
public enum TokenGenerator {
    /// A new ingest token: 32 random bytes, base62.
    public static func ingestToken() -> String {
        Base62.encode(randomBytes(32), width: 43)
    }

    /// A new API token id (16 random bytes, base62, 22 characters) and its full token `<id>~<secret>`.
    public static func apiToken() -> (id: String, token: String) {
        let id = Base62.encode(randomBytes(16), width: 22)
        return (id, id + "~" + Base62.encode(randomBytes(32), width: 43))
    }

    static func randomBytes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let ok = bytes.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32(count)) }
        precondition(ok == 1, "OpenSSL RAND_bytes failed: no entropy source")
        return bytes
    }
}

/// Base62 (`0-9A-Za-z`) as a big-endian number: the token alphabet LogScale uses.
public enum Base62 {
    static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// Encodes `bytes` as a base62 number, left-padded with `0` to `width` characters.
    public static func encode(_ bytes: [UInt8], width: Int) -> String {
        var number = bytes
        var digits = [UInt8]()
        while number.contains(where: { $0 != 0 }) {
            var remainder = 0
            for i in number.indices {
                let value = remainder << 8 | Int(number[i])
                number[i] = UInt8(value / 62)
                remainder = value % 62
            }
            digits.append(alphabet[remainder])
        }
        while digits.count < width { digits.append(UInt8(ascii: "0")) }
        return String(decoding: digits.reversed(), as: UTF8.self)
    }

    /// True when every character is `[0-9A-Za-z]` and there is at least one.
    public static func isBase62(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy(isDigit)
    }

    static func isDigit(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
            || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z"))
    }
}
