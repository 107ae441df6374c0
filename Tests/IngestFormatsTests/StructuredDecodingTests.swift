import Testing
@testable import IngestFormats

struct StructuredDecodingTests {
    static let cases: [(String, String, [Rendered])] = [
        ("tags, ISO time with zone and microseconds, flattened attributes",
         #"[{"tags":{"host":"web1"},"events":[{"timestamp":"2023-11-14T22:00:00.123456+01:00","attributes":{"a":1,"b":{"c":"d"},"e":[true,null]},"rawstring":"line"}]}]"#,
         [Rendered(raw: "line", millis: 1_699_995_600_123, nanos: 456_000, zone: "+01:00",
                   fields: ["#host=web1", "a=1", "b.c=d", "e[0]=true", "e[1]=null"])]),
        ("tags after events are still applied",
         ##"[{"events":[{"timestamp":1699995600123,"rawstring":"x"},{"rawstring":"y"}],"tags":{"#env":"prod"}}]"##,
         [Rendered(raw: "x", millis: 1_699_995_600_123, fields: ["#env=prod"]),
          Rendered(raw: "y", millis: Harness.ingest, fields: ["#env=prod"])]),
        ("numeric units by magnitude: seconds, fractional seconds, micro, nano",
         #"[{"events":[{"timestamp":1699995600},{"timestamp":1699995600.25},{"timestamp":1699995600123456},{"timestamp":1699995600123456789}]}]"#,
         [Rendered(raw: "", millis: 1_699_995_600_000), Rendered(raw: "", millis: 1_699_995_600_250),
          Rendered(raw: "", millis: 1_699_995_600_123, nanos: 456_000), Rendered(raw: "", millis: 1_699_995_600_123, nanos: 456_789)]),
        ("explicit timezone wins over the ISO offset; escapes in strings",
         #"[{"events":[{"timezone":"Europe/Berlin","timestamp":"2023-11-14T22:00:00+01:00","rawstring":"a\tb\u00e9","attributes":{"k\"q":"v\n"}}]}]"#,
         [Rendered(raw: "a\tbé", millis: 1_699_995_600_000, zone: "Europe/Berlin", fields: ["k\"q=v\n"])]),
        ("a single group object, null members, unknown members, empty arrays",
         #"{"tags":null,"events":[{"attributes":null,"rawstring":null,"extra":[1,{"x":2}]}],"other":{}}"#,
         [Rendered(raw: "", millis: Harness.ingest)]),
        ("several groups", #"[{"events":[]},{"tags":{"a":"1"},"events":[{"rawstring":"p"}]},{"events":[{"rawstring":"q"}]}]"#,
         [Rendered(raw: "p", millis: Harness.ingest, fields: ["#a=1"]), Rendered(raw: "q", millis: Harness.ingest)]),
        ("an empty array stores nothing", "[]", []),
        // Each event's attribute names are expected to repeat the previous event's: every kind of change.
        ("attribute names that repeat, change, grow, shrink, move and escape from event to event",
         #"[{"events":[{"attributes":{"host":"a","level":"info"}},{"attributes":{"host":"b","level":"warn"}},{"attributes":{"hosts":"c","lev":"x","level":"y"}},{"attributes":{"level":"z"}},{"attributes":{"ho\u0073t":"d","level" : "e"}},{"attributes":{}},{"attributes":{"host":"f","level":"g"}}]}]"#,
         [Rendered(raw: #"{"host":"a","level":"info"}"#, millis: Harness.ingest, fields: ["host=a", "level=info"]),
          Rendered(raw: #"{"host":"b","level":"warn"}"#, millis: Harness.ingest, fields: ["host=b", "level=warn"]),
          Rendered(raw: #"{"hosts":"c","lev":"x","level":"y"}"#, millis: Harness.ingest, fields: ["hosts=c", "lev=x", "level=y"]),
          Rendered(raw: #"{"level":"z"}"#, millis: Harness.ingest, fields: ["level=z"]),
          Rendered(raw: #"{"ho\u0073t":"d","level" : "e"}"#, millis: Harness.ingest, fields: ["host=d", "level=e"]),
          Rendered(raw: "{}", millis: Harness.ingest),
          Rendered(raw: #"{"host":"f","level":"g"}"#, millis: Harness.ingest, fields: ["host=f", "level=g"])]),
        // Plain members are gathered and added together; the others must keep their place among them.
        ("attribute order across plain, escaped, flattened and literal members, more than a gathering",
         #"[{"events":[{"attributes":{"s":"x","n":-1.5e3,"t":true,"esc":"a\"b","o":{"p":"q"},"z":null,"k\u0041":"v","m0":"v0","m1":"v1","m2":"v2","m3":"v3","m4":"v4","m5":"v5","m6":"v6","m7":"v7","m8":"v8","m9":"v9","m10":"v10","m11":"v11","m12":"v12","m13":"v13","m14":"v14","m15":"v15","m16":"v16","m17":"v17"}}]}]"#,
         [Rendered(raw: #"{"s":"x","n":-1.5e3,"t":true,"esc":"a\"b","o":{"p":"q"},"z":null,"k\u0041":"v","m0":"v0","m1":"v1","m2":"v2","m3":"v3","m4":"v4","m5":"v5","m6":"v6","m7":"v7","m8":"v8","m9":"v9","m10":"v10","m11":"v11","m12":"v12","m13":"v13","m14":"v14","m15":"v15","m16":"v16","m17":"v17"}"#, millis: Harness.ingest,
                   fields: ["s=x", "n=-1.5e3", "t=true", "esc=a\"b", "o.p=q", "z=null", "kA=v", "m0=v0", "m1=v1", "m2=v2", "m3=v3", "m4=v4", "m5=v5", "m6=v6", "m7=v7", "m8=v8", "m9=v9", "m10=v10", "m11=v11", "m12=v12", "m13=v13", "m14=v14", "m15=v15", "m16=v16", "m17=v17"])]),
    ]

    @Test(arguments: cases)
    func decodes(_ name: String, _ body: String, _ expected: [Rendered]) throws {
        #expect(try Harness.decode(.structured, body) == expected, "\(name)")
    }

    /// Without `rawstring` (absent, null or empty) the raw text is the attributes object as sent; without
    /// attributes it stays empty.
    @Test func rawTextWithoutRawstringIsTheAttributesAsSent() throws {
        let body = #"[{"events":[{"attributes": {"a" : [1, {"b":"c"}]}},{"rawstring":null,"attributes":{"d":1}},{"rawstring":"","attributes":{"e":1}},{"timestamp":1}]}]"#
        let events = try Harness.decode(.structured, body)
        #expect(events.map(\.raw) == [#"{"a" : [1, {"b":"c"}]}"#, #"{"d":1}"#, #"{"e":1}"#, ""])
        #expect(events.first?.fields == ["a[0]=1", "a[1].b=c"])
    }

    @Test func theTokenParserRunsOnRawstringOnly() throws {
        let body = #"[{"events":[{"rawstring":"k=v","attributes":{"a":"b"}},{"attributes":{"c":"d"}}]}]"#
        let events = try Harness.decode(.structured, body, Harness.context(token: "mine", custom: ["mine"]))
        #expect(events.map(\.fields) == [["a=b", "#type=mine"], ["c=d"]])
    }

    /// A `#type` attribute, plain or escaped, counts as the event's type: the token parser adds none.
    @Test(arguments: [##""#type":"given""##, ##""\u0023type":"given""##, ##""#type":7"##, ##""#type":true"##])
    func aTypeAttributeKeepsTheParserFromAddingOne(_ member: String) throws {
        let body = #"[{"events":[{"rawstring":"k=v","attributes":{"a":"b","# + member + #"}}]}]"#
        let events = try Harness.decode(.structured, body, Harness.context(token: "mine", custom: ["mine"]))
        #expect(events.count == 1 && !events[0].fields.contains("#type=mine"), "\(events)")
    }

    static let failures: [(String, DecodeError)] = [
        ("", .noData),
        ("  \n", .noData),
        (#"[{"events":[{"rawstring":"x"}]}"#, .malformedJSON(offset: 31, reason: "unexpected end of input")),
        (#"[{"events":[{"rawstring":"x"},]}]"#, .malformedJSON(offset: 30, reason: "expected a value")),
        (#""text""#, .invalidEvent(eventNumber: 0, reason: "expected an array of groups, found string")),
        (#"[1]"#, .invalidEvent(eventNumber: 0, reason: "a group must be an object, found number")),
        (#"[{"events":{}}]"#, .invalidEvent(eventNumber: 0, reason: "events must be an array, found object")),
        (#"[{"events":[{},"x"]}]"#, .invalidEvent(eventNumber: 1, reason: "an event must be an object, found string")),
        (#"[{"events":[{"rawstring":1}]}]"#, .invalidEvent(eventNumber: 0, reason: "rawstring must be a string, found number")),
        (#"[{"events":[{"timestamp":{}}]}]"#, .invalidEvent(eventNumber: 0, reason: "timestamp must be a number or a string, found object")),
        (#"[{"events":[{"attributes":[1]}]}]"#, .invalidEvent(eventNumber: 0, reason: "attributes must be an object, found array")),
        (#"[{"tags":{"a":{"b":1}},"events":[]}]"#, .invalidEvent(eventNumber: 0, reason: "a tag value must be a string, found object")),
        (#"[{"events":[{"timezone":5}]}]"#, .invalidEvent(eventNumber: 0, reason: "timezone must be a string, found number")),
    ]

    @Test(arguments: failures)
    func refuses(_ body: String, _ expected: DecodeError) {
        #expect(Harness.failure(.structured, Array(body.utf8)) == expected)
    }
}
