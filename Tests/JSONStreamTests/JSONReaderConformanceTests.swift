import Testing
@testable import JSONStream

/// Documents from (or modelled on) the JSONTestSuite `y_`/`n_` cases, checked with ``JSONReader/validate(_:maxDepth:)``.
struct JSONReaderConformanceTests {
    static let accepted: [String] = [
        "{}", "[]", "[[]]", " [1] ", "\t{\n}\r\n", "0", "-0", "1", "-1", "1.5", "-1.5e10", "1E+2", "1e-2", "0e0",
        "123456789012345678901234567890", "1e400", "\"\"", "\"abc\"", "true", "false", "null",
        "[\"\\u0000\"]", "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]", "[\"\\uD834\\uDD1E\"]", "[\"\\uDFAA\"]",
        "[\"\\uD800\"]", "{\"a\":[1,{\"b\":null}],\"c\":\"d\"}", "[1,2,3]", "[ 1 , 2 ]",
        "{\"\":0}", "{\"a\":1,\"a\":2}", "[\"é\"]", "[\"日本\"]", "[\"😀\"]", "[\"\u{7F}\"]", "[-0.0e-0]",
        "[1e1, 0.1e1, 1E-1]", "{\"a\" : true }", "[\"a/*b*/\"]",
    ]

    @Test(arguments: accepted)
    func acceptsValidDocuments(_ text: String) throws {
        var bytes = Array(text.utf8)
        try bytes.withUnsafeMutableBytes { try JSONReader.validate(UnsafeRawBufferPointer($0)) }
    }

    struct Rejected: Sendable, CustomStringConvertible {
        var bytes: [UInt8]
        var offset: Int
        var reason: JSONError.Reason
        init(_ text: String, _ offset: Int, _ reason: JSONError.Reason) {
            self.init(Array(text.utf8), offset, reason)
        }
        init(_ bytes: [UInt8], _ offset: Int, _ reason: JSONError.Reason) {
            self.bytes = bytes
            self.offset = offset
            self.reason = reason
        }
        var description: String { String(decoding: bytes, as: UTF8.self).debugDescription }
    }

    static let rejected: [Rejected] = [
        Rejected("", 0, .unexpectedEnd),
        Rejected("   ", 3, .unexpectedEnd),
        Rejected("[", 1, .unexpectedEnd),
        Rejected("[1", 2, .unexpectedEnd),
        Rejected("[1,", 3, .unexpectedEnd),
        Rejected("[1,]", 3, .expectedValue),
        Rejected("[,1]", 1, .expectedValue),
        Rejected("[1 2]", 3, .expectedCommaOr(closing: UInt8(ascii: "]"))),
        Rejected("{\"a\":1,}", 7, .expectedMemberName),
        Rejected("{\"a\" 1}", 5, .expectedColon),
        Rejected("{\"a\":1 \"b\":2}", 7, .expectedCommaOr(closing: UInt8(ascii: "}"))),
        Rejected("{a:1}", 1, .expectedMemberName),
        Rejected("{'a':1}", 1, .expectedMemberName),
        Rejected("{1:1}", 1, .expectedMemberName),
        Rejected("{\"a\":}", 5, .expectedValue),
        Rejected("[1]]", 3, .trailingData),
        Rejected("{}x", 2, .trailingData),
        Rejected("1 2", 2, .trailingData),
        Rejected("01", 1, .trailingData),
        Rejected("-", 1, .unexpectedEnd),
        Rejected("-a", 1, .invalidNumber),
        Rejected("+1", 0, .expectedValue),
        Rejected(".5", 0, .expectedValue),
        Rejected("1.", 2, .unexpectedEnd),
        Rejected("[1.]", 3, .invalidNumber),
        Rejected("[1.e5]", 3, .invalidNumber),
        Rejected("[1e]", 3, .invalidNumber),
        Rejected("[1e+]", 4, .invalidNumber),
        Rejected("[0x1]", 2, .expectedCommaOr(closing: UInt8(ascii: "]"))),
        Rejected("[NaN]", 1, .expectedValue),
        Rejected("[Infinity]", 1, .expectedValue),
        Rejected("[tru]", 4, .invalidLiteral),
        Rejected("[nul", 4, .unexpectedEnd),
        Rejected("[True]", 1, .expectedValue),
        Rejected("\"abc", 4, .unexpectedEnd),
        Rejected("[\"a\tb\"]", 3, .controlCharacterInString),
        Rejected("[\"a\nb\"]", 3, .controlCharacterInString),
        Rejected("[\"\\x41\"]", 2, .invalidEscape),
        Rejected("[\"\\u12G4\"]", 2, .invalidEscape),
        Rejected("[\"\\u12", 6, .unexpectedEnd),
        Rejected("[\"\\'\"]", 2, .invalidEscape),
        Rejected([0x5B, 0x22, 0xFF, 0x22, 0x5D], 2, .invalidUTF8),
        Rejected([0x5B, 0x22, 0xC0, 0xAF, 0x22, 0x5D], 2, .invalidUTF8),             // overlong '/'
        Rejected([0x5B, 0x22, 0xED, 0xA0, 0x80, 0x22, 0x5D], 2, .invalidUTF8),       // encoded surrogate
        Rejected([0x5B, 0x22, 0xF4, 0x90, 0x80, 0x80, 0x22, 0x5D], 2, .invalidUTF8), // above U+10FFFF
        Rejected([0x5B, 0x22, 0xE6, 0x97, 0x22, 0x5D], 2, .invalidUTF8),             // truncated sequence
        Rejected([0x5B, 0x22, 0x80, 0x22, 0x5D], 2, .invalidUTF8),                   // lone continuation
        Rejected([0x22, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0xE9, 0x22], 9, .invalidUTF8),
        Rejected([0xEF, 0xBB, 0xBF, 0x7B, 0x7D], 0, .expectedValue),                 // byte order mark
        Rejected([0x5B, 0x00, 0x5D], 1, .expectedValue),                             // NUL outside a string
        Rejected([0x5B, 0x22, 0x00, 0x22, 0x5D], 2, .controlCharacterInString),      // raw NUL in a string
        Rejected("[1]\u{0}", 3, .trailingData),
        Rejected("/* c */ {}", 0, .expectedValue),
        Rejected("[\"a\\", 4, .unexpectedEnd),
    ]

