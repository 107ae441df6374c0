/// What the `Authorization` header (or the raw path's token) resolved to.
public enum CredentialOutcome<Principal> {
    /// No credential at all (HEC code 2).
    case missing
    /// A header that cannot carry a token (HEC code 3).
    case malformed
    /// A well-formed credential that names no token (HEC 403 code 4, LogScale 401).
    case unknown
    /// A token past its `expiresAt`, or a rotated-out secret past its overlap (401).
    case expired
    case found(Principal)
}

/// Reads a credential in every form shippers send it: `Bearer <t>`, `Splunk <t>`, any other one-word
/// scheme followed by a token, and `Basic` with the token as the password or, when the password is
/// empty or names no token, as the user name. Keeps one scratch buffer for Basic decoding.
public struct CredentialReader {
    private var scratch: [UInt8] = []

    public init() {
        scratch.reserveCapacity(512)
    }

    public mutating func resolve<P>(authorization: UnsafeRawBufferPointer?, lookup: (UnsafeRawBufferPointer) -> P?) -> CredentialOutcome<P> {
        guard let header = authorization?.trimmingSpaces(), !header.isEmpty else { return .missing }
        guard let space = header.firstIndex(of: UInt8(ascii: " ")) else { return .malformed }
        let scheme = UnsafeRawBufferPointer(rebasing: header[..<space])
        let value = UnsafeRawBufferPointer(rebasing: header[(space + 1)...]).trimmingSpaces()
        guard !value.isEmpty, !value.contains(UInt8(ascii: " ")) else { return .malformed }
        guard scheme.equalsIgnoringCase("basic") else {
            return lookup(value).map(CredentialOutcome.found) ?? .unknown
        }
        guard Base64.decode(value, into: &scratch), let colon = scratch.firstIndex(of: UInt8(ascii: ":")) else { return .malformed }
        return scratch.withUnsafeBytes { decoded in
            let user = UnsafeRawBufferPointer(rebasing: decoded[..<colon])
            let password = UnsafeRawBufferPointer(rebasing: decoded[(colon + 1)...])
            if !password.isEmpty, let principal = lookup(password) { return .found(principal) }
            if !user.isEmpty, let principal = lookup(user) { return .found(principal) }
            return .unknown
        }
    }
}

extension UnsafeRawBufferPointer {
    func trimmingSpaces() -> UnsafeRawBufferPointer {
        var lower = 0
        var upper = count
        while lower < upper, self[lower] == 0x20 || self[lower] == 0x09 { lower += 1 }
        while upper > lower, self[upper - 1] == 0x20 || self[upper - 1] == 0x09 { upper -= 1 }
        return UnsafeRawBufferPointer(rebasing: self[lower..<upper])
    }

    func equalsIgnoringCase(_ lowercased: StaticString) -> Bool {
        count == lowercased.utf8CodeUnitCount && lowercased.withUTF8Buffer { literal in
            zip(self, literal).allSatisfy { ($0 | 0x20) == $1 }
        }
    }
}

/// Standard base64 (RFC 4648, padding optional) decoding into a reused buffer.
enum Base64 {
    static func decode(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) -> Bool {
        output.removeAll(keepingCapacity: true)
        var accumulator: UInt32 = 0
        var bits = 0
        var padding = 0
        for byte in input {
            let value: UInt32
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt32(byte - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt32(byte - UInt8(ascii: "a") + 26)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt32(byte - UInt8(ascii: "0") + 52)
            case UInt8(ascii: "+"), UInt8(ascii: "-"): value = 62
            case UInt8(ascii: "/"), UInt8(ascii: "_"): value = 63
            case UInt8(ascii: "="):
                padding += 1
                continue
            default: return false
            }
            guard padding == 0 else { return false }
            accumulator = accumulator << 6 | value
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return padding <= 2 && bits < 6
    }
}
