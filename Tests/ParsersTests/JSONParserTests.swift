import Testing
@testable import Parsers

@Suite struct JSONParserTests {
    @Test func kubernetesLog() {
        let line = #"{"@timestamp":"2024-01-15T10:00:00.123456Z","log":"GET /healthz 200\n","stream":"stdout","kubernetes":{"pod_name":"api-7d9f","namespace_name":"prod","labels":{"app":"api","tier":"web"},"container_image":"reg/api:1.2"},"tags":["a","b"],"count":3,"ratio":-1.5e3,"ok":true,"missing":null,"empty":{},"none":[]}"#
        let event = ParsedEvent.run("json", line)
        #expect(!event.failed)
        #expect(event.timestampMillis == 1_705_312_800_123)
        #expect(event.timestampNanos == 456_000)
        #expect(event.timezone == "Z")
        #expect(event.fields.map { "\($0.0)=\($0.1)" } == [
            "log=GET /healthz 200\n", "stream=stdout", "kubernetes.pod_name=api-7d9f", "kubernetes.namespace_name=prod",
            "kubernetes.labels.app=api", "kubernetes.labels.tier=web", "kubernetes.container_image=reg/api:1.2",
            "tags[0]=a", "tags[1]=b", "count=3", "ratio=-1.5e3", "ok=true", "missing=null",
        ])
    }

    @Test(arguments: [
        (#"{"@timestamp":1705312800123,"a":1}"#, 1_705_312_800_123),
        (#"{"a":{"@timestamp":"2024-01-15T10:00:00Z"}}"#, ParsedEvent.ingestMillis),
        (#"{"@timestamp":"yesterday"}"#, ParsedEvent.ingestMillis),
    ] as [(String, Int64)])
    func timestamp(_ line: String, _ millis: Int64) {
        let event = ParsedEvent.run("json", line)
        #expect(!event.failed)
        #expect(event.timestampMillis == millis)
    }

    @Test func escapesAndNesting() {
        let line = #"{"m\u00e9sg":"tab\there \"q\" \u2603 \ud83d\ude00 \/","a":[[1,2],[{"b":"c"}]], "k e y" : "v" }"#
        let event = ParsedEvent.run("json", line)
        #expect(event.fields.map { "\($0.0)=\($0.1)" } == [
            "mésg=tab\there \"q\" ☃ 😀 /", "a[0][0]=1", "a[0][1]=2", "a[1][0].b=c", "k e y=v",
        ])
    }

    @Test(arguments: [
        "", "[1,2]", "\"s\"", "{", #"{"a":}"#, #"{"a":1,}"#, #"{"a" 1}"#, #"{"a":"unterminated}"#, #"{"a":tru}"#,
        #"{"a":1} trailing"#, #"{"a":"\x"}"#, #"{"a":01.}"#, #"{"a":"\ud800"#,
        String(repeating: "[", count: 100),
        "{\"a\":" + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}",
    ])
    func invalid(_ line: String) {
        let event = ParsedEvent.run("json", line)
        #expect(event.failed)
        #expect(event["@error_msg"]?.hasPrefix("json: ") == true)
        #expect(event.fields.count == 4, "fields of the failed stage are removed")
    }

    /// JSON must be UTF-8: the reader refuses other bytes, and the event is kept with the reason.
    @Test func nonUTF8StringsAreRefused() {
        var line = Array(#"{"a":""#.utf8)
        line += [0xC3, 0x28, 0xFF]
        line += Array(#"","b":2}"#.utf8)
        let event = ParsedEvent.run(ParserRegistry.builtins.pipeline(named: "json")!, line)
        #expect(event["@error_msg"] == "json: invalid UTF-8")
        #expect(event["b"] == nil)
    }

    @Test func noneParsesNothing() {
        let event = ParsedEvent.run("none", "a=1 2024-01-15T10:00:00Z")
        #expect(event.fields.isEmpty)
        #expect(event.timestampMillis == ParsedEvent.ingestMillis)
    }
}
