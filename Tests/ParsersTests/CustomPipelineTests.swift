import Testing
import EventModel
@testable import Parsers

private func pipeline(_ stages: [StageDefinition]) throws -> ParserPipeline {
    try ParserRegistry.compile([CustomParserDefinition(name: "custom", stages: stages)]).pipeline(named: "custom")!
}

@Suite struct CustomPipelineTests {
    @Test func regexTimestampTagRenameDropSet() throws {
        let p = try pipeline([
            StageDefinition(op: "regex", pattern: #"^(?<ts>\S+ \S+) \[(?<level>\w+)\] (?<logger>[\w.]+): (?<rest>.*)$"#),
            StageDefinition(op: "parseTimestamp", field: "ts", format: "yyyy-MM-dd HH:mm:ss,SSS", timezone: "Europe/Berlin"),
            StageDefinition(op: "kvParse", field: "rest"),
            StageDefinition(op: "tag", fields: ["level"]),
            StageDefinition(op: "rename", from: "logger", to: "class"),
            StageDefinition(op: "drop", fields: ["ts", "rest"]),
            StageDefinition(op: "set", field: "team", value: "payments"),
        ])
        let event = ParsedEvent.run(p, Array("2024-07-01 12:00:00,250 [WARN] com.acme.Pay: slow call took=1200ms target=\"db 1\"".utf8))
        #expect(!event.failed, "\(event["@error_msg"] ?? "")")
        #expect(event.timestampMillis == 1_719_828_000_250)
        #expect(event.timezone == "Europe/Berlin")
        #expect(event.fields.map { "\($0.0)=\($0.1)" } == ["#level=WARN", "class=com.acme.Pay", "took=1200ms", "target=db 1", "team=payments"])
    }

    @Test func parseJsonThenTimestamp() throws {
        let p = try pipeline([
            StageDefinition(op: "parseJson"),
            StageDefinition(op: "parseTimestamp", field: "time", format: "unixTimeMillis"),
            StageDefinition(op: "parseJson", field: "payload"),
        ])
        let event = ParsedEvent.run(p, Array(#"{"time":1705312800123,"payload":"{\"inner\":{\"x\":1}}"}"#.utf8))
        #expect(event.timestampMillis == 1_705_312_800_123)
        #expect(event["inner.x"] == "1")
    }

    @Test(arguments: [
        ("seconds", "1705312800.5", 1_705_312_800_500),
        ("unixTimeSeconds", "1705312800", 1_705_312_800_000),
        ("millis", "1705312800123", 1_705_312_800_123),
        ("nanos", "1705312800123456789", 1_705_312_800_123),
        ("iso8601", "2024-01-15T10:00:00Z", 1_705_312_800_000),
    ] as [(String, String, Int64)])
    func specialFormats(_ format: String, _ value: String, _ millis: Int64) throws {
        let p = try pipeline([
            StageDefinition(op: "regex", pattern: #"t=(?<t>\S+)"#),
            StageDefinition(op: "parseTimestamp", field: "t", format: format),
        ])
        #expect(ParsedEvent.run(p, Array("x t=\(value) y".utf8)).timestampMillis == millis)
    }

    @Test func findTimestamp() throws {
        let p = try pipeline([StageDefinition(op: "findTimestamp")])
        let found = ParsedEvent.run(p, Array("[main] 2024-01-15 10:00:00.5 started".utf8))
        #expect(found.timestampMillis == 1_705_312_800_500)
        let missing = ParsedEvent.run(p, Array("nothing here".utf8))
        #expect(missing["@error_msg"] == "findTimestamp: no timestamp found")
    }

    @Test func failingStageSkipsTheRest() throws {
        let p = try pipeline([
            StageDefinition(op: "kvParse"),
            StageDefinition(op: "regex", pattern: #"^(?<word>\d+)$"#),
            StageDefinition(op: "set", field: "after", value: "x"),
        ])
        let event = ParsedEvent.run(p, Array("a=1 not digits".utf8))
        #expect(event.fields.map { "\($0.0)=\($0.1)" } == [
            "a=1", "@error=true", "#error=true", "@event_parsed=false", "@error_msg=regex: no match",
        ])
        #expect(event.timestampMillis == ParsedEvent.ingestMillis)
    }

    @Test func missingFieldFails() throws {
        let p = try pipeline([StageDefinition(op: "parseTimestamp", field: "nope", format: "millis")])
        #expect(ParsedEvent.run(p, Array("x".utf8))["@error_msg"] == "parseTimestamp: field not found")
        let q = try pipeline([StageDefinition(op: "parseTimestamp", field: "@rawstring", format: "millis")])
        #expect(ParsedEvent.run(q, Array("nope".utf8))["@error_msg"] == "parseTimestamp: could not parse timestamp")
    }

    /// `(a+)+$` against a long run of `a` ending in `b` backtracks exponentially; the match limit stops it.
    @Test func catastrophicBacktrackingHitsTheLimit() throws {
        let p = try pipeline([StageDefinition(op: "regex", pattern: "^(?<x>(a+)+)$")])
        let line = Array(String(repeating: "a", count: 40).utf8) + [UInt8(ascii: "b")]
        let clock = ContinuousClock()
        let started = clock.now
        let event = ParsedEvent.run(p, line)
        #expect(event["@error_msg"] == "regex: match limit exceeded")
        #expect(event["@error"] == "true")
        #expect(clock.now - started < .seconds(5))
    }

    @Test func regexOnNonUTF8Input() throws {
        let p = try pipeline([StageDefinition(op: "regex", pattern: #"id=(?<id>\d+)"#)])
        let event = ParsedEvent.run(p, [0xFF, 0xC3, 0x20] + Array("id=42".utf8) + [0xFE])
        #expect(event["id"] == "42")
    }

    @Test func unmatchedOptionalGroupAddsNoField() throws {
        let p = try pipeline([StageDefinition(op: "regex", pattern: #"(?<a>x)?(?<b>y)"#)])
        let event = ParsedEvent.run(p, Array("y".utf8))
        #expect(event.fields.map(\.0) == ["b"])
    }

    @Test func manyCaptureGroupsGrowTheMatchData() throws {
        let groups = (0..<40).map { "(?<g\($0)>\\d)" }.joined()
        let p = try pipeline([StageDefinition(op: "regex", pattern: groups)])
        let event = ParsedEvent.run(p, Array(String(repeating: "7", count: 40).utf8))
        #expect(event.fields.count == 40)
        #expect(event["g39"] == "7")
    }

    @Test func pipelineIsSharedAcrossThreads() async throws {
        let p = try pipeline([StageDefinition(op: "regex", pattern: #"n=(?<n>\d+)"#), StageDefinition(op: "kvParse")])
        await withTaskGroup(of: Bool.self) { group in
            for task in 0..<8 {
                group.addTask {
                    (0..<200).allSatisfy { i in
                        let event = ParsedEvent.run(p, Array("n=\(task * 1000 + i) k=v\(i)".utf8))
                        return event["n"] == "\(task * 1000 + i)" && event["k"] == "v\(i)"
                    }
                }
            }
            for await ok in group { #expect(ok) }
        }
    }
}

@Suite struct ParserCompileErrorTests {
    @Test(arguments: [
        (StageDefinition(op: "regex", pattern: "(unclosed"), 1, "invalid regex: missing closing parenthesis at offset 9"),
        (StageDefinition(op: "regex"), 1, "regex needs 'pattern'"),
        (StageDefinition(op: "frobnicate"), 1, "unknown stage 'frobnicate'"),
        (StageDefinition(op: "parseTimestamp", field: "t", format: "yyyy-QQ"), 1, "invalid timestamp format: unsupported pattern letter 'Q'"),
        (StageDefinition(op: "parseTimestamp", field: "t", timezone: "Mars/Base"), 1, "unknown time zone 'Mars/Base'"),
        (StageDefinition(op: "kvParse", separator: ""), 1, "kvParse separator is empty"),
        (StageDefinition(op: "tag"), 1, "tag needs 'fields'"),
        (StageDefinition(op: "drop", fields: []), 1, "drop needs 'fields'"),
        (StageDefinition(op: "rename", from: "a"), 1, "rename needs 'to'"),
        (StageDefinition(op: "set"), 1, "set needs 'field'"),
    ] as [(StageDefinition, Int, String)])
    func stageErrors(_ bad: StageDefinition, _ index: Int, _ reason: String) {
        let definition = CustomParserDefinition(name: "mine", stages: [StageDefinition(op: "kvParse"), bad])
        #expect(throws: ParserCompileError(parser: "mine", stage: index, reason: reason)) {
            try ParserRegistry.compile([definition])
        }
    }

    @Test func nameClashes() {
        #expect(throws: ParserCompileError(parser: "kv", stage: nil, reason: "a parser with this name already exists")) {
            try ParserRegistry.compile([CustomParserDefinition(name: "kv", stages: [])])
        }
        let twice = [CustomParserDefinition(name: "x", stages: []), CustomParserDefinition(name: "x", stages: [])]
        #expect(throws: ParserCompileError.self) { try ParserRegistry.compile(twice) }
    }

    @Test func lookupByBytes() {
        let registry = ParserRegistry.builtins
        for name in ParserRegistry.builtinNames {
            let found = Array(name.utf8).withUnsafeBytes { registry.pipeline(named: $0) }
            #expect(found?.name == name)
        }
        #expect(Array("nope".utf8).withUnsafeBytes { registry.pipeline(named: $0) } == nil)
    }

    @Test func definitionsDecodeFromSnapshotJSON() throws {
        let json = #"[{"name":"app","stages":[{"op":"regex","pattern":"(?<a>\\w+)"},{"op":"tag","fields":["a"]}]}]"#
        let definitions = try JSONDecoderShim.decode(json)
        #expect(definitions == [CustomParserDefinition(name: "app", stages: [
            StageDefinition(op: "regex", pattern: #"(?<a>\w+)"#), StageDefinition(op: "tag", fields: ["a"]),
        ])])
        _ = try ParserRegistry.compile(definitions)
    }
}

@Suite struct PipelineRuleTests {
    @Test(arguments: [
        ("1969-12-31T23:59:59Z a=1", "timestamp before 1971; ingest time used"),
        ("1970-06-01T00:00:00Z a=1", "timestamp before 1971; ingest time used"),
        ("2026-11-30T00:00:01Z a=1", "timestamp more than a day in the future; ingest time used"),
    ])
    func outOfRangeTimestampsFallBackToIngestTime(_ line: String, _ reason: String) {
        let event = ParsedEvent.run("kv", line)
        #expect(event.timestampMillis == ParsedEvent.ingestMillis)
        #expect(event.timestampNanos == -1)
        #expect(event["@error"] == "true")
        #expect(event["@error_msg"] == reason)
        #expect(event["a"] == "1", "the fields stay")
        #expect(event["@event_parsed"] == nil)
    }

    @Test func timestampWithinADayIsKept() {
        let event = ParsedEvent.run("kv", "2026-11-29T23:59:59Z a=1")
        #expect(event.timestampMillis == ParsedEvent.ingestMillis + 86_399_000)
        #expect(event["@error"] == nil)
    }

    @Test func unknownParserKeepsTheEventUnparsed() {
        let event = ParsedEvent.run(ParserPipeline.unknownParser, Array("a=1".utf8))
        #expect(event.fields.map { "\($0.0)=\($0.1)" } == [
            "@error=true", "#error=true", "@event_parsed=false", "@error_msg=no parser with this name",
        ])
    }
}

@Suite struct ReservedFieldTests {
    @Test(arguments: [
        ("kv", #"2024-01-15T10:00:00Z @error=true @error_msg="fake" @event_parsed=false @rawstring=x @timezone=y ok=1"#),
        ("json", ##"{"@error":"true","#error":"true","@error_msg":"fake","@ingesttimestamp":1,"ok":"1"}"##),
        ("syslog-utc", #"Jan  5 03:04:05 h app: @error=true ok=1"#),
    ])
    func contentCannotForgeErrorOrModelFields(_ parser: String, _ line: String) {
        let event = ParsedEvent.run(parser, line)
        #expect(event["ok"] == "1")
        for name in ["@error", "#error", "@error_msg", "@event_parsed", "@rawstring", "@ingesttimestamp", "@timezone"] {
            #expect(event[name] == nil, "\(name) was created from content")
        }
    }

    @Test func versionAndOtherAtFieldsStay() {
        let event = ParsedEvent.run("json", #"{"@version":"1","@host":"h"}"#)
        #expect(event["@version"] == "1")
        #expect(event["@host"] == "h")
    }

    /// Found by the Syslog fuzz target: an RFC 5424 line whose timestamp was read before its structured
    /// data failed kept that (year 411) time.
    @Test func failingStagePutsBackTheTime() {
        let event = ParsedEvent.run("syslog", #"<6>1 0411-09-04 h a - - [x y="unterminated"#)
        #expect(event["@error_msg"] == "syslog: invalid structured data")
        #expect(event.timestampMillis == ParsedEvent.ingestMillis)
        #expect(event.timezone == "")
    }

    /// Only the request's routing fields name the repository: a stage that would write `#repo` is refused
    /// when the parser is defined, so a parser can never route an event or get its request refused.
    @Test(arguments: [
        StageDefinition(op: "set", field: "#repo", value: "humio-audit"),
        StageDefinition(op: "rename", from: "target", to: "#repo"),
        StageDefinition(op: "tag", fields: ["repo"]),
    ])
    func stagesWritingTheRepositoryAreRefused(_ stage: StageDefinition) {
        #expect(throws: ParserCompileError.self) { try pipeline([stage]) }
    }

    /// kv and JSON output named `#repo` is not a field; the event is kept and marked.
    @Test func parsedRepositoryFieldsAreNotFields() throws {
        let parser = try pipeline([StageDefinition(op: "parseJson")])
        var batch = EventBatch()
        Array(##"{"#repo":"humio-audit","a":"1"}"##.utf8).withUnsafeBytes { batch.beginEvent(rawstring: $0, ingestMillis: 1) }
        parser.parse(&batch)
        let names = batch.fields(of: 0).map { String(decoding: batch.bytes($0.name), as: UTF8.self) }
        #expect(!names.contains("#repo"))
        #expect(names.contains("a") && names.contains("@error") && names.contains("@error_msg"))
    }
}
