import Testing
@testable import Tokens

/// The JSON-path reader over JSONStream: refusals carry the path, syntax errors the line and column of the
/// byte where JSONStream stopped, and what JSONStream accepts but the snapshot must not (duplicate names,
/// unpaired surrogates, leading zeros) is refused.
@Suite struct JSONPathReaderTests {
    /// Reads `{"a": [{"b": <string>}, …]}`-shaped documents: any object of string arrays or objects of strings.
    static func read(_ text: String) throws(TokenError) -> [String: [String]] {
        try JSONPathReader.read(Array(text.utf8), file: "f") { (reader) throws(TokenError) in
            var result: [String: [String]] = [:]
            try reader.readObject { (reader, key) throws(TokenError) in
                var values: [String] = []
                try reader.readArray { (reader, _) throws(TokenError) in
                    try reader.readObject { (reader, _) throws(TokenError) in values.append(try reader.readString()) }
                }
                result[key.text] = values
            }
            return result
        }
    }

    static func refusal(_ text: String) -> (path: String, reason: String)? {
        do {
            _ = try read(text)
            return nil
        } catch {
            guard case let .invalidSnapshot(_, path, reason) = error else { return nil }
            return (path, reason)
        }
    }

    @Test func readsNestedValuesAndEscapedNames() throws {
        #expect(try Self.read(#"{"a": [{"b": "x"}, {"c": "y\u00e9"}], "d\u0065": []}"#) == ["a": ["x", "yé"], "de": []])
    }

    @Test(arguments: [
        ("{\"a\": [{\"b\": \"x\"},\n  {\"b\": \"y\" \"c\": \"z\"}]}", "$.a[1]", "bad JSON at line 2, column 13: expected ',' or '}', found '\"'"),
        ("{\"a\": [{\"b\": \"x\"}\r\n\r\n ]] }", "$", "bad JSON at line 3, column 3: expected ',' or '}', found ']'"),
        ("{\"a\": [{\"b\": \"x\"}, {\"b\": 1}]}", "$.a[1].b", "expected a string"),
        ("{\"a\": [{\"b\": \"x\", \"\\u0062\": \"y\"}]}", "$.a[0].b", "duplicate field 'b'"),
        ("{\"a\": [], \"a\": []}", "$.a", "duplicate field 'a'"),
        ("{\"a\": [{\"b\": \"\\udc00\"}]}", "$.a[0].b", "a \\u escape is an unpaired surrogate"),
        ("{\"\\ud800\": []}", "$", "a \\u escape is an unpaired surrogate"),
        ("{\"a\": [{\"b\": \"\\x\"}]}", "$.a[0].b", "bad JSON at line 1, column 15: expected a valid escape, found '\\'"),
        ("{\"a\": [{\"b\": \"x\"}]", "$", "bad JSON at line 1, column 19: expected ',' or '}', found the end of the file"),
        ("{\"a\": [", "$.a[0]", "bad JSON at line 1, column 8: expected an object, found the end of the file"),
        ("{\"a\": [{\"b\": \"x\"},]}", "$.a[1]", "bad JSON at line 1, column 19: expected an object, found ']'"),
    ])
    func refusesWithPathLineAndColumn(_ text: String, _ path: String, _ reason: String) {
        let refusal = Self.refusal(text)
        #expect(refusal?.path == path)
        #expect(refusal?.reason == reason)
    }

    @Test(arguments: [("07", "bad JSON at line 1, column 8: expected a number, found '7'"), ("1.5", "expected an integer"),
                      ("99999999999999999999", "integer out of range"), ("-", "bad JSON at line 1, column 8: expected a number, found '}'"),
                      ("1.e", "bad JSON at line 1, column 9: expected a digit after '.', found 'e'"),
                      ("2E+", "bad JSON at line 1, column 10: expected a digit in the exponent, found '}'")])
    func refusesMalformedIntegers(_ number: String, _ reason: String) {
        let text = "{\"n\": " + number + "}"
        #expect(throws: TokenError.invalidSnapshot(file: "f", path: "$.n", reason: reason)) {
            try JSONPathReader.read(Array(text.utf8), file: "f") { (reader) throws(TokenError) in
                try reader.readObject { (reader, _) throws(TokenError) in _ = try reader.readInt() }
            }
        }
    }

    @Test func readsNumbersNullsAndBooleans() throws {
        let text = #"{"a": 1e999, "b": -1e999, "c": 12.5e-1, "d": null, "e": true, "f": -42}"#
        var numbers: [Double?] = [], flags: [Bool] = [], ints: [Int] = []
        try JSONPathReader.read(Array(text.utf8), file: "f") { (reader) throws(TokenError) in
            try reader.readObject { (reader, key) throws(TokenError) in
                switch key {
                case "e": flags.append(try reader.readBool())
                case "f": ints.append(try reader.readInt())
                default: numbers.append(try reader.readOptionalNumber())
                }
            }
        }
        #expect(numbers == [.infinity, -.infinity, 1.25, nil])
        #expect(flags == [true] && ints == [-42])
    }
}
