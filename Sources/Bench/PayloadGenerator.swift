/// Produces realistic log lines — web access logs, JSON application logs, RFC 5424 syslog and key=value
/// lines, mixed — or replays lines from a file.
///
/// Guarantees: the sequence of lines depends only on the seed, the event size and the replayed lines (same
/// inputs, same bytes, on every run and platform); lines never contain CR or LF; with `eventBytes` every line
/// is exactly that long (padded with a `pad=` field or cut); timestamps advance by 1–20 ms per line from
/// 2026-11-28T10:00:00Z.
public struct PayloadGenerator: Sendable {
    public enum Kind: Int, CaseIterable, Sendable {
        case access, json, syslog, kv
    }

    private var random: SplitMix64
    private let eventBytes: Int?
    private let replay: [[UInt8]]
    private var replayIndex: Int
    /// Milliseconds since 2026-11-28T00:00:00Z of the next line's timestamp.
    public private(set) var clockMillis: Int64 = 10 * 3_600_000

    public init(seed: UInt64, eventBytes: Int? = nil, replay: [[UInt8]] = []) {
        random = SplitMix64(seed: seed)
        self.eventBytes = eventBytes
        self.replay = replay.filter { !$0.isEmpty }
        replayIndex = self.replay.isEmpty ? 0 : Int(seed % UInt64(self.replay.count))
    }

    /// The next line, without a line terminator.
    public mutating func nextLine() -> [UInt8] {
        var line: [UInt8] = []
        appendLine(to: &line)
        return line
    }

    /// Appends the next line (no terminator) to `out`.
    public mutating func appendLine(to out: inout [UInt8]) {
        let start = out.count
        clockMillis += Int64(1 + random.below(20))
        if !replay.isEmpty {
            out.append(contentsOf: replay[replayIndex])
            replayIndex = (replayIndex + 1) % replay.count
        } else {
            switch Kind(rawValue: random.below(Kind.allCases.count))! {
            case .access: appendAccess(&out)
            case .json: appendJSON(&out)
            case .syslog: appendSyslog(&out)
            case .kv: appendKV(&out)
            }
        }
        if let eventBytes { fit(&out, start: start, length: eventBytes) }
    }

    /// The line's timestamp as ISO-8601 UTC with milliseconds (`2026-11-28T10:00:00.123Z`).
    public func appendTimestamp(to out: inout [UInt8]) {
        let millis = clockMillis % 86_400_000
        out.append(contentsOf: Array("2026-11-28T".utf8))
        appendPadded(Int(millis / 3_600_000), width: 2, &out)
        out.append(0x3A)
        appendPadded(Int(millis / 60_000 % 60), width: 2, &out)
        out.append(0x3A)
        appendPadded(Int(millis / 1000 % 60), width: 2, &out)
        out.append(0x2E)
        appendPadded(Int(millis % 1000), width: 3, &out)
        out.append(0x5A)
    }

    /// The line's timestamp as seconds since the Unix epoch with milliseconds (`1795860000.123`).
    public func appendEpochSeconds(to out: inout [UInt8]) {
        let epochMillis = Self.dayStartEpochMillis + clockMillis % 86_400_000
        appendPadded(Int(epochMillis / 1000), width: 1, &out)
        out.append(0x2E)
        appendPadded(Int(epochMillis % 1000), width: 3, &out)
    }

    static let dayStartEpochMillis: Int64 = 1_795_824_000_000

    // MARK: Line kinds

    static let users = ["-", "alice", "bob", "carol", "dave", "erin", "frank", "grace"]
    static let methods = ["GET", "GET", "GET", "POST", "PUT", "DELETE", "HEAD"]
    static let paths = ["/", "/index.html", "/api/items", "/api/items/", "/api/orders/", "/static/app.js", "/login", "/health"]
    static let statuses = [200, 200, 200, 200, 201, 204, 301, 304, 400, 401, 403, 404, 500, 503]
    static let agents = [
        "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
        "curl/8.5.0", "Go-http-client/2.0", "kube-probe/1.30",
    ]
    static let services = ["checkout", "billing", "search", "auth", "inventory", "gateway"]
    static let levels = ["debug", "info", "info", "info", "warn", "error"]
    static let messages = [
        "order placed", "payment retried", "cache miss", "user signed in", "slow query", "upstream timeout",
        "request completed", "token refreshed",
    ]
    static let programs = ["sshd", "cron", "kernel", "systemd", "nginx", "postfix"]
    static let syslogTexts = [
        "Accepted publickey for deploy from 10.0.4.17 port 52344 ssh2", "pam_unix(cron:session): session opened for user root",
        "TCP: request_sock_TCP: Possible SYN flooding on port 443", "Started Daily apt download activities.",
        "connect() failed (111: Connection refused) while connecting to upstream",
    ]

