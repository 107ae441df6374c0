import Testing
@testable import Parsers

@Suite struct KeyValueParserTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let line: String
        let fields: [String: String]
        var millis: Int64? = nil
        var testDescription: String { line }
    }

    @Test(arguments: [
        // logfmt from a Go service (go-kit / logrus style)
        Case(line: #"2024-01-15T10:00:00.123Z level=info msg="request done" method=GET path=/api/v1/users status=200 duration=12.5ms"#,
             fields: ["level": "info", "msg": "request done", "method": "GET", "path": "/api/v1/users", "status": "200", "duration": "12.5ms"],
             millis: 1_705_312_800_123),
        Case(line: #"2024-01-15T10:00:00+01:00 user='jane doe' id=7"#, fields: ["user": "jane doe", "id": "7"], millis: 1_705_309_200_000),
        // quotes inside values, escapes
        Case(line: #"2024-01-15T10:00:00Z msg="he said \"hi\" and left" path="C:\\tmp""#,
             fields: ["msg": #"he said "hi" and left"#, "path": #"C:\tmp"#]),
        Case(line: #"2024-01-15T10:00:00Z err="line\nbreak" other='it\'s'"#, fields: ["err": #"line\nbreak"#, "other": "it's"]),
        // first occurrence wins
        Case(line: "2024-01-15T10:00:00Z a=1 a=2 b=3", fields: ["a": "1", "b": "3"]),
        // empty values, trailing comma, = inside values, no pairs
        Case(line: "2024-01-15T10:00:00Z empty= next=x, url=http://h/p?q=1&r=2", fields: ["empty": "", "next": "x", "url": "http://h/p?q=1&r=2"]),
        Case(line: "2024-01-15T10:00:00Z nothing to see here", fields: [:]),
        Case(line: "no timestamp key=value", fields: ["key": "value"], millis: ParsedEvent.ingestMillis),
        Case(line: #"2024-01-15T10:00:00Z unterminated="runs to the end"#, fields: ["unterminated": "runs to the end"]),
        Case(line: "2024-01-15T10:00:00Z =orphan k.sub-key_1=v @meta=m", fields: ["k.sub-key_1": "v", "@meta": "m"]),
        Case(line: "2024-01-15 kv=date-only", fields: ["kv": "date-only"], millis: 1_705_276_800_000),
    ])
    func kv(_ c: Case) {
        let event = ParsedEvent.run("kv", c.line)
        #expect(!event.failed)
        #expect(Dictionary(event.fields, uniquingKeysWith: { first, _ in first }) == c.fields)
        #expect(event.fields.count == c.fields.count, "no duplicate fields")
        if let millis = c.millis { #expect(event.timestampMillis == millis) }
    }

    @Test func nonUTF8BytesPassThrough() {
        var line = Array("2024-01-15T10:00:00Z name=".utf8)
        line += [0xFF, 0xFE, 0x41]
        line += Array(" ok=1".utf8)
        let event = ParsedEvent.run(ParserRegistry.builtins.pipeline(named: "kv")!, line)
        #expect(event["ok"] == "1")
        #expect(event.fields.count == 2)
    }

    @Test(arguments: [
        ("1705312800123 level=warn msg=x", 1_705_312_800_123, ["level": "warn", "msg": "x"]),
        ("1705312800123.5 a=b", 1_705_312_800_123, ["a": "b"]),
        ("level=warn no time", ParsedEvent.ingestMillis, ["level": "warn"]),
    ] as [(String, Int64, [String: String])])
    func kvMillis(_ line: String, _ millis: Int64, _ fields: [String: String]) {
        let event = ParsedEvent.run("kv-millis", line)
        #expect(event.timestampMillis == millis)
        #expect(Dictionary(event.fields, uniquingKeysWith: { a, _ in a }) == fields)
    }

    @Test func kvKeepsExistingFieldsUnlessOverride() throws {
        let keep = try ParserRegistry.compile([CustomParserDefinition(name: "k", stages: [StageDefinition(op: "kvParse")])])
        let event = ParsedEvent.run(keep.pipeline(named: "k")!, Array("host=new a=1".utf8), fields: [("host", "old")])
        #expect(event["host"] == "old")
        #expect(event["a"] == "1")

        let override = try ParserRegistry.compile([
            CustomParserDefinition(name: "k", stages: [StageDefinition(op: "kvParse", separator: ":", override: true)]),
        ])
        let replaced = ParsedEvent.run(override.pipeline(named: "k")!, Array("host:new a:1 a:2".utf8), fields: [("host", "old")])
        #expect(replaced["host"] == "new")
        #expect(replaced["a"] == "2")
        #expect(replaced.fields.count == 2)
    }

    @Test func multiByteSeparator() throws {
        let registry = try ParserRegistry.compile([
            CustomParserDefinition(name: "k", stages: [StageDefinition(op: "kvParse", separator: "=>")]),
        ])
        let event = ParsedEvent.run(registry.pipeline(named: "k")!, Array("a=>1 b=2 c=>\"x y\"".utf8))
        #expect(event.fields.map { "\($0.0)=\($0.1)" } == ["a=1", "c=x y"])
    }
}

/// The `kv` stage runs two ways: over `@rawstring` from ``StageList``'s own copy of the separator, over a
/// field from the loaded stage. Both must read the same pairs, and the key bytes must be the documented set.
@Suite struct KeyValueStagePathTests {
    @Test func keyBytesAreLettersDigitsAndTheSixMarks() {
        for b in 0...255 {
            let c = UInt8(b)
            let expected = (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39)
                || Array("_.-@/[]".utf8).contains(c)
            #expect(KeyValueScanner.isKeyByte(c) == expected, "byte \(b)")
        }
    }

    @Test(arguments: ["=", "=>", ":"])
    func rawstringAndFieldSourcesReadTheSamePairs(_ separator: String) throws {
        let line = "a\(separator)1 b-c\(separator)\"x \\\"y\\\"\" [d]\(separator)'z', e.f\(separator)g;"
        let registry = try ParserRegistry.compile([
            CustomParserDefinition(name: "raw", stages: [StageDefinition(op: "kvParse", separator: separator)]),
            CustomParserDefinition(name: "field", stages: [StageDefinition(op: "kvParse", field: "msg", separator: separator)]),
        ])
        let fromRaw = ParsedEvent.run(registry.pipeline(named: "raw")!, Array(line.utf8))
        let fromField = ParsedEvent.run(registry.pipeline(named: "field")!, Array("unrelated".utf8), fields: [("msg", line)])
        #expect(fromRaw.fields.map { "\($0.0)=\($0.1)" } == ["a=1", #"b-c=x "y""#, "[d]=z", "e.f=g"])
        #expect(fromField.fields.dropFirst().map { "\($0.0)=\($0.1)" } == fromRaw.fields.map { "\($0.0)=\($0.1)" })
    }
}

/// The kv first-wins rule with many names, so that the name filter's 64 bits collide: every repeated key
/// and every preset field must still be found, whatever its bit.
@Suite struct KeyValueNameFilterTests {
    @Test(arguments: [10, 70, 300])
    func firstWinsWithManyKeys(_ keys: Int) {
        var line = "2024-01-15T10:00:00Z"
        for round in 0..<2 {
            for key in 0..<keys { line += " k\(key)x=\(round)-\(key)" }
        }
        line += " preset=late"
        let pipeline = ParserRegistry.builtins.pipeline(named: "kv")!
        let event = ParsedEvent.run(pipeline, Array(line.utf8), fields: [("preset", "early")])
        #expect(event.fields.count == keys + 1)
        #expect(event["preset"] == "early")
        for key in 0..<keys { #expect(event["k\(key)x"] == "0-\(key)") }
    }

    @Test func aNameSetsOneBitAndEqualNamesTheSameOne() {
        let names = ["a", "level", "user_id", "latency_ms", "", "#type"].map { Array($0.utf8) }
        for name in names {
            let bit = name.withUnsafeBytes { NameFilter.bit($0) }
            #expect(bit.nonzeroBitCount == 1)
            #expect(Array(name).withUnsafeBytes { NameFilter.bit($0) } == bit)
        }
    }
}
