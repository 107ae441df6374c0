/// Turns repository names into folder names and back.
///
/// Guarantees: an escaped name contains only `[A-Za-z0-9_.%-]`, never starts with `.`, is 1...240 bytes,
/// and ``unescape(_:)`` inverts ``escape(_:)`` exactly; so no repository name can leave `DATA/repos/`.
public enum RepositoryName {
    public static let maxEscapedBytes = 240

    /// The folder name for a repository, or nil when the name is empty or escapes to more than 240 bytes.
    public static func escape(_ name: String) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(name.utf8.count)
        for (index, byte) in name.utf8.enumerated() {
            if isPlain(byte) && !(index == 0 && byte == UInt8(ascii: ".")) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hexDigit(byte >> 4))
                out.append(hexDigit(byte & 0xF))
            }
            if out.count > maxEscapedBytes { return nil }
        }
        guard !out.isEmpty else { return nil }
        return String(decoding: out, as: UTF8.self)
    }

    /// The repository name for a folder name, or nil when the folder name is not an escaped name.
    public static func unescape(_ folder: String) -> String? {
        var out: [UInt8] = []
        var bytes = folder.utf8.makeIterator()
        while let byte = bytes.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = bytes.next().flatMap(hexValue), let low = bytes.next().flatMap(hexValue) else { return nil }
                out.append(high << 4 | low)
            } else if isPlain(byte) {
                out.append(byte)
            } else {
                return nil
            }
        }
        guard !out.isEmpty, let name = String(validating: out, as: UTF8.self), escape(name) == folder else { return nil }
        return name
    }

    /// Whether `byte` stays itself in a folder name (any other byte takes three: `%XX`).
    public static func isPlain(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."):
            return true
        default:
            return false
        }
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "A") + value - 10
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