    private mutating func appendAccess(_ out: inout [UInt8]) {
        appendIP(&out)
        append(" - ", &out)
        append(pick(Self.users), &out)
        append(" [28/Nov/2026:", &out)
        let millis = clockMillis % 86_400_000
        appendPadded(Int(millis / 3_600_000), width: 2, &out)
        out.append(0x3A)
        appendPadded(Int(millis / 60_000 % 60), width: 2, &out)
        out.append(0x3A)
        appendPadded(Int(millis / 1000 % 60), width: 2, &out)
        append(" +0000] \"", &out)
        append(pick(Self.methods), &out)
        out.append(0x20)
        let path = pick(Self.paths)
        append(path, &out)
        if path.hasSuffix("/") && path.count > 1 { appendPadded(random.below(100_000), width: 1, &out) }
        append(" HTTP/1.1\" ", &out)
        appendPadded(pick(Self.statuses), width: 1, &out)
        out.append(0x20)
        appendPadded(random.below(60_000), width: 1, &out)
        append(" \"-\" \"", &out)
        append(pick(Self.agents), &out)
        append("\" ", &out)
        appendPadded(random.below(2), width: 1, &out)
        out.append(0x2E)
        appendPadded(random.below(1000), width: 3, &out)
    }

    private mutating func appendJSON(_ out: inout [UInt8]) {
        append("{\"ts\":\"", &out)
        appendTimestamp(to: &out)
        append("\",\"level\":\"", &out)
        append(pick(Self.levels), &out)
        append("\",\"service\":\"", &out)
        append(pick(Self.services), &out)
        append("\",\"msg\":\"", &out)
        append(pick(Self.messages), &out)
        append("\",\"trace_id\":\"", &out)
        appendHex(random.next(), &out)
        append("\",\"user_id\":", &out)
        appendPadded(random.below(1_000_000), width: 1, &out)
        append(",\"duration_ms\":", &out)
        appendPadded(random.below(5000), width: 1, &out)
        out.append(0x2E)
        appendPadded(random.below(10), width: 1, &out)
        out.append(0x7D)
    }

    private mutating func appendSyslog(_ out: inout [UInt8]) {
        out.append(0x3C)
        appendPadded(8 * (1 + random.below(23)) + random.below(8), width: 1, &out)
        append(">1 ", &out)
        appendTimestamp(to: &out)
        append(" host-", &out)
        appendPadded(random.below(64), width: 2, &out)
        out.append(0x20)
        append(pick(Self.programs), &out)
        out.append(0x20)
        appendPadded(100 + random.below(60_000), width: 1, &out)
        append(" - - ", &out)
        append(pick(Self.syslogTexts), &out)
    }

    private mutating func appendKV(_ out: inout [UInt8]) {
        appendTimestamp(to: &out)
        append(" level=", &out)
        append(pick(Self.levels), &out)
        append(" service=", &out)
        append(pick(Self.services), &out)
        append(" msg=\"", &out)
        append(pick(Self.messages), &out)
        append("\" request_id=", &out)
        appendHex(random.next(), &out)
        append(" status=", &out)
        appendPadded(pick(Self.statuses), width: 1, &out)
        append(" bytes=", &out)
        appendPadded(random.below(100_000), width: 1, &out)
        append(" duration_ms=", &out)
        appendPadded(random.below(3000), width: 1, &out)
    }

    // MARK: Pieces

    private mutating func pick<T>(_ values: [T]) -> T {
        values[random.below(values.count)]
    }

    private mutating func appendIP(_ out: inout [UInt8]) {
        appendPadded(10, width: 1, &out)
        for _ in 0..<3 {
            out.append(0x2E)
            appendPadded(random.below(256), width: 1, &out)
        }
    }

    private mutating func fit(_ out: inout [UInt8], start: Int, length: Int) {
        let have = out.count - start
        if have > length {
            out.removeLast(have - length)
            return
        }
        let pad: [UInt8] = Array(" pad=".utf8)
        if length - have >= pad.count + 1 { out.append(contentsOf: pad) }
        while out.count - start < length { out.append(0x61 &+ UInt8(random.below(26))) }
    }

    private func append(_ text: String, _ out: inout [UInt8]) {
        out.append(contentsOf: text.utf8)
    }

    private func appendHex(_ value: UInt64, _ out: inout [UInt8]) {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        for shift in stride(from: 60, through: 0, by: -4) {
            out.append(digits[Int(value >> UInt64(shift) & 0xF)])
        }
    }

    private func appendPadded(_ value: Int, width: Int, _ out: inout [UInt8]) {
        var digits: [UInt8] = []
        var rest = value
        repeat {
            digits.append(0x30 &+ UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        while digits.count < width { digits.append(0x30) }
        out.append(contentsOf: digits.reversed())
    }
}
