/// Why a JSON document was refused, and the byte offset (from the start of the reader's buffer) where
/// the problem was found. Every error the ``JSONReader`` raises is one of these; it never traps on input.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        case unexpectedEnd
        case unexpectedByte(UInt8)
        case expectedValue
        case expectedColon
        case expectedCommaOr(closing: UInt8)
        case expectedMemberName
        case invalidLiteral
        case invalidNumber
        case invalidEscape
        case controlCharacterInString
        case invalidUTF8
        case tooDeep(limit: Int)
        case trailingData
        case wrongType(expected: JSONKind, found: JSONKind)
    }

    public var offset: Int
    public var reason: Reason

    public init(offset: Int, reason: Reason) {
        self.offset = offset
        self.reason = reason
    }

    /// A short human-readable reason without the offset, e.g. for an HTTP error body.
    public var reasonText: String {
        switch reason {
        case .unexpectedEnd: "unexpected end of input"
        case .unexpectedByte(let byte): "unexpected byte 0x\(String(byte, radix: 16))"
        case .expectedValue: "expected a value"
        case .expectedColon: "expected ':'"
        case .expectedCommaOr(let closing): "expected ',' or '\(Character(Unicode.Scalar(closing)))'"
        case .expectedMemberName: "expected a member name"
        case .invalidLiteral: "invalid literal"
        case .invalidNumber: "invalid number"
        case .invalidEscape: "invalid escape sequence"
        case .controlCharacterInString: "unescaped control character in string"
        case .invalidUTF8: "invalid UTF-8"
        case .tooDeep(let limit): "nesting deeper than \(limit)"
        case .trailingData: "unexpected data after the JSON value"
        case .wrongType(let expected, let found): "expected \(expected), found \(found)"
        }
    }

    public var description: String { "\(reasonText) at byte \(offset)" }
}

/// The kind of the next JSON value.
public enum JSONKind: Sendable, Equatable, CustomStringConvertible {
    case object, array, string, number, bool, null

    public var description: String {
        switch self {
        case .object: "object"
        case .array: "array"
        case .string: "string"
        case .number: "number"
        case .bool: "boolean"
        case .null: "null"
        }
    }
}
