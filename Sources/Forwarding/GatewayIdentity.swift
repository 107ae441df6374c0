import Tokens

/// The gateway's stable id: 16 random bytes as hex in `DATA/gateway-id`, created at first start. It makes
/// JetStream message ids unique across gateways forwarding into one stream.
public enum GatewayIdentity {
    public static func loadOrCreate(dataDirectory: String) throws(TokenError) -> String {
        let base = dataDirectory.hasSuffix("/") ? String(dataDirectory.dropLast()) : dataDirectory
        let path = base + "/gateway-id"
        if let bytes = readSmallFile(path) {
            let text = String(decoding: bytes, as: UTF8.self).trimmingSpaces()
            if text.utf8.count == 32, text.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) { return text }
        }
        var generator = SystemRandomNumberGenerator()
        let hex = (0..<16).map { _ in
            let byte = UInt8.random(in: 0...255, using: &generator)
            let digits = Array("0123456789abcdef".utf8)
            return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 15)]], as: UTF8.self)
        }.joined()
        try writeFileAtomically(path: path, directory: base, bytes: Array((hex + "\n").utf8))
        return hex
    }
}

extension String {
    func trimmingSpaces() -> String {
        String(decoding: utf8.drop { $0 == 32 || $0 == 10 || $0 == 13 || $0 == 9 }.reversed().drop { $0 == 32 || $0 == 10 || $0 == 13 || $0 == 9 }.reversed(), as: UTF8.self)
    }
}
