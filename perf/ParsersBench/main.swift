// Parsers throughput, allocations and ISO-8601 latency on reproducible lines; see perf/parsers-bench.sh.
import EventModel
#if canImport(Glibc)
import Glibc
#endif

@_silgen_name("sluice_allocation_count")
func allocationCount() -> UInt

/// xorshift64*: the same lines on every run.
struct Generator {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    mutating func next() -> UInt64 {
        state ^= state >> 12; state ^= state << 25; state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
    mutating func int(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    mutating func pick<T>(_ items: [T]) -> T { items[int(items.count)] }
}

func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
let paths = ["/", "/api/v1/users", "/api/v1/orders/12345/items?expand=true&page=2", "/static/js/app.3f9a1c.js", "/healthz",
             "/search?q=red+shoes&sort=price_asc&filter=size%3A42", "/login"]
let agents = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
              "curl/8.4.0", "kube-probe/1.28", "Go-http-client/1.1"]

func lines(_ kind: String, count: Int) -> [[UInt8]] {
    var g = Generator()
    return (0..<count).map { i in
        let h = g.int(24), m = g.int(60), s = g.int(60), ms = g.int(1000), d = 1 + g.int(28), mo = 1 + g.int(12)
        let iso = "2024-\(two(mo))-\(two(d))T\(two(h)):\(two(m)):\(two(s)).\(String(1000 + ms).dropFirst())Z"
        switch kind {
        case "kv":
            return Array("\(iso) level=\(g.pick(["info", "warn", "error", "debug"])) msg=\"request completed in time\" method=GET path=\(g.pick(paths)) status=\(g.pick([200, 201, 404, 500])) duration_ms=\(g.int(5000)) request_id=\(g.next() % 1_000_000_000) user=\"jane \\\"jd\\\" doe\" trace=\(g.next())".utf8)
        case "json":
            return Array(#"{"@timestamp":"\#(iso)","level":"\#(g.pick(["info", "warn"]))","msg":"request completed","http":{"method":"GET","path":"\#(g.pick(paths))","status":\#(g.pick([200, 404])),"duration_ms":\#(g.int(5000))},"kubernetes":{"pod_name":"api-\#(g.int(99))","namespace_name":"prod","labels":{"app":"api","tier":"web"}},"tags":["a","b"],"request_id":"\#(g.next())"}"#.utf8)
        case "accesslog":
            return Array(#"10.\#(g.int(255)).\#(g.int(255)).\#(g.int(255)) - - [\#(two(d))/\#(months[mo - 1])/2024:\#(two(h)):\#(two(m)):\#(two(s)) +0000] "GET \#(g.pick(paths)) HTTP/1.1" \#(g.pick([200, 304, 404])) \#(g.int(100_000)) "https://example.com/\#(i % 7)" "\#(g.pick(agents))" 0.\#(g.int(999))"#.utf8)
        default:  // syslog
            return Array("<38>\(months[mo - 1]) \(d < 10 ? " \(d)" : "\(d)") \(two(h)):\(two(m)):\(two(s)) host\(g.int(50)) sshd[\(g.int(65535))]: Accepted publickey for deploy from 10.0.\(g.int(255)).\(g.int(255)) port \(g.int(65535)) ssh2 user=deploy".utf8)
        }
    }
}

func now() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)  // CPU time of this thread: other load on the machine does not count
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

let count = 100_000
let probe = allocationCount()
let probeArray = [Int](repeating: 7, count: 1000 + Int(probe % 3))
precondition(allocationCount() > probe && probeArray.count >= 1000, "the allocation counter does not see Swift allocations")
let registry = ParserRegistry.builtins
print("parser      MB/s   ns/event  allocs/event  fields/event")
for (kind, parser) in [("kv", "kv"), ("json", "json"), ("accesslog", "accesslog"), ("syslog", "syslog-utc"), ("kv", "none")] {
    if let only = getenv("BENCH_ONLY"), String(cString: only) != parser { continue }
    let input = lines(kind, count: count)
    let bytes = input.reduce(0) { $0 + $1.count }
    let pipeline = registry.pipeline(named: parser)!
    var batch = EventBatch(reservingArena: 1 << 20, events: 1000, fields: 32_000)
    var best = UInt64.max
    var allocations: UInt = 0
    var fields = 0
    for round in 0..<(getenv("BENCH_ONLY") == nil ? 5 : 30) {
        let startAllocations = allocationCount()
        let start = now()
        for line in input {
            if batch.count == 1000 { batch.removeAll() }
            line.withUnsafeBytes { _ = batch.beginEvent(rawstring: $0, ingestMillis: 1_795_910_400_000) }
            pipeline.parse(&batch)
            if round == 0 { fields += Int(batch.lastEvent.fieldCount) }
        }
        best = min(best, now() - start)
        if round == 4 { allocations = allocationCount() - startAllocations }
        batch.removeAll()
    }
    let mbps = Double(bytes) / (Double(best) / 1e9) / 1e6
    print(parser + String(repeating: " ", count: max(0, 10 - parser.count)),
          String(Int(mbps)).leftPad(6), String(Int(best) / count).leftPad(10),
          String(Double(allocations) / Double(count)).leftPad(13), String(fields / count).leftPad(13))
}

if getenv("BENCH_ONLY") != nil { exit(0) }

// ISO-8601: 1M distinct strings, fraction and offset varied.
var g = Generator()
let isoLines: [[UInt8]] = (0..<1024).map { _ in
    Array("20\(10 + g.int(20))-\(two(1 + g.int(12)))-\(two(1 + g.int(28)))T\(two(g.int(24))):\(two(g.int(60))):\(two(g.int(60))).\(100_000 + g.int(900_000))\(g.pick(["Z", "+02:00", "-0530"]))".utf8)
}
var sink: Int64 = 0
var bestISO = UInt64.max
for _ in 0..<5 {
    let start = now()
    for i in 0..<1_000_000 {
        isoLines[i & 1023].withUnsafeBytes { sink &+= TimestampParser.iso8601($0)?.millis ?? 0 }
    }
    bestISO = min(bestISO, now() - start)
}
print("iso8601 parse: \(Double(bestISO) / 1e6) ns (checksum \(sink))")

extension String {
    func leftPad(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}

// Writes the kv, json and accesslog lines for `lz4 -b1`.
for kind in ["kv", "json", "accesslog"] {
    let all = lines(kind, count: count).reduce(into: [UInt8]()) { $0 += $1; $0.append(10) }
    let file = fopen("/tmp/sluice-bench-\(kind).txt", "wb")
    _ = all.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
    fclose(file)
}
