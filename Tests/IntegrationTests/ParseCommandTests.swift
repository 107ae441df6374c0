import Foundation
import Testing

/// `sluice parse` against the output of the build before it ran lines through the ingest batch and the WAL's NDJSON
/// writer: the same bytes for the same lines (`NOW` stands for the ingest time of lines without a timestamp).
@Suite struct ParseCommandTests {
    static let accessInput = "10.1.2.3 - - [29/Nov/2026:10:00:00 +0000] \"GET /a?b=\\\"c\\\" HTTP/1.1\" 200 512 \"https://example.com/\" \"curl/8.4.0\" 0.123\r\n"
        + "\n"
        + "10.9.8.7 - frank [29/Nov/2026:10:00:01 +0100] \"POST /caf\u{e9} HTTP/1.1\" 404 0 \"-\" \"Mozilla/5.0\tX\"\n"
        + "not an access log line at all\n"
        + "10.0.0.1 - - [29/Nov/2026:10:00:02 +0000] \"GET / HTTP/1.1\" 304 - \"-\" \"-\""
    static let accessOutput = [
        ##"{"@timestamp":1795946400000,"@timezone":"+0000","@rawstring":"10.1.2.3 - - [29/Nov/2026:10:00:00 +0000] \"GET /a?b=\\\"c\\\" HTTP/1.1\" 200 512 \"https://example.com/\" \"curl/8.4.0\" 0.123","client":"10.1.2.3","method":"GET","url":"/a?b=\\\"c\\\"","httpversion":"HTTP/1.1","statuscode":"200","responsesize":"512","referrer":"https://example.com/","useragent":"curl/8.4.0","responsetime":"0.123"}"##,
        ##"{"@timestamp":NOW,"@timezone":"Z","@rawstring":"","@error":"true","#error":"true","@event_parsed":"false","@error_msg":"accesslog: not an access log line"}"##,
        ##"{"@timestamp":1795942801000,"@timezone":"+0100","@rawstring":"10.9.8.7 - frank [29/Nov/2026:10:00:01 +0100] \"POST /café HTTP/1.1\" 404 0 \"-\" \"Mozilla/5.0\tX\"","client":"10.9.8.7","user":"frank","method":"POST","url":"/café","httpversion":"HTTP/1.1","statuscode":"404","responsesize":"0","useragent":"Mozilla/5.0\tX"}"##,
        ##"{"@timestamp":NOW,"@timezone":"Z","@rawstring":"not an access log line at all","@error":"true","#error":"true","@event_parsed":"false","@error_msg":"accesslog: not an access log line"}"##,
        ##"{"@timestamp":1795946402000,"@timezone":"+0000","@rawstring":"10.0.0.1 - - [29/Nov/2026:10:00:02 +0000] \"GET / HTTP/1.1\" 304 - \"-\" \"-\"","client":"10.0.0.1","method":"GET","url":"/","httpversion":"HTTP/1.1","statuscode":"304"}"##,
    ]
    static let kvInput = "2026-11-29T10:00:00.123Z level=info msg=\"hello \\\"world\\\"\" user=ada\n"
        + "2026-11-29T10:00:01Z a=1 b=\"two words\" c=caf\u{e9} d=\u{01}x\r\n"
        + "ts=2026-11-29T10:00:02+02:00 path=/x\\\\y\n"
        + "\n"
        + "no pairs here"
    static let kvOutput = [
        ##"{"@timestamp":1795946400123,"@timezone":"Z","@rawstring":"2026-11-29T10:00:00.123Z level=info msg=\"hello \\\"world\\\"\" user=ada","level":"info","msg":"hello \"world\"","user":"ada"}"##,
        ##"{"@timestamp":1795946401000,"@timezone":"Z","@rawstring":"2026-11-29T10:00:01Z a=1 b=\"two words\" c=café d=\u0001x","a":"1","b":"two words","c":"café","d":"\u0001x"}"##,
        ##"{"@timestamp":NOW,"@timezone":"Z","@rawstring":"ts=2026-11-29T10:00:02+02:00 path=/x\\\\y","ts":"2026-11-29T10:00:02+02:00","path":"/x\\\\y"}"##,
        ##"{"@timestamp":NOW,"@timezone":"Z","@rawstring":""}"##,
        ##"{"@timestamp":NOW,"@timezone":"Z","@rawstring":"no pairs here"}"##,
    ]

    /// Runs `sluice parse --parser parser` on `input`; checks every line against `expected` and `NOW` against the
    /// run's wall-clock time.
    func check(_ parser: String, _ input: String, _ expected: [String]) throws {
        let before = Int64(Date().timeIntervalSince1970 * 1000)
        let result = try SluiceProcess.run(["parse", "--parser", parser], stdin: input)
        let after = Int64(Date().timeIntervalSince1970 * 1000)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasSuffix("\n"))
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        #expect(lines.count == expected.count, "\(result.stdout)")
        let prefix = #"{"@timestamp":"#
        for (line, wanted) in zip(lines, expected) {
            guard wanted.hasPrefix(prefix + "NOW,") else {
                #expect(line == wanted)
                continue
            }
            let digits = line.dropFirst(prefix.count).prefix { $0.isNumber }
            let millis = Int64(digits) ?? 0
            #expect(millis >= before && millis <= after, "ingest time \(millis) outside the run")
            #expect(prefix + "NOW" + line.dropFirst(prefix.count + digits.count) == wanted)
        }
    }

    @Test func accessLogOutputIsUnchanged() throws {
        try check("accesslog", Self.accessInput, Self.accessOutput)
    }

    @Test func keyValueOutputIsUnchanged() throws {
        try check("kv", Self.kvInput, Self.kvOutput)
    }

    /// More lines than one chunk of input holds (so every worker gets chunks) and a line longer than a chunk:
    /// every line comes out once, in input order.
    @Test func manyChunksAndAVeryLongLineComeOutInOrder() throws {
        let longValue = String(repeating: "v", count: 3 << 19)
        var input = ""
        for index in 0..<100_000 { input += "2026-11-29T10:00:00Z n=\(index)\n" }
        input += "k=" + longValue + "\n" + "2026-11-29T10:00:00Z n=last"
        let result = try SluiceProcess.run(["parse", "--parser", "kv"], stdin: input)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 100_002)
        var inOrder = true
        for (index, line) in lines.prefix(100_000).enumerated() where !line.hasSuffix(#","n":"\#(index)"}"#) {
            inOrder = false
            Issue.record("line \(index): \(line)")
            break
        }
        #expect(inOrder)
        #expect(lines[100_000].hasSuffix(#""k":""# + longValue + #""}"#))
        #expect(lines[100_001].hasSuffix(#","n":"last"}"#))
    }

    @Test func emptyInputPrintsNothingAndAnEmptyLineIsAnEvent() throws {
        let empty = try SluiceProcess.run(["parse", "--parser", "kv"], stdin: "")
        #expect(empty.status == 0 && empty.stdout.isEmpty)
        let one = try SluiceProcess.run(["parse", "--parser", "kv"], stdin: "\n")
        #expect(one.status == 0)
        #expect(one.stdout.split(separator: "\n").count == 1 && one.stdout.contains(#""@rawstring":"""#))
    }
}
