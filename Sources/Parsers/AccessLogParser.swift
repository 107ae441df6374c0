import EventModel

/// The Apache/nginx combined (and common) log format:
/// `client ident user [dd/Mon/yyyy:HH:mm:ss ±zzzz] "METHOD url HTTP/x" status size "referrer" "agent" [responsetime]`.
///
/// Fields: `client`, `ident`, `user`, `method`, `url`, `httpversion`, `statuscode`, `responsesize`,
/// `referrer`, `useragent`, `responsetime`; a `-` placeholder adds no field. Quoted parts honour `\"`
/// escapes (Apache) and are kept as written otherwise. A request line that is not `METHOD url [version]`
/// (a TLS probe, garbage) leaves `method`/`url`/`httpversion` unset and the event still parses.
enum AccessLogParser {
    static func parse(_ input: StageInput, into batch: inout EventBatch) -> StaticString? {
        let s = input.bytes
        let n = s.count
        var i = 0
        func skipSpaces() { while i < n, s[i] == 0x20 || s[i] == 0x09 { i += 1 } }
        func token() -> Range<Int>? {
            skipSpaces()
            let start = i
            while i < n, s[i] != 0x20, s[i] != 0x09 { i += 1 }
            return start < i ? start..<i : nil
        }
        func quoted() -> Range<Int>? {
            skipSpaces()
            guard i < n, s[i] == UInt8(ascii: "\"") else { return nil }
            i += 1
            let start = i
            while i < n, s[i] != UInt8(ascii: "\"") {
                i += (s[i] == UInt8(ascii: "\\") && i + 1 < n) ? 2 : 1
            }
            guard i < n else { return nil }
            defer { i += 1 }
            return start..<i
        }
        guard let client = token(), let ident = token(), let user = token() else { return "accesslog: not an access log line" }
        skipSpaces()
        guard i < n, s[i] == UInt8(ascii: "[") else { return "accesslog: not an access log line" }
        guard let time = TimestampParser.accessLog(s, from: i + 1), time.end < n, s[time.end] == UInt8(ascii: "]")
        else { return "accesslog: invalid timestamp" }
        i = time.end + 1
        guard let request = quoted() else { return "accesslog: missing request line" }
        guard let status = token(), s[status].allSatisfy({ TimestampParser.isDigit($0) }) || isPlaceholder(s, status)
        else { return "accesslog: invalid status code" }
        let size = token()

        batch.setTimestamp(millis: time.millis, nanos: time.nanos)
        if time.zoneCount > 0 { batch.setTimezone(input.span(time.zoneStart, time.zoneStart + time.zoneCount)) }
        add("client", client, input, &batch)
        add("ident", ident, input, &batch)
        add("user", user, input, &batch)
        splitRequest(request, input, &batch)
        add("statuscode", status, input, &batch)
        if let size { add("responsesize", size, input, &batch) }
        if let referrer = quoted() {
            add("referrer", referrer, input, &batch)
            if let agent = quoted() { add("useragent", agent, input, &batch) }
        }
        if let responseTime = token(), s[responseTime].allSatisfy({ TimestampParser.isDigit($0) || $0 == UInt8(ascii: ".") }) {
            add("responsetime", responseTime, input, &batch)
        }
        return nil
    }

    private static func isPlaceholder(_ s: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        range.count == 1 && s[range.lowerBound] == UInt8(ascii: "-")
    }

    private static func add(_ name: StaticString, _ range: Range<Int>, _ input: StageInput, _ batch: inout EventBatch) {
        guard !range.isEmpty, !isPlaceholder(input.bytes, range) else { return }
        batch.addField(name, value: input.span(range.lowerBound, range.upperBound))
    }

    /// `METHOD url HTTP/x.y`: the url is everything between the first and the last space, so urls with
    /// spaces in them survive; `METHOD url` (HTTP/0.9) has no version.
    private static func splitRequest(_ request: Range<Int>, _ input: StageInput, _ batch: inout EventBatch) {
        let s = input.bytes
        guard let firstSpace = request.firstIndex(where: { s[$0] == 0x20 }) else { return }
        let method = request.lowerBound..<firstSpace
        guard method.allSatisfy({ s[$0] >= UInt8(ascii: "A") && s[$0] <= UInt8(ascii: "Z") || s[$0] == UInt8(ascii: "-") || s[$0] == UInt8(ascii: "_") }),
              !method.isEmpty else { return }
        var urlEnd = request.upperBound
        var version: Range<Int>? = nil
        if let lastSpace = request.lastIndex(where: { s[$0] == 0x20 }), lastSpace > firstSpace,
           request.upperBound - lastSpace > 5,
           s[lastSpace + 1] == UInt8(ascii: "H"), s[lastSpace + 2] == UInt8(ascii: "T"), s[lastSpace + 3] == UInt8(ascii: "T"),
           s[lastSpace + 4] == UInt8(ascii: "P"), s[lastSpace + 5] == UInt8(ascii: "/") {
            version = (lastSpace + 1)..<request.upperBound
            urlEnd = lastSpace
        }
        let url = (firstSpace + 1)..<urlEnd
        guard !url.isEmpty else { return }
        add("method", method, input, &batch)
        add("url", url, input, &batch)
        if let version { add("httpversion", version, input, &batch) }
    }
}
