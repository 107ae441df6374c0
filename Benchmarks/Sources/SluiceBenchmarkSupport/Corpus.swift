/// Reproducible request bodies and log lines for the suites: the same bytes on every run and machine.
///
/// Guarantees: every builder is deterministic (an xorshift generator with a fixed seed, no clock, no system
/// randomness); bodies are the shapes the shippers send (humiolib structured, Splunk logging libraries' HEC,
/// logfmt, Kubernetes JSON, nginx combined, RFC 3164 syslog, Filebeat bulk) as in `perf/DecodeThroughput.swift`
/// and `perf/ParsersBench`.
public enum Corpus {
    /// The head of a typical structured ingest request from a shipper (Fluent Bit / humiolib).
    public static let ingestRequestHead: [UInt8] = Array((
        "POST /api/v1/ingest/humio-structured HTTP/1.1\r\n" +
        "Host: logscale.example.com:8080\r\n" +
        "User-Agent: Fluent-Bit/3.1.9\r\n" +
        "Authorization: Bearer 2f4c8a1e-9b7d-4c3e-a5f6-0d1e2c3b4a59\r\n" +
        "Content-Type: application/json\r\n" +
        "Content-Encoding: gzip\r\n" +
        "Content-Length: 48213\r\n" +
        "Accept: */*\r\n" +
        "Connection: keep-alive\r\n" +
        "\r\n").utf8)

    /// A humio-structured body of `events` events of about 270 bytes each.
    public static func structuredBody(events: Int) -> [UInt8] {
        var text = #"[{"tags":{"host":"web-01","source":"checkout"},"events":["#
        for index in 0..<events {
            if index > 0 { text += "," }
            text += #"{"timestamp":"2023-11-14T22:13:\#(10 + index % 50).\#(100 + index % 900)Z","attributes":{"level":"info","service":"checkout","user_id":\#(10000 + index),"latency_ms":12.5,"path":"/api/v1/cart/items","status":200},"rawstring":"2023-11-14T22:13:20.123Z level=info service=checkout user_id=\#(10000 + index) path=/api/v1/cart/items status=200 latency_ms=12.5"}"#
        }
        return Array((text + "]}]").utf8)
    }

    /// A Splunk HEC event-endpoint body of `events` string events (sourcetype `kv`), one object per line.
    public static func hecBody(events: Int) -> [UInt8] {
        var text = ""
        for index in 0..<events {
            text += #"{"time":1700000000.\#(100 + index % 900),"host":"web-01","source":"/var/log/app.log","sourcetype":"kv","index":"main","event":"2023-11-14T22:13:20.123Z level=info service=checkout user_id=\#(10000 + index) path=/api/v1/cart/items status=200 latency_ms=12.5 msg=\"cart updated\""}"#
            text += "\n"
        }
        return Array(text.utf8)
    }

    /// An Elasticsearch `_bulk` body of `events` index actions (Filebeat-style sources), NDJSON.
    public static func bulkBody(events: Int) -> [UInt8] {
        var text = ""
        for index in 0..<events {
            text += #"{"index":{"_index":"logs-app"}}"# + "\n"
            text += #"{"@timestamp":"2023-11-14T22:13:\#(10 + index % 50).\#(100 + index % 900)Z","message":"GET /api/v1/cart/items 200 12ms","log":{"level":"info"},"host":{"name":"web-01"},"user_id":\#(10000 + index),"http":{"status":200,"latency_ms":12.5}}"#
            text += "\n"
        }
        return Array(text.utf8)
    }

    /// `payload` in the `chunked` transfer coding: chunks of `chunkBytes` (the last one shorter), then the last chunk.
    public static func chunked(_ payload: [UInt8], chunkBytes: Int) -> [UInt8] {
        var out = [UInt8]()
        var start = 0
        while start < payload.count {
            let end = min(start + chunkBytes, payload.count)
            out += Array(String(end - start, radix: 16).utf8) + [13, 10]
            out += payload[start..<end]
            out += [13, 10]
            start = end
        }
        return out + Array("0\r\n\r\n".utf8)
    }

    /// The kinds of line ``lines(_:count:)`` makes, named as the built-in parser that reads them.
    public enum LineKind: String, CaseIterable, Sendable {
        case kv, json, accesslog, syslog

