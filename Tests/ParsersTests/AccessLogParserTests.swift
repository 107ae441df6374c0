import EventModel
import Testing
@testable import Parsers

@Suite struct AccessLogParserTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let line: String
        let fields: [String: String]
        let millis: Int64
        var testDescription: String { String(line.prefix(60)) }
    }

    static let longURL = "/search?" + String(repeating: "q=abcdefghij&", count: 400)

    @Test(arguments: [
        // nginx combined
        Case(line: #"93.184.216.34 - - [15/Jan/2024:10:00:00 +0000] "GET /index.html HTTP/1.1" 200 612 "-" "Mozilla/5.0 (X11; Linux x86_64)""#,
             fields: ["client": "93.184.216.34", "method": "GET", "url": "/index.html", "httpversion": "HTTP/1.1",
                      "statuscode": "200", "responsesize": "612", "useragent": "Mozilla/5.0 (X11; Linux x86_64)"],
             millis: 1_705_312_800_000),
        // Apache combined with user, referrer, response time
        Case(line: #"10.0.0.5 - frank [10/Oct/2000:13:55:36 -0700] "POST /login?next=%2F HTTP/1.0" 302 - "http://example.com/start" "curl/8.0" 0.004"#,
             fields: ["client": "10.0.0.5", "user": "frank", "method": "POST", "url": "/login?next=%2F", "httpversion": "HTTP/1.0",
                      "statuscode": "302", "referrer": "http://example.com/start", "useragent": "curl/8.0", "responsetime": "0.004"],
             millis: 971_211_336_000),
        // IPv6 client, common log format (no referrer/agent)
        Case(line: #"2001:db8::1 - - [29/Feb/2024:23:59:59 +0100] "DELETE /items/7 HTTP/2.0" 204 0"#,
             fields: ["client": "2001:db8::1", "method": "DELETE", "url": "/items/7", "httpversion": "HTTP/2.0",
                      "statuscode": "204", "responsesize": "0"],
             millis: 1_709_247_599_000),
        // TLS probe / garbage request line
        Case(line: #"198.51.100.7 - - [15/Jan/2024:10:00:00 +0000] "\x16\x03\x01\x00\xa5\x01" 400 157 "-" "-""#,
             fields: ["client": "198.51.100.7", "statuscode": "400", "responsesize": "157"], millis: 1_705_312_800_000),
        Case(line: #"198.51.100.7 - - [15/Jan/2024:10:00:00 +0000] "-" 408 0 "-" "-""#,
             fields: ["client": "198.51.100.7", "statuscode": "408", "responsesize": "0"], millis: 1_705_312_800_000),
        // quotes inside the user agent (Apache escapes them)
        Case(line: #"1.2.3.4 ident - [15/Jan/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "Bot \"quoted\" 1.0" 1.234"#,
             fields: ["client": "1.2.3.4", "ident": "ident", "method": "GET", "url": "/", "httpversion": "HTTP/1.1", "statuscode": "200",
                      "responsesize": "5", "useragent": #"Bot \"quoted\" 1.0"#, "responsetime": "1.234"],
             millis: 1_705_312_800_000),
        // a long URL
        Case(line: #"1.2.3.4 - - [15/Jan/2024:10:00:00 +0000] "GET "# + longURL + #" HTTP/1.1" 414 0 "-" "x""#,
             fields: ["client": "1.2.3.4", "method": "GET", "url": longURL, "httpversion": "HTTP/1.1", "statuscode": "414",
                      "responsesize": "0", "useragent": "x"],
             millis: 1_705_312_800_000),
        // HTTP/0.9 style request without a version
        Case(line: #"1.2.3.4 - - [15/Jan/2024:10:00:00 +0000] "GET /old" 200 10"#,
             fields: ["client": "1.2.3.4", "method": "GET", "url": "/old", "statuscode": "200", "responsesize": "10"],
             millis: 1_705_312_800_000),
    ])
    func parses(_ c: Case) {
        let event = ParsedEvent.run("accesslog", c.line)
        #expect(!event.failed)
        #expect(Dictionary(event.fields, uniquingKeysWith: { a, _ in a }) == c.fields)
        #expect(event.timestampMillis == c.millis)
    }

    @Test(arguments: [
        ("just some text", "accesslog: not an access log line"),
        (#"1.2.3.4 - - [15/Jan/2024:10:00:00 +0000 "GET / HTTP/1.1" 200 1"#, "accesslog: invalid timestamp"),
        (#"1.2.3.4 - - [45/Jan/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 1"#, "accesslog: invalid timestamp"),
        (#"1.2.3.4 - - [15/Jan/2024:10:00:00 +0000] GET / 200 1"#, "accesslog: missing request line"),
        (#"1.2.3.4 - - [15/Jan/2024:10:00:00 +0000] "GET / HTTP/1.1" OK 1"#, "accesslog: invalid status code"),
    ])
    func failures(_ line: String, _ reason: String) {
        let event = ParsedEvent.run("accesslog", line)
        #expect(event.failed)
        #expect(event["#error"] == "true")
        #expect(event["@event_parsed"] == "false")
        #expect(event["@error_msg"] == reason)
        #expect(event.fields.count == 4, "a failing stage leaves only the error fields")
        #expect(event.timestampMillis == ParsedEvent.ingestMillis)
    }

    @Test func zoneIsKept() {
        let event = ParsedEvent.run("accesslog", #"1.2.3.4 - - [15/Jan/2024:10:00:00 -0530] "GET / HTTP/1.1" 200 1"#)
        #expect(event.timezone == "-0530")
        #expect(event.timestampMillis == 1_705_312_800_000 + 19_800_000)
    }
}

@Suite struct AccessLogNameTableTests {
    /// Every field name is the slice of the stored run that its offset and length say.
    @Test(arguments: [
        (AccessLogParser.Name.client, "client"), (.ident, "ident"), (.user, "user"), (.method, "method"), (.url, "url"),
        (.httpversion, "httpversion"), (.statuscode, "statuscode"), (.responsesize, "responsesize"),
        (.referrer, "referrer"), (.useragent, "useragent"), (.responsetime, "responsetime"),
    ])
    func nameSlices(_ name: AccessLogParser.Name, _ text: String) {
        let all = AccessLogParser.names.withUTF8Buffer { Array($0) }
        let slice = all[Int(name.rawValue)..<Int(name.rawValue + name.length)]
        #expect(String(decoding: slice, as: UTF8.self) == text)
    }

    @Test func namesCoverTheRun() {
        #expect(AccessLogParser.names.utf8CodeUnitCount == Int(AccessLogParser.Name.responsetime.rawValue + AccessLogParser.Name.responsetime.length))
    }

    /// Escaped quotes inside quoted parts, including a backslash run before the closing quote.
    @Test(arguments: [
        (#"1.2.3.4 - - [15/Jan/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "a \\" 0.5"#, #"a \\"#),
        (#"1.2.3.4 - - [15/Jan/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "a \" b" 0.5"#, #"a \" b"#),
        (#"1.2.3.4 - - [15/Jan/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "\\\"x\\" 0.5"#, #"\\\"x\\"#),
    ])
    func escapedQuotes(_ line: String, _ agent: String) {
        let event = ParsedEvent.run("accesslog", line)
        #expect(!event.failed)
        #expect(event["useragent"] == agent)
        #expect(event["responsetime"] == "0.5")
    }

    /// The field names are stored once per batch: every line of a batch shares one names span, and a batch
    /// emptied (or cut below that span) gets them stored again, never a span to bytes that changed.
    @Test func namesAreStoredOncePerBatch() throws {
        let pipeline = try #require(ParserRegistry.builtins.pipeline(named: "accesslog"))
        let line = Array(#"1.2.3.4 - - [15/Jan/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "curl/8.0" 0.5"#.utf8)
        let scratch = ParseScratch()
        func parseLine(_ batch: inout EventBatch) -> [ByteSpan] {
            line.withUnsafeBytes { _ = batch.beginEvent(rawstring: $0, ingestMillis: ParsedEvent.ingestMillis) }
            pipeline.parse(&batch, scratch: scratch)
            return batch.fields(of: batch.count - 1).map(\.name)
        }
        var batch = EventBatch()
        let first = parseLine(&batch)
        let arenaAfterFirst = batch.arenaCount
        let second = parseLine(&batch)
        #expect(first == second, "the second line's names are the first line's spans")
        #expect(batch.arenaCount - arenaAfterFirst == line.count, "only the rawstring was stored")

        batch.removeAll()
        _ = batch.store(Array(repeating: UInt8(ascii: "x"), count: 300))
        let third = parseLine(&batch)
        #expect(batch.fields(of: 0).map { String(decoding: batch.bytes($0.name), as: UTF8.self) }
                == ["client", "method", "url", "httpversion", "statuscode", "responsesize", "useragent", "responsetime"])
        #expect(third != first, "bytes at the old span changed, so the names were stored again")
    }
}
