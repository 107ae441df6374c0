/// Renders a ``BenchResult``: the human summary, the `--json` object, and the live progress line.
///
/// Guarantees: the JSON object always has `requests`, `events`, `bytes`, `seconds`, `requests_per_second`,
/// `events_per_second`, `mb_per_second`, `latency_ms` {`p50`, `p90`, `p99`, `p999`, `max`, `mean`}, `status`
/// {code: count}, `errors` (total) and `error_kinds`, plus `raw_bytes`, `cpu_seconds`,
/// `requests_per_cpu_second`, `unsent` and `offered_rate` (null in closed loop), `tls_handshakes` and
/// `tls_resumed` (0 over plain HTTP); keys in that order.
public enum BenchReport {
    public static func json(_ result: BenchResult, configuration: BenchConfiguration) -> String {
        let latency = result.latency
        var fields: [(String, String)] = [
            ("requests", "\(result.requests)"),
            ("events", "\(result.events)"),
            ("bytes", "\(result.bodyBytes)"),
            ("seconds", number(result.seconds)),
            ("requests_per_second", number(result.requestsPerSecond)),
            ("events_per_second", number(result.eventsPerSecond)),
            ("mb_per_second", number(result.megabytesPerSecond)),
            ("latency_ms", object([
                ("p50", number(latency.p50)), ("p90", number(latency.p90)), ("p99", number(latency.p99)),
                ("p999", number(latency.p999)), ("max", number(latency.max)), ("mean", number(latency.mean)),
            ])),
            ("status", object(result.statusCounts.sorted { $0.key < $1.key }.map { ("\($0.key)", "\($0.value)") })),
            ("errors", "\(result.errors)"),
            ("error_kinds", object(BenchErrorKind.allCases.compactMap { kind in
                result.errorCounts[kind].map { (kind.rawValue, "\($0)") }
            })),
            ("raw_bytes", "\(result.rawBodyBytes)"),
            ("cpu_seconds", number(result.cpuSeconds)),
            ("requests_per_cpu_second", number(result.cpuSeconds > 0 ? Double(result.requests) / result.cpuSeconds : 0)),
            ("unsent", "\(result.unsent)"),
            ("offered_rate", result.offeredRate.map(number) ?? "null"),
            ("tls_handshakes", "\(result.tlsHandshakes)"),
            ("tls_resumed", "\(result.tlsResumed)"),
            ("ack_polls", "\(result.ackPolls)"),
            ("acks_true", "\(result.acksTrue)"),
        ]
        fields += [
            ("format", quoted(configuration.format.rawValue)),
            ("batch", "\(configuration.batch)"),
            ("gzip", configuration.gzip ? "true" : "false"),
            ("connections", "\(configuration.connections)"),
            ("threads", "\(configuration.threads)"),
        ]
        return object(fields)
    }

    public static func summary(_ result: BenchResult, configuration: BenchConfiguration) -> String {
        let latency = result.latency
        let mode = result.offeredRate.map { "open loop at \(format($0, 0)) req/s" } ?? "closed loop"
        let header: String = "\(configuration.format.rawValue), batch \(configuration.batch)"
            + (configuration.gzip ? ", gzip" : "")
            + ", \(configuration.connections) connections on \(configuration.threads) thread(s), \(mode)"
        let statuses: String = result.statusCounts.isEmpty ? "none"
            : result.statusCounts.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "  ")
        let kinds: [String] = BenchErrorKind.allCases.compactMap { kind in
            result.errorCounts[kind].map { "\(kind.rawValue) \($0)" }
        }
        let errors: String = "\(result.errors)" + (kinds.isEmpty ? "" : " (" + kinds.joined(separator: ", ") + ")")
        let perCPU: Double = result.cpuSeconds > 0 ? Double(result.requests) / result.cpuSeconds : 0
        var body: String = "  body       \(format(Double(result.bodyBytes) / 1e6, 1)) MB = \(format(result.megabytesPerSecond, 1)) MB/s"
        if configuration.gzip { body += " (gzip; \(format(Double(result.rawBodyBytes) / 1e6, 1)) MB before)" }
        var latencyLine: String = "  latency    p50 \(format(latency.p50, 3)) ms  p90 \(format(latency.p90, 3)) ms"
        latencyLine += "  p99 \(format(latency.p99, 3)) ms  p99.9 \(format(latency.p999, 3)) ms  max \(format(latency.max, 3)) ms"
        var lines: [String] = [header]
        lines.append("  requests   \(result.requests) in \(format(result.seconds, 2)) s = \(format(result.requestsPerSecond, 0)) req/s")
        lines.append("  events     \(result.events) = \(format(result.eventsPerSecond, 0)) events/s")
        lines.append(body)
        lines.append(latencyLine)
        lines.append("  status     " + statuses)
        lines.append("  errors     " + errors)
        lines.append("  cpu        \(format(result.cpuSeconds, 2)) s = \(format(perCPU, 0)) requests per cpu-second")
        if configuration.url.usesTLS {
            lines.append("  tls        \(result.tlsHandshakes) handshakes, \(result.tlsResumed) resumed"
                         + (configuration.insecure ? " (--insecure: certificate not checked)" : ""))
        }
        if configuration.hecAckPollMillis != nil {
            lines.append("  acks       \(result.ackPolls) polls, \(result.acksTrue) ids reported true")
        }
        if result.unsent > 0 { lines.append("  unsent     \(result.unsent) scheduled requests found no free connection before the end") }
        return lines.joined(separator: "\n")
    }

    public static func progressLine(_ progress: BenchProgress) -> String {
        "[\(format(progress.elapsedSeconds, 1)) s] \(format(progress.requestsPerSecond, 0)) req/s  "
            + "\(format(progress.megabytesPerSecond, 1)) MB/s  \(progress.requests) requests  \(progress.errors) errors"
    }

    // MARK: Formatting

    /// Fixed-point decimal text with `digits` decimals.
    public static func format(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return "0" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        let whole = Int(scaled / scale)
        let fraction = Int(scaled - Double(whole) * scale)
        var text = (value < 0 && scaled > 0 ? "-" : "") + String(whole)
        if digits > 0 {
            let digitsText = String(fraction)
            text += "." + String(repeating: "0", count: max(0, digits - digitsText.count)) + digitsText
        }
        return text
    }

    static func number(_ value: Double) -> String { format(value, 3) }

    static func quoted(_ text: String) -> String {
        var bytes: [UInt8] = []
        RequestBodyBuilder.appendJSONString(Array(text.utf8), &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    static func object(_ fields: [(String, String)]) -> String {
        "{" + fields.map { "\(quoted($0.0)):\($0.1)" }.joined(separator: ",") + "}"
    }
}
