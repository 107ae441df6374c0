/// Writes the JSON error body `{"error":"<reason>"}`.
///
/// Guarantees: the output is valid JSON for any reason text: `"` and `\` are escaped, control characters become
/// `\n`, `\r`, `\t`, `\b`, `\f` or `\u00XX`, DEL becomes `\u007F`, other bytes (valid UTF-8, since the reason is a
/// `String`) pass through. Callers pass fixed reasons (``HTTPError/reason``), never request bytes or secrets.
public enum ErrorBody {
    public static func append(_ reason: String, into out: inout [UInt8]) {
        ResponseWriter.appendLiteral("{\"error\":\"", &out)
        for byte in reason.utf8 {
            switch byte {
            case 0x22: ResponseWriter.appendLiteral("\\\"", &out)
            case 0x5C: ResponseWriter.appendLiteral("\\\\", &out)
            case 0x0A: ResponseWriter.appendLiteral("\\n", &out)
            case 0x0D: ResponseWriter.appendLiteral("\\r", &out)
            case 0x09: ResponseWriter.appendLiteral("\\t", &out)
            case 0x08: ResponseWriter.appendLiteral("\\b", &out)
            case 0x0C: ResponseWriter.appendLiteral("\\f", &out)
            case 0x00..<0x20, 0x7F:
                ResponseWriter.appendLiteral("\\u00", &out)
                out.append(hexDigit(byte >> 4))
                out.append(hexDigit(byte & 0x0F))
            default:
                out.append(byte)
            }
        }
        ResponseWriter.appendLiteral("\"}", &out)
    }

    /// The number of bytes ``append(_:into:)`` writes for `reason`.
    public static func encodedCount(_ reason: String) -> Int {
        var count = 12  // {"error":""}
        for byte in reason.utf8 {
            switch byte {
            case 0x22, 0x5C, 0x0A, 0x0D, 0x09, 0x08, 0x0C: count += 2
            case 0x00..<0x20, 0x7F: count += 6
            default: count += 1
            }
        }
        return count
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? 0x30 + nibble : 0x41 + nibble - 10
    }
}
