// Decoder throughput, single core: how many MB/s of request body JSONStream validates and walks, and the
// IngestFormats decoders turn into events (no parser configured, so the decoders alone are measured).
// Built and run by perf/decode-throughput.sh (swiftc -O, no sanitizers). Bodies are typical log JSON: 1000
// events of about 270 bytes, as humiolib (structured) and Splunk's logging libraries (HEC) send them.
// `decode-throughput.sh validate|decode` runs one half only; `rounds <n>` is for counting allocations. Read the output as: name, body size, MB/s (10^6 bytes
// of body per CPU second of this thread), events per CPU second.

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

func structuredBody(events: Int) -> [UInt8] {
    var text = #"[{"tags":{"host":"web-01","source":"checkout"},"events":["#
    for index in 0..<events {
        if index > 0 { text += "," }
        text += #"{"timestamp":"2023-11-14T22:13:\#(10 + index % 50).\#(100 + index % 900)Z","attributes":{"level":"info","service":"checkout","user_id":\#(10000 + index),"latency_ms":12.5,"path":"/api/v1/cart/items","status":200},"rawstring":"2023-11-14T22:13:20.123Z level=info service=checkout user_id=\#(10000 + index) path=/api/v1/cart/items status=200 latency_ms=12.5"}"#
    }
    return Array((text + "]}]").utf8)
}

func hecBody(events: Int) -> [UInt8] {
    var text = ""
    for index in 0..<events {
        text += #"{"time":1700000000.\#(100 + index % 900),"host":"web-01","source":"/var/log/app.log","sourcetype":"kv","index":"main","event":"2023-11-14T22:13:20.123Z level=info service=checkout user_id=\#(10000 + index) path=/api/v1/cart/items status=200 latency_ms=12.5 msg=\"cart updated\""}"#
        text += "\n"
    }
    return Array(text.utf8)
}

func hecObjectBody(events: Int) -> [UInt8] {
    var text = ""
    for index in 0..<events {
        text += #"{"time":1700000000.\#(100 + index % 900),"host":"web-01","source":"/var/log/app.log","index":"main","event":{"level":"info","service":"checkout","user_id":\#(10000 + index),"path":"/api/v1/cart/items","status":200,"latency_ms":12.5,"msg":"cart updated"}}"#
        text += "\n"
    }
    return Array(text.utf8)
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
            ("structured", .structured, structuredBody(events: count)),
            ("hec-string", .hec, hecBody(events: count)),
            ("hec-object", .hec, hecObjectBody(events: count)),
        ]
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
        for (name, _, body) in bodies where only == nil || only == "validate" {
            measure("validate \(name)", body, events: count) { bytes in
                var reader = JSONReader(bytes)
                while !reader.isAtEnd() { try! reader.skipValue() }
            }
        }
        let context = DecodeContext(ingestMillis: 1_700_000_000_000, parsers: try! ParserRegistry.compile([]))
        var decoder = IngestDecoder()
        var batch = EventBatch()
        for (name, format, body) in bodies where only == nil || only == "decode" {
            measure("decode \(name)", body, events: count) { bytes in
                batch.removeAll()
                try! decoder.decode(format, body: bytes, context: context, into: &batch)
            }
        }
    }
}
