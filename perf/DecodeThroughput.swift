// Decoder throughput, single core: how many MB/s of request body JSONStream validates and walks, and the
// IngestFormats decoders turn into events. Built and run by perf/decode-throughput.sh (swiftc -O, no sanitizers).
// Bodies are typical log JSON: 1000 events of about 270 bytes, as humiolib (structured), Splunk's logging libraries
// (HEC string and object events; string events are kv-parsed, the HEC default) and Filebeat (bulk) send them; one
// 1-event structured request (the fixed per-request cost); 1000 nginx combined lines as a humio-unstructured body
// with the `accesslog` parser as the token's parser (the end-to-end access-log case). Other bodies run no parser.
// `decode-throughput.sh validate|decode|<body>` runs one part only; `rounds <n>` is for counting allocations;
// `profile <body> <rounds>` decodes one body a fixed number of times for `valgrind --tool=callgrind` (run two
// round counts, or collect only inside IngestDecoder.decode with --toggle-collect, and divide by the rounds).
// Read the output as: name, body size, MB/s (10^6 bytes of body per CPU second of this thread), events per CPU second.

import EventModel
import JSONStream
import Parsers
import Glibc

func now() -> Double {
    var spec = timespec()
    // CPU time of this thread, not wall time: the figures stay meaningful when other processes share the core.
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

func hecObjectBody(events: Int) -> [UInt8] {
    var text = ""
    for index in 0..<events {
        text += #"{"time":1700000000.\#(100 + index % 900),"host":"web-01","source":"/var/log/app.log","index":"main","event":{"level":"info","service":"checkout","user_id":\#(10000 + index),"path":"/api/v1/cart/items","status":200,"latency_ms":12.5,"msg":"cart updated"}}"#
        text += "\n"
    }
    return Array(text.utf8)
}

/// A humio-unstructured body of nginx combined lines (JSON-escaped), as the `accesslog` end-to-end run sends.
func accessLogBody(lines count: Int) -> [UInt8] {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func int(_ bound: Int) -> Int {
        state ^= state >> 12; state ^= state << 25; state ^= state >> 27
        return Int((state &* 0x2545_F491_4F6C_DD1D) % UInt64(bound))
    }
    func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    let paths = ["/", "/api/v1/users", "/api/v1/orders/12345/items?expand=true&page=2", "/static/js/app.3f9a1c.js",
                 "/healthz", "/search?q=red+shoes&sort=price_asc&filter=size%3A42", "/login"]
    let agents = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
                  "curl/8.4.0", "kube-probe/1.28", "Go-http-client/1.1"]
    var text = #"[{"tags":{"host":"web-01"},"messages":["#
    for i in 0..<count {
        let h = int(24), m = int(60), s = int(60), d = 1 + int(28), mo = 1 + int(12)
        let line = #"10.\#(int(255)).\#(int(255)).\#(int(255)) - - [\#(two(d))/\#(months[mo - 1])/2024:\#(two(h)):\#(two(m)):\#(two(s)) +0000] \"GET \#(paths[int(paths.count)]) HTTP/1.1\" \#([200, 304, 404][int(3)]) \#(int(100_000)) \"https://example.com/\#(i % 7)\" \"\#(agents[int(agents.count)])\" 0.\#(int(999))"#
        text += (i > 0 ? "," : "") + "\"" + line + "\""
    }
    return Array((text + "]}]").utf8)
}

func measure(_ name: String, _ body: [UInt8], events: Int, _ run: (UnsafeRawBufferPointer) -> Void) {
    body.withUnsafeBytes { bytes in
        for _ in 0..<20 { run(bytes) }  // warm up: buffers reach their working size
        var rounds = 0
        let start = now()
        var elapsed = 0.0
        while elapsed < 2 {
            for _ in 0..<50 { run(bytes) }
            rounds += 50
            elapsed = now() - start
        }
        let mbs = Double(body.count * rounds) / elapsed / 1e6
        let eps = Double(events * rounds) / elapsed
        print("\(name)\t\(body.count) bytes\t\(Int(mbs)) MB/s\t\(Int(eps)) events/s")
    }
}

@main
struct DecodeThroughput {
    static func main() {
        let count = 1000
        let bodies: [(String, IngestFormat, [UInt8])] = [
            ("structured", .structured, Corpus.structuredBody(events: count)),
            ("hec-string", .hec, Corpus.hecBody(events: count)),
            ("hec-object", .hec, hecObjectBody(events: count)),
            ("bulk", .elasticBulk, Corpus.bulkBody(events: count)),
            ("structured-1", .structured, Corpus.structuredBody(events: 1)),
            ("accesslog", .unstructured, accessLogBody(lines: count)),
        ]
        let accessLog = try! ParserRegistry.compile([]).pipeline(named: "accesslog")!
        func context(_ name: String) -> DecodeContext {
            DecodeContext(ingestMillis: 1_795_910_400_000, tokenParser: name == "accesslog" ? accessLog : nil,
                          parsers: try! ParserRegistry.compile([]))
        }
        let only = CommandLine.arguments.dropFirst().first
        if only == "rounds", let rounds = CommandLine.arguments.dropFirst(2).first.flatMap({ Int($0) }) {
            // A fixed amount of work and no timing, for counting allocations: run under
            // `valgrind` with two round counts; the difference in "total heap usage" is the steady state.
            let context = DecodeContext(ingestMillis: 1_700_000_000_000, parsers: try! ParserRegistry.compile([]))
            var decoder = IngestDecoder()
            var batch = EventBatch()
            for (_, format, body) in bodies {
                body.withUnsafeBytes { bytes in
                    for _ in 0..<rounds {
                        batch.removeAll()
                        try! decoder.decode(format, body: bytes, context: context, into: &batch)
                    }
                }
            }
            return
        }
        if only == "profile", let name = CommandLine.arguments.dropFirst(2).first,
           let rounds = CommandLine.arguments.dropFirst(3).first.flatMap({ Int($0) }),
           let (_, format, body) = bodies.first(where: { $0.0 == name }) {
            // A fixed amount of decoding of one body for `valgrind --tool=callgrind`: run with two round
            // counts; the difference in instructions divided by the difference in rounds is one decode.
            let context = context(name)
            var decoder = IngestDecoder()
            var batch = EventBatch()
            body.withUnsafeBytes { bytes in
                for _ in 0..<rounds {
                    batch.removeAll()
                    try! decoder.decode(format, body: bytes, context: context, into: &batch)
                }
            }
            print("\(name): \(body.count) bytes, \(batch.count) events, \(rounds) rounds")
            return
        }
        for (name, _, body) in bodies where only == nil || only == "validate" {
            measure("validate \(name)", body, events: count) { bytes in
                var reader = JSONReader(bytes)
                while !reader.isAtEnd() { try! reader.skipValue() }
            }
        }
        var decoder = IngestDecoder()
        var batch = EventBatch()
        for (name, format, body) in bodies where only == nil || only == "decode" || only == name {
            let context = context(name)
            measure("decode \(name)", body, events: name == "structured-1" ? 1 : count) { bytes in
                batch.removeAll()
                try! decoder.decode(format, body: bytes, context: context, into: &batch)
            }
        }
    }
}
