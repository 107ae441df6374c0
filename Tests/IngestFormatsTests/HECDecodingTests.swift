import Testing
import EventModel
@testable import IngestFormats
import Parsers

struct HECDecodingTests {
    static let cases: [(String, String, [Rendered])] = [
        ("every metadata member; sourcetype names the parser",
         ##"{"event":"hello world","time":1699995600.5,"host":"h1","source":"s","sourcetype":"mine","index":"main","fields":{"#env":"prod","k":"v"}}"##,
         [Rendered(raw: "hello world", millis: 1_699_995_600_500,
                   fields: ["@host=h1", "@source=s", "#type=mine", "#repo=main", "#env=prod", "k=v"])]),
        ("an object event: members as fields, no parser, time as a string",
         #"{"event":{"a":1,"b":[1,2],"c":{"d":"e"}},"time":"1699995600"}"#,
         [Rendered(raw: #"{"a":1,"b":[1,2],"c":{"d":"e"}}"#, millis: 1_699_995_600_000,
                   fields: ["a=1", "b[0]=1", "b[1]=2", "c.d=e"])]),
        ("objects separated by any whitespace or none; string events get kv",
         "{\"event\":\"a\"} {\"event\":\"b\"}\n\r\t{\"event\":\"c\"}{\"event\":\"d\"}",
         ["a", "b", "c", "d"].map { Rendered(raw: $0, millis: Harness.ingest, fields: ["#type=kv"]) }),
        ("a #type field names the parser when there is no sourcetype",
         ##"{"fields":{"#type":"mine"},"event":"x"}"##,
         [Rendered(raw: "x", millis: Harness.ingest, fields: ["#type=mine"])]),
        ("unknown sourcetype: unparsed, with an error",
         #"{"event":"x","sourcetype":"access_combined"}"#,
         [Rendered(raw: "x", millis: Harness.ingest,
                   fields: ["#type=access_combined", "@error=true", "@error_msg=no parser named 'access_combined'; event stored unparsed"])]),
        ("numeric and boolean events are text; time with nanoseconds; timezone; null members ignored",
         #"{"event":42,"time":1699995600.123456789,"timezone":"UTC","host":null,"fields":null}"#,
         [Rendered(raw: "42", millis: 1_699_995_600_123, nanos: 456_789, zone: "UTC", fields: ["#type=kv"])]),
        ("time in milliseconds is recognised by magnitude", #"{"event":"x","time":1699995600123}"#,
         [Rendered(raw: "x", millis: 1_699_995_600_123, fields: ["#type=kv"])]),
        ("an ISO time string", #"{"event":"x","time":"2023-11-14T21:00:00Z"}"#,
         [Rendered(raw: "x", millis: 1_699_995_600_000, fields: ["#type=kv"])]),
        ("out-of-range time: ingest time and an error",
         #"{"event":"x","time":12}"#,
         [Rendered(raw: "x", millis: Harness.ingest,
                   fields: ["#type=kv", "@error=true", "@error_msg=timestamp before 1971; ingest time used"])]),
        ("unreadable time string", #"{"event":"x","time":"soon"}"#,
         [Rendered(raw: "x", millis: Harness.ingest,
                   fields: ["#type=kv", "@error=true", "@error_msg=unreadable timestamp; ingest time used"])]),
        ("empty index, sourcetype, source and host count as not sent (Python's splunk-handler sends them)",
         #"{"event":"x","index":"","sourcetype":"","source":"","host":""}"#,
         [Rendered(raw: "x", millis: Harness.ingest, fields: ["#type=kv"])]),
        ("a #repo in an object event is content: not a field, the event marked",
         ##"{"event":{"#repo":"humio-audit","\u0023repo":"x","a":1},"index":"main"}"##,
         [Rendered(raw: ##"{"#repo":"humio-audit","\u0023repo":"x","a":1}"##, millis: Harness.ingest,
                   fields: ["@error=true", "@error_msg=\(EventBatch.contentRepositoryMessage)", "a=1", "#repo=main"])]),
        ("a #repo a parser finds is not a field either",
         ##"{"event":"{\"#repo\":\"humio-audit\",\"a\":1}","sourcetype":"json"}"##,
         [Rendered(raw: ##"{"#repo":"humio-audit","a":1}"##, millis: Harness.ingest,
                   fields: ["#type=json", "@error=true", "@error_msg=\(EventBatch.contentRepositoryMessage)", "a=1"])]),
        ("a time beyond any range", #"{"event":"x","time":1e400}"#,
         [Rendered(raw: "x", millis: Harness.ingest,
                   fields: ["#type=kv", "@error=true", "@error_msg=unreadable timestamp; ingest time used"])]),
    ]