        /// The built-in parser for these lines (RFC 3164 lines carry no zone: `syslog-utc` reads them as UTC).
        public var parserName: String { self == .syslog ? "syslog-utc" : rawValue }
    }

    /// `count` reproducible log lines of one kind, with varied timestamps, paths, statuses and ids.
    public static func lines(_ kind: LineKind, count: Int) -> [[UInt8]] {
        var g = Generator()
        return (0..<count).map { i in
            let h = g.int(24), m = g.int(60), s = g.int(60), ms = g.int(1000), d = 1 + g.int(28), mo = 1 + g.int(12)
            let iso = "2024-\(two(mo))-\(two(d))T\(two(h)):\(two(m)):\(two(s)).\(String(1000 + ms).dropFirst())Z"
            switch kind {
            case .kv:
                return Array("\(iso) level=\(g.pick(["info", "warn", "error", "debug"])) msg=\"request completed in time\" method=GET path=\(g.pick(paths)) status=\(g.pick([200, 201, 404, 500])) duration_ms=\(g.int(5000)) request_id=\(g.next() % 1_000_000_000) user=\"jane \\\"jd\\\" doe\" trace=\(g.next())".utf8)
            case .json:
                return Array(#"{"@timestamp":"\#(iso)","level":"\#(g.pick(["info", "warn"]))","msg":"request completed","http":{"method":"GET","path":"\#(g.pick(paths))","status":\#(g.pick([200, 404])),"duration_ms":\#(g.int(5000))},"kubernetes":{"pod_name":"api-\#(g.int(99))","namespace_name":"prod","labels":{"app":"api","tier":"web"}},"tags":["a","b"],"request_id":"\#(g.next())"}"#.utf8)
            case .accesslog:
                return Array(#"10.\#(g.int(255)).\#(g.int(255)).\#(g.int(255)) - - [\#(two(d))/\#(months[mo - 1])/2024:\#(two(h)):\#(two(m)):\#(two(s)) +0000] "GET \#(g.pick(paths)) HTTP/1.1" \#(g.pick([200, 304, 404])) \#(g.int(100_000)) "https://example.com/\#(i % 7)" "\#(g.pick(agents))" 0.\#(g.int(999))"#.utf8)
            case .syslog:
                return Array("<38>\(months[mo - 1]) \(d < 10 ? " \(d)" : "\(d)") \(two(h)):\(two(m)):\(two(s)) host\(g.int(50)) sshd[\(g.int(65535))]: Accepted publickey for deploy from 10.0.\(g.int(255)).\(g.int(255)) port \(g.int(65535)) ssh2 user=deploy".utf8)
            }
        }
    }

    /// `count` distinct ISO-8601 timestamps with 6-digit fractions and `Z`, `+02:00` or `-0530` offsets.
    public static func iso8601Timestamps(count: Int) -> [[UInt8]] {
        var g = Generator()
        return (0..<count).map { _ in
            Array("20\(10 + g.int(20))-\(two(1 + g.int(12)))-\(two(1 + g.int(28)))T\(two(g.int(24))):\(two(g.int(60))):\(two(g.int(60))).\(100_000 + g.int(900_000))\(g.pick(["Z", "+02:00", "-0530"]))".utf8)
        }
    }

    /// `count` distinct 44-character base62 tokens, like generated ingest tokens.
    public static func tokens(count: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> [[UInt8]] {
        var g = Generator(state: seed)
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
        return (0..<count).map { _ in (0..<44).map { _ in alphabet[g.int(alphabet.count)] } }
    }

    /// xorshift64*: the same sequence on every run.
    struct Generator {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        mutating func next() -> UInt64 {
            state ^= state >> 12; state ^= state << 25; state ^= state >> 27
            return state &* 0x2545_F491_4F6C_DD1D
        }
        mutating func int(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
        mutating func pick<T>(_ items: [T]) -> T { items[int(items.count)] }
    }

    static func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    static let paths = ["/", "/api/v1/users", "/api/v1/orders/12345/items?expand=true&page=2", "/static/js/app.3f9a1c.js",
                        "/healthz", "/search?q=red+shoes&sort=price_asc&filter=size%3A42", "/login"]
    static let agents = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
                         "curl/8.4.0", "kube-probe/1.28", "Go-http-client/1.1"]
}
