import Testing
@testable import JSONStream

struct JSONReaderValuesTests {
    /// Reads the document as one scalar and applies `body` to it.
    static func withScalar<R>(_ text: String, _ body: (JSONReader, JSONScalar) -> R) throws -> R {
        try Array(text.utf8).withUnsafeBytes { bytes in
            var reader = JSONReader(bytes)
            let scalar = try reader.readScalar()
            try reader.finish()
            return body(reader, scalar)
        }
    }

    static func unescaped(_ text: String) throws -> [UInt8] {
        try withScalar(text) { reader, scalar in
            guard case .string(let string) = scalar else { return [] }
            var out: [UInt8] = []
            reader.unescape(string, appendingTo: &out)
            return out
        }
    }

    @Test(arguments: [
        ("\"plain\"", "plain"),
        ("\"a\\\"b\"", "a\"b"),
        ("\"\\\\\\/\\b\\f\\n\\r\\t\"", "\\/\u{8}\u{C}\n\r\t"),
        ("\"\\u0041\\u00e9\\u65E5\"", "Aé日"),
        ("\"x\\uD83D\\uDE00y\"", "x😀y"),
        ("\"\\uD83D\"", "\u{FFFD}"),
        ("\"\\uDE00\\uD83D\"", "\u{FFFD}\u{FFFD}"),
        ("\"\\uD83Dx\"", "\u{FFFD}x"),
        ("\"\\u0000\"", "\u{0}"),
        ("\"日本\\n語\"", "日本\n語"),
    ])
    func unescapes(_ text: String, _ expected: String) throws {
        #expect(try Self.unescaped(text) == Array(expected.utf8))
        #expect(try Self.unescapedInPlace(text) == Array(expected.utf8))
    }

    /// ``JSONReader/unescape(_:into:)`` into a buffer exactly the escaped length, with a guard byte after it
    /// that must survive (unescaping never lengthens).
    static func unescapedInPlace(_ text: String) throws -> [UInt8] {
        try withScalar(text) { reader, scalar in
            guard case .string(let string) = scalar else { return [] }
            var buffer = [UInt8](repeating: 0xAA, count: string.span.count + 1)
            let written = buffer.withUnsafeMutableBytes { reader.unescape(string, into: $0.baseAddress!) }
            #expect(written <= string.span.count)
            #expect(buffer[string.span.count] == 0xAA)
            return Array(buffer[..<written])
        }
    }

    /// The 16- and 8-byte-at-a-time unescaping: an escape at every offset of a long run, runs of every
    /// length up to and past two 16-byte steps, escapes back to back and at the very end, non-ASCII around them.
    @Test(arguments: Array(0...40))
    func unescapesAcrossWordBoundaries(_ offset: Int) throws {
        let run = String(repeating: "a", count: offset)
        let cases: [(String, String)] = [
            ("\"" + run + "\\\"" + run + "b\"", run + "\"" + run + "b"),
            ("\"" + run + "\\n\\t\\\\" + "\"", run + "\n\t\\"),
            ("\"é" + run + "\\u00e9" + run + "日\\/\"", "é" + run + "é" + run + "日/"),
            ("\"" + run + "\\\"GET /x HTTP/1.1\\\" 200 \\\"curl/8.4.0\\\" 0.1\"", run + "\"GET /x HTTP/1.1\" 200 \"curl/8.4.0\" 0.1"),
        ]
        for (text, expected) in cases {
            #expect(try Self.unescapedInPlace(text) == Array(expected.utf8), "\(text)")
            #expect(try Self.unescaped(text) == Array(expected.utf8), "\(text)")
        }
    }

    @Test func reportsWhetherAStringHasEscapes() throws {
        let flags = try ["\"abc\"", "\"a\\nb\""].map { text in
            try Self.withScalar(text) { _, scalar -> Bool in
                guard case .string(let string) = scalar else { return false }
                return string.hasEscapes
            }
        }
        #expect(flags == [false, true])
    }

    @Test(arguments: [
        ("\"event\"", true), ("\"ev\\u0065nt\"", true), ("\"even\"", false), ("\"events\"", false), ("\"\\u0065\"", false),
    ])
    func comparesStringsWithLiterals(_ text: String, _ expected: Bool) throws {
        let equal = try Self.withScalar(text) { reader, scalar -> Bool in
            guard case .string(let string) = scalar else { return false }
            return reader.equals(string, "event")
        }
        #expect(equal == expected)
    }

    @Test(arguments: [
        (#""\ud800""#, true), (#""a\udc00b""#, true), (#""\ud800\u0041""#, true), (#""\ud83d\ude42""#, false),
        (#""\ufffd""#, false), (#""\u00e9\n""#, false), (#""plain""#, false),
    ])
    func findsUnpairedSurrogates(_ text: String, _ expected: Bool) throws {
        #expect(try Self.withScalar(text) { reader, scalar in
            guard case let .string(string) = scalar else { return !expected }
            return reader.hasUnpairedSurrogate(string)
        } == expected)
    }

    @Test(arguments: [
        ("0", Int64(0)), ("-0", 0), ("42", 42), ("-42", -42),
        ("9223372036854775807", Int64.max), ("-9223372036854775808", Int64.min),
    ])
    func readsIntegersExactly(_ text: String, _ expected: Int64) throws {
        let value = try Self.withScalar(text) { reader, scalar -> Int64? in
            guard case .number(let number) = scalar else { return nil }
            return reader.int64(number)
        }
        #expect(value == expected)
    }

    @Test(arguments: ["9223372036854775808", "-9223372036854775809", "1.0", "1e2", "99999999999999999999999"])
    func refusesIntegersThatAreNotExact(_ text: String) throws {
        let value = try Self.withScalar(text) { reader, scalar -> Int64? in
            guard case .number(let number) = scalar else { return 0 }
            return reader.int64(number)
        }
        #expect(value == nil)
    }

    @Test(arguments: [
        ("0", 0.0), ("1.5", 1.5), ("-2.25e2", -225.0), ("1e22", 1e22), ("1e23", 1e23), ("0.1", 0.1),
        ("1700000000.123456", 1700000000.123456), ("123456789012345678901234567890", 123456789012345678901234567890.0),
        ("2.2250738585072014e-308", 2.2250738585072014e-308), ("4.9e-324", Double.leastNonzeroMagnitude), ("1e-400", 0.0),
        ("0.000001", 0.000001), ("9007199254740993", 9007199254740992.0), ("1.7976931348623157e308", Double.greatestFiniteMagnitude),
    ])
    func readsDoublesCorrectlyRounded(_ text: String, _ expected: Double) throws {
        let value = try Self.withScalar(text) { reader, scalar -> Double? in
            guard case .number(let number) = scalar else { return nil }
            return reader.double(number)
        }
        #expect(value == expected)
    }

    @Test(arguments: ["1e400", "-1e309", "2e308"])
    func reportsDoublesOutOfRange(_ text: String) throws {
        let value = try Self.withScalar(text) { reader, scalar -> Double? in
            guard case .number(let number) = scalar else { return 0 }
            return reader.double(number)
        }
        #expect(value == nil)
    }
}