    @Test(arguments: cases)
    func decodes(_ name: String, _ body: String, _ expected: [Rendered]) throws {
        #expect(try Harness.decode(.hec, body, Harness.context(custom: ["mine"])) == expected, "\(name)")
    }

    @Test func aTokenParserRunsEvenOnObjectEvents() throws {
        let events = try Harness.decode(.hec, #"{"event":{"a":"b"},"sourcetype":"mine"}{"event":"t"}"#,
                                        Harness.context(token: "tok", custom: ["tok", "mine"]))
        #expect(events.map(\.fields) == [["a=b", "#type=mine"], ["#type=tok"]])
    }

    static let failures: [(String, DecodeError)] = [
        ("", .noData),
        (" \r\n\t", .noData),
        (#"{"time":1}"#, .eventFieldRequired(eventNumber: 0)),
        (#"{"event":"a"}{"event":""}"#, .eventFieldBlank(eventNumber: 1)),
        (#"{"event":"a"}{"event":"b"} {"event":null}"#, .eventFieldBlank(eventNumber: 2)),
        (#"{"event":"a"} {"event":"#, .malformedEvent(eventNumber: 1, offset: 23, reason: "unexpected end of input")),
        (#"{"event":"a"},{"event":"b"}"#, .malformedEvent(eventNumber: 1, offset: 13, reason: "expected a value")),
        (#"[{"event":"a"}]"#, .invalidEvent(eventNumber: 0, reason: "an event must be a JSON object, found array")),
        (#"{"event":"a","fields":[1]}"#, .invalidEvent(eventNumber: 0, reason: "fields must be an object, found array")),
        (#"{"event":"a","time":true}"#, .invalidEvent(eventNumber: 0, reason: "time must be a number or a string, found boolean")),
        (#"{"event":"a","host":{}}"#, .invalidEvent(eventNumber: 0, reason: "@host must be a string, found object")),
    ]

    @Test(arguments: failures)
    func refuses(_ body: String, _ expected: DecodeError) {
        #expect(Harness.failure(.hec, Array(body.utf8)) == expected)
    }

    /// (Their Splunk codes: `GatewayTests.IngestRefusalTests`.)
    @Test(arguments: [
        (DecodeError.noData, nil as Int?), (.eventFieldRequired(eventNumber: 3), 3), (.eventFieldBlank(eventNumber: 1), 1),
        (.malformedEvent(eventNumber: 2, offset: 9, reason: "x"), 2), (.invalidEvent(eventNumber: 4, reason: "x"), 4),
        (.malformedJSON(offset: 1, reason: "x"), nil),
    ])
    func namesTheEventToBlame(_ error: DecodeError, _ eventNumber: Int?) {
        #expect(error.eventNumber == eventNumber)
    }
}

struct ParserLookupTests {
    @Test func remembersSeveralNamesAndStillAnswersBeyondItsCapacity() throws {
        let registry = try ParserRegistry.compile((0..<12).map { CustomParserDefinition(name: "p\($0)", stages: []) })
        var lookup = ParserLookup()
        for round in 0..<3 {
            for index in 0..<14 {
                let name = Array("p\(index)".utf8)
                let found = name.withUnsafeBytes { lookup.pipeline(named: $0, in: registry) }
                #expect(found?.name == (index < 12 ? "p\(index)" : nil), "round \(round)")
            }
        }
        #expect(lookup.ends.count == ParserLookup.capacity)
        lookup.reset()
        #expect(lookup.ends.isEmpty && lookup.names.isEmpty)
    }
}
