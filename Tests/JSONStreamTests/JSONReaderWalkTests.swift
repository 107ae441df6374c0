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
}