    @Test(arguments: rejected)
    func rejectsInvalidDocumentsAtTheRightOffset(_ sample: Rejected) {
        let thrown = sample.bytes.withUnsafeBytes { bytes -> JSONError? in
            do throws(JSONError) {
                try JSONReader.validate(bytes)
                return nil
            } catch {
                return error
            }
        }
        #expect(thrown == JSONError(offset: sample.offset, reason: sample.reason))
    }

    @Test(arguments: [1, 2, 63, 64])
    func acceptsNestingUpToTheLimit(_ depth: Int) throws {
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        try Array(text.utf8).withUnsafeBytes { try JSONReader.validate($0) }
    }

    @Test(arguments: [(65, 64), (10_000, 64), (5, 4)])
    func refusesNestingBeyondTheLimit(_ depth: Int, _ limit: Int) {
        let text = String(repeating: "{\"a\":[", count: depth) + "1" + String(repeating: "]}", count: depth)
        #expect(throws: JSONError.self) {
            try Array(text.utf8).withUnsafeBytes { try JSONReader.validate($0, maxDepth: limit) }
        }
        let error = Array(text.utf8).withUnsafeBytes { bytes -> JSONError? in
            do throws(JSONError) { try JSONReader.validate(bytes, maxDepth: limit); return nil } catch { return error }
        }
        // The container that would be number `limit + 1` is refused where it opens.
        let expectedOffset = limit % 2 == 0 ? (limit / 2) * 6 : (limit / 2) * 6 + 5
        #expect(error == JSONError(offset: expectedOffset, reason: .tooDeep(limit: limit)))
    }

    @Test func everyPrefixOfAValidDocumentIsRefusedAndNeverTraps() {
        let text = Array("{\"a\":[1,-2.5e3,\"x\\u00e9\\n\",true,false,null,{\"b\":{}}],\"c\":\"日本\"}".utf8)
        for cut in 0..<text.count {
            let refused = text[..<cut].withUnsafeBytes { bytes in
                do throws(JSONError) { try JSONReader.validate(bytes); return false } catch { return true }
            }
            #expect(refused, "prefix of \(cut) bytes")
        }
    }
}
