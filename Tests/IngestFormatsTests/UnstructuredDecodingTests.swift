import Testing
@testable import IngestFormats

struct UnstructuredDecodingTests {
    static let cases: [(String, String, [Rendered])] = [
        ("type names the parser; fields and tags on every message; empty messages skipped",
         #"[{"type":"mine","fields":{"env":"prod"},"tags":{"dc":"eu"},"messages":["a=1","b=2",""]}]"#,
         [Rendered(raw: "a=1", millis: Harness.ingest, fields: ["env=prod", "#dc=eu", "#type=mine"]),
          Rendered(raw: "b=2", millis: Harness.ingest, fields: ["env=prod", "#dc=eu", "#type=mine"])]),
        ("type after the messages still applies",
         #"[{"messages":["x"],"fields":{"f":"1"},"type":"mine"}]"#,
         [Rendered(raw: "x", millis: Harness.ingest, fields: ["f=1", "#type=mine"])]),
        ("no type: kv", #"[{"messages":["x=1"]}]"#,
         [Rendered(raw: "x=1", millis: Harness.ingest, fields: ["#type=kv", "x=1"])]),
        ("a #type tag names the parser", ##"[{"tags":{"#type":"mine"},"messages":["m"]}]"##,
         [Rendered(raw: "m", millis: Harness.ingest, fields: ["#type=mine"])]),
        ("unknown parser: stored unparsed with an error", #"[{"type":"nope","messages":["m"]}]"#,
         [Rendered(raw: "m", millis: Harness.ingest,
                   fields: ["#type=nope", "@error=true", "@error_msg=no parser named 'nope'; event stored unparsed"])]),
        ("escapes and unicode in messages", #"[{"messages":["caf\u00e9 \"q\"\n"]}]"#,
         [Rendered(raw: "café \"q\"\n", millis: Harness.ingest, fields: ["#type=kv"])]),
        ("two groups", #"[{"messages":["a"],"type":"mine"},{"messages":["b"]}]"#,
         [Rendered(raw: "a", millis: Harness.ingest, fields: ["#type=mine"]),
          Rendered(raw: "b", millis: Harness.ingest, fields: ["#type=kv"])]),
        // The `#type` tag is stored once per decode and shared; a group decoded again (its `type` came
        // last) rolls the arena back over a tag stored inside it, which must not be shared afterwards.
        ("shared #type tags across a rolled-back group",
         #"[{"messages":["a=1"]},{"messages":["b=2"],"type":"mine"},{"tags":{"t":"long tag value to overwrite"},"messages":["c=3","d=4"]}]"#,
         [Rendered(raw: "a=1", millis: Harness.ingest, fields: ["#type=kv", "a=1"]),
          Rendered(raw: "b=2", millis: Harness.ingest, fields: ["#type=mine"]),
          Rendered(raw: "c=3", millis: Harness.ingest, fields: ["#t=long tag value to overwrite", "#type=kv", "c=3"]),
          Rendered(raw: "d=4", millis: Harness.ingest, fields: ["#t=long tag value to overwrite", "#type=kv", "d=4"])]),
        ("fields then messages twice, the second group rolled back",
         #"[{"messages":["x=1"]},{"messages":["y=2"],"fields":{"f":"v"}},{"messages":["z=3"]}]"#,
         [Rendered(raw: "x=1", millis: Harness.ingest, fields: ["#type=kv", "x=1"]),
          Rendered(raw: "y=2", millis: Harness.ingest, fields: ["f=v", "#type=kv", "y=2"]),
          Rendered(raw: "z=3", millis: Harness.ingest, fields: ["#type=kv", "z=3"])]),
    ]

    @Test(arguments: cases)
    func decodes(_ name: String, _ body: String, _ expected: [Rendered]) throws {
        #expect(try Harness.decode(.unstructured, body, Harness.context(custom: ["mine"])) == expected, "\(name)")
    }

    @Test func theTokenParserWinsOverType() throws {
        let events = try Harness.decode(.unstructured, #"[{"messages":["a"]}]"#, Harness.context(token: "tok", custom: ["tok", "mine"]))
        #expect(events.map(\.fields) == [["#type=tok"]])
    }

    static let failures: [(String, DecodeError)] = [
        ("", .noData),
        (#"[{"messages":[1]}]"#, .invalidEvent(eventNumber: 0, reason: "a message must be a string, found number")),
        (#"[{"messages":"x"}]"#, .invalidEvent(eventNumber: 0, reason: "messages must be an array, found string")),
        (#"[{"messages":["a"],"fields":[]}]"#, .invalidEvent(eventNumber: 1, reason: "fields must be an object, found array")),
        (#"[{"type":{},"messages":[]}]"#, .invalidEvent(eventNumber: 0, reason: "type must be a string, found object")),
        (#"[{"messages":["a"]}"#, .malformedJSON(offset: 19, reason: "unexpected end of input")),
    ]

    @Test(arguments: failures)
    func refuses(_ body: String, _ expected: DecodeError) {
        #expect(Harness.failure(.unstructured, Array(body.utf8)) == expected)
    }
}
