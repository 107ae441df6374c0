import Testing
@testable import JSONStream

struct JSONReaderWalkTests {
    /// Walks a document into a flat textual trace, exercising every reading call.
    static func trace(_ reader: inout JSONReader) throws(JSONError) -> String {
        switch try reader.peek() {
        case .object:
            try reader.beginObject()
            var parts: [String] = []
            while let name = try reader.nextMember() {
                var key: [UInt8] = []
                reader.unescape(name, appendingTo: &key)
                parts.append(String(decoding: key, as: UTF8.self) + "=" + (try trace(&reader)))
            }
            return "{" + parts.joined(separator: ",") + "}"
        case .array:
            try reader.beginArray()
            var parts: [String] = []
            while try reader.nextElement() { parts.append(try trace(&reader)) }
            return "[" + parts.joined(separator: ",") + "]"
        case .string:
            let string = try reader.readString()
            return "s:" + String(decoding: reader.bytes(string.span), as: UTF8.self)
        case .number:
            let number = try reader.readNumber()
            return (number.isInteger ? "i:" : "d:") + String(decoding: reader.bytes(number.span), as: UTF8.self)
        case .bool:
            return try reader.readBool() ? "true" : "false"
        case .null:
            try reader.readNull()
            return "null"
        }
    }

    @Test(arguments: [
        ("{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}", "{a=i:1,b=[true,false,null],c={d=s:e}}"),
        (" [ -1.5 , \"x\\ny\" , [ ] , { } ] ", "[d:-1.5,s:x\\ny,[],{}]"),
        ("{\"k\\u0041\":2e3}", "{kA=d:2e3}"),
    ])
    func walksDocuments(_ text: String, _ expected: String) throws {
        let result = try Array(text.utf8).withUnsafeBytes { bytes throws(JSONError) -> String in
            var reader = JSONReader(bytes)
            let trace = try Self.trace(&reader)
            try reader.finish()
            #expect(reader.depth == 0)
            return trace
        }
        #expect(result == expected)
    }

    @Test func readsConcatenatedDocumentsUntilTheEnd() throws {
        let text = Array("{\"a\":1} {\"a\":2}\n\n{\"a\":3}  ".utf8)
        let count = try text.withUnsafeBytes { bytes throws(JSONError) -> Int in
            var reader = JSONReader(bytes)
            var count = 0
            while !reader.isAtEnd() {
                try reader.skipValue()
                count += 1
            }
            return count
        }
        #expect(count == 3)
    }

    @Test func wrongTypeNamesWhatWasExpectedAndFound() {
        let error = Array("[1]".utf8).withUnsafeBytes { bytes -> JSONError? in
            var reader = JSONReader(bytes)
            do throws(JSONError) { try reader.beginObject(); return nil } catch { return error }
        }
        #expect(error == JSONError(offset: 0, reason: .wrongType(expected: .object, found: .array)))
        #expect(error?.description == "expected object, found array at byte 0")
    }

    @Test func aMemberValueMustBeConsumedBeforeTheNextMember() {
        let error = Array("{\"a\":\"b\",\"c\":1}".utf8).withUnsafeBytes { bytes -> JSONError? in
            var reader = JSONReader(bytes)
            do throws(JSONError) {
                try reader.beginObject()
                _ = try reader.nextMember()
                _ = try reader.nextMember()
                return nil
            } catch { return error }
        }
        #expect(error == JSONError(offset: 5, reason: .expectedCommaOr(closing: UInt8(ascii: "}"))))
    }

    /// `readScalarUnlessContainer`: scalars read as `readScalar` would; a container leaves the reader on its
    /// opening byte (so it can be walked next); errors carry the same offsets.
    @Test(arguments: [
        ("  \"a\\nb\" ", "string"), (" -12.5e3", "number"), ("true", "true"), ("false", "false"), ("null", "null"),
        ("  {\"a\":1}", "container at 2"), ("[1]", "container at 0"),
        ("tru", "unexpected end of input at byte 3"), ("trux", "invalid literal at byte 3"), ("nul", "unexpected end of input at byte 3"), ("fals", "unexpected end of input at byte 4"),
        ("truE", "invalid literal at byte 3"), ("", "unexpected end of input at byte 0"), ("  ]", "expected a value at byte 2"),
    ])
    func readsAScalarUnlessAContainer(_ text: String, _ expected: String) {
        let outcome = Array(text.utf8).withUnsafeBytes { bytes -> String in
            var reader = JSONReader(bytes)
            do throws(JSONError) {
                switch try reader.readScalarUnlessContainer() {
                case .string?: return "string"
                case .number?: return "number"
                case .bool(let value)?: return value ? "true" : "false"
                case .null?: return "null"
                case nil:
                    let at = reader.offset
                    try reader.skipValue()
                    return "container at \(at)"
                }
            } catch { return error.description }
        }
        #expect(outcome == expected)
    }
}
