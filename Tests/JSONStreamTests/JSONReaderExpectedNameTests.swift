import Testing
@testable import JSONStream

/// `nextMember(expecting:)` takes a repeated name by comparison, and otherwise reads exactly as `nextMember()`.
struct JSONReaderExpectedNameTests {
    /// Reads the first object's member names, then walks the second object expecting them in order; returns
    /// each second-object name's text and whether it came back as the expected span itself.
    static func walk(_ text: String) throws -> [(String, Bool)] {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBytes { body -> [(String, Bool)] in
            var reader = JSONReader(body)
            try reader.beginArray()
            _ = try reader.nextElement()
            try reader.beginObject()
            var names: [JSONString] = []
            while let name = try reader.nextMember() {
                names.append(name)
                try reader.skipValue()
            }
            _ = try reader.nextElement()
            try reader.beginObject()
            var seen: [(String, Bool)] = []
            var index = 0
            while let name = try reader.nextMember(expecting: index < names.count ? names[index] : JSONReader.noExpectedName) {
                var key: [UInt8] = []
                reader.unescape(name, appendingTo: &key)
                seen.append((String(decoding: key, as: UTF8.self), index < names.count && name == names[index]))
                try reader.skipValue()
                index += 1
            }
            _ = try reader.nextElement()
            try reader.finish()
            return seen
        }
    }

    @Test(arguments: [
        // Same names, compact: every one taken by comparison.
        (#"[{"host":"a","status":1,"trace_id_long1":2},{"host":"b","status":2,"trace_id_long1":3}]"#,
         [("host", true), ("status", true), ("trace_id_long1", true)]),
        // A longer name with the expected one as its prefix, a shorter one, another one.
        (#"[{"host":1,"level":2,"ab":3},{"hosts":1,"leve":2,"xy":3}]"#, [("hosts", false), ("leve", false), ("xy", false)]),
        // Whitespace before the colon or after the comma, escapes, and a name of one byte or over 14 are scanned.
        (#"[{"host":1,"level":2,"q":3,"fifteen_bytes_1":4},{"host" :1, "level":2,"q":3,"fifteen_bytes_1":4}]"#,
         [("host", false), ("level", true), ("q", false), ("fifteen_bytes_1", false)]),
        (#"[{"host":1},{"ho\u0073t":1}]"#, [("host", false)]),
        (#"[{"ho\u0073t":1},{"host":1}]"#, [("host", false)]),
        // Fewer and more members than expected, and an empty object.
        (#"[{"a1":1,"b2":2},{"a1":1}]"#, [("a1", true)]),
        (#"[{"a1":1},{"a1":1,"b2":2}]"#, [("a1", true), ("b2", false)]),
        (#"[{"a1":1},{}]"#, []),
    ])
    func readsWhatNextMemberReads(_ text: String, _ expected: [(String, Bool)]) throws {
        let seen = try Self.walk(text)
        #expect(seen.map(\.0) == expected.map(\.0))
        #expect(seen.map(\.1) == expected.map(\.1))
    }

    /// Errors after a matched name are found at the offset `validate` reports.
    @Test(arguments: [
        #"[{"host":1},{"host":}]"#,
        #"[{"host":1},{"host":1"#,
        #"[{"host":1},{"host":1,}]"#,
        #"[{"host":1,"ab":2},{"host":1 "ab":2}]"#,
    ])
    func errorsAreFoundWhereValidateFindsThem(_ text: String) {
        let bytes = Array(text.utf8)
        var validateOffset: Int? = nil
        do { try bytes.withUnsafeBytes { try JSONReader.validate($0) } } catch let error as JSONError { validateOffset = error.offset } catch {}
        var walkOffset: Int? = nil
        do { _ = try Self.walk(text) } catch let error as JSONError { walkOffset = error.offset } catch {}
        #expect(validateOffset != nil)
        #expect(walkOffset == validateOffset)
    }
}
