import EventModel

/// Syslog lines: RFC 5424 (`<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG`, structured data becoming
/// `<sd-id>.<param>` fields) and, liberally, RFC 3164 (`[<PRI>]Mmm dd HH:mm:ss [host] app[pid]: msg`,
/// also with an ISO timestamp as rsyslog writes it). RFC 3164 dates carry no zone and no year: they are
/// read in `zone` and the year is inferred from the event's ingest time.
///
/// Fields: `priority` (number), `facility` and `severity` (names: `auth`, `err`, …), `host`, `app`, `pid`,
/// `msgid`, `message`, then key/value pairs found in the message (first occurrence wins, so a message
/// cannot overwrite the header fields). `-` (RFC 5424 nil) adds no field.
///
/// A class, so that the stage runs it by reference: copying the struct it was retained the zone's and
/// the scanner's arrays per event, on counts every event loop shared.
final class SyslogParser: Sendable {
    let zone: TimeZoneRules
    /// `syslog-utc`: only the RFC 3164 form is accepted.
    let rfc3164Only: Bool
    let messageScanner = KeyValueScanner()

    init(zone: TimeZoneRules, rfc3164Only: Bool) {
        self.zone = zone
        self.rfc3164Only = rfc3164Only
    }

    static let facilities: [StaticString] = [
        "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp",
        "ntp", "security", "console", "solaris-cron", "local0", "local1", "local2", "local3", "local4", "local5",
        "local6", "local7",
    ]
    static let severities: [StaticString] = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"]

    func parse(_ input: StageInput, into batch: inout EventBatch, scratch: ParseScratch) -> StaticString? {
        let s = input.bytes
        let n = s.count
        var i = 0
        while i < n, s[i] == 0x20 { i += 1 }
        var priority = -1
        if i < n, s[i] == UInt8(ascii: "<") {
            var j = i + 1
            var value = 0
            while j < n, j - i <= 4, TimestampParser.isDigit(s[j]) { value = value * 10 + Int(s[j] - 48); j += 1 }
            guard j > i + 1, j < n, s[j] == UInt8(ascii: ">"), value <= 191 else { return "syslog: invalid priority" }
            priority = value
            i = j + 1
        }
        if !rfc3164Only, priority >= 0, i + 1 < n, TimestampParser.isDigit(s[i]) {
            var j = i
            while j < n, TimestampParser.isDigit(s[j]) { j += 1 }
            if j < n, s[j] == 0x20, j - i <= 2 {
                addPriority(priority, input, &batch)
                return parse5424(input, from: j + 1, into: &batch, scratch: scratch)
            }
        }
        return parse3164(input, from: i, priority: priority, into: &batch)
    }

    private func addPriority(_ priority: Int, _ input: StageInput, _ batch: inout EventBatch) {
        guard priority >= 0 else { return }
        var digits: (UInt8, UInt8, UInt8) = (0, 0, 0)
        let count = priority >= 100 ? 3 : priority >= 10 ? 2 : 1
        var value = priority
        withUnsafeMutableBytes(of: &digits) { buffer in
            for index in stride(from: count - 1, through: 0, by: -1) {
                buffer[index] = UInt8(48 + value % 10)
                value /= 10
            }
        }
        let span = withUnsafeBytes(of: &digits) { batch.store(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        batch.addField("priority", value: span)
        batch.addField("facility", value: batch.store(Self.facilities[priority >> 3]))
        batch.addField("severity", value: batch.store(Self.severities[priority & 7]))
    }

    // MARK: RFC 5424

    private func parse5424(_ input: StageInput, from start: Int, into batch: inout EventBatch, scratch: ParseScratch) -> StaticString? {
        let s = input.bytes
        let n = s.count
        var i = start
        func field() -> Range<Int> {
            let begin = i
            while i < n, s[i] != 0x20 { i += 1 }
            let range = begin..<i
            if i < n { i += 1 }
            return range
        }
        let time = field()
        if !(time.count == 1 && s[time.lowerBound] == UInt8(ascii: "-")) {
            guard let parsed = TimestampParser.iso8601(s, from: time.lowerBound), parsed.end == time.upperBound
            else { return "syslog: invalid RFC 5424 timestamp" }
            batch.setTimestamp(millis: parsed.millis, nanos: parsed.nanos)
            if parsed.zoneCount > 0 { batch.setTimezone(input.span(parsed.zoneStart, parsed.zoneStart + parsed.zoneCount)) }
        }
        add("host", field(), input, &batch)
        add("app", field(), input, &batch)
        add("pid", field(), input, &batch)
        add("msgid", field(), input, &batch)
        if i < n, s[i] == UInt8(ascii: "[") {
            guard let end = structuredData(input, from: i, into: &batch, scratch: scratch) else {
                return "syslog: invalid structured data"
            }
            i = end
            if i < n, s[i] == 0x20 { i += 1 }
        } else if i < n, s[i] == UInt8(ascii: "-") {
            i += 1
            if i < n, s[i] == 0x20 { i += 1 }
        }
        if i + 3 <= n, s[i] == 0xEF, s[i + 1] == 0xBB, s[i + 2] == 0xBF { i += 3 }
        addMessage(input, from: i, into: &batch)
        return nil
    }

    /// `[id name="value" …]…`; returns the index after the last `]`, or nil when malformed.
    private func structuredData(_ input: StageInput, from start: Int, into batch: inout EventBatch, scratch: ParseScratch) -> Int? {
        let s = input.bytes
        let n = s.count
        var i = start
        while i < n, s[i] == UInt8(ascii: "[") {
            i += 1
            let idStart = i
            while i < n, s[i] != 0x20, s[i] != UInt8(ascii: "]") { i += 1 }
            let id = idStart..<i
            guard !id.isEmpty, i < n else { return nil }
            while i < n, s[i] == 0x20 {
                i += 1
                let nameStart = i
                while i < n, s[i] != UInt8(ascii: "="), s[i] != 0x20, s[i] != UInt8(ascii: "]") { i += 1 }
                let name = nameStart..<i
                guard !name.isEmpty, i + 1 < n, s[i] == UInt8(ascii: "="), s[i + 1] == UInt8(ascii: "\"") else { return nil }
                i += 2
                let valueStart = i
                var escaped = false
                while i < n, s[i] != UInt8(ascii: "\"") {
                    if s[i] == UInt8(ascii: "\\"), i + 1 < n { escaped = true; i += 2 } else { i += 1 }
                }
                guard i < n else { return nil }
                let value = escaped
                    ? KeyValueScanner.unescape(input, valueStart, i, escapable: Self.isSDEscape, into: &batch)
                    : input.span(valueStart, i)
                i += 1
                scratch.name.removeAll(keepingCapacity: true)
                scratch.name.append(contentsOf: input.raw(id.lowerBound, id.upperBound))
                scratch.name.append(UInt8(ascii: "."))
                scratch.name.append(contentsOf: input.raw(name.lowerBound, name.upperBound))
                scratch.name.withUnsafeBytes { batch.addField(name: $0, value: value, override: false) }
            }
            guard i < n, s[i] == UInt8(ascii: "]") else { return nil }
            i += 1
        }
        return i
    }

    static func isSDEscape(_ b: UInt8) -> Bool {
        b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") || b == UInt8(ascii: "]")
    }

    // MARK: RFC 3164

    private func parse3164(_ input: StageInput, from start: Int, priority: Int, into batch: inout EventBatch) -> StaticString? {
        let s = input.bytes
        let n = s.count
        var i = start
        let reference = batch.lastEvent.ingestMillis
        if let parsed = TimestampParser.rfc3164(s, from: i, referenceMillis: reference) {
            var shifted = parsed
            if !zone.isFixed || zone.offset(atUTC: 0) != 0 {
                let local = parsed.millis >= 0 ? parsed.millis / 1000 : (parsed.millis - 999) / 1000
                let offset = zone.offset(forLocal: local)
                shifted = TimestampParser.rfc3164(s, from: i, referenceMillis: reference, offsetSeconds: offset) ?? parsed
            }
            batch.setTimestamp(millis: shifted.millis, nanos: shifted.nanos)
            i = parsed.end
        } else if !rfc3164Only, let parsed = TimestampParser.iso8601(s, from: i), parsed.end > i + 10 {
            batch.setTimestamp(millis: parsed.millis, nanos: parsed.nanos)
            if parsed.zoneCount > 0 { batch.setTimezone(input.span(parsed.zoneStart, parsed.zoneStart + parsed.zoneCount)) }
            i = parsed.end
        } else {
            return priority >= 0 ? "syslog: invalid timestamp" : "syslog: not a syslog line"
        }
        addPriority(priority, input, &batch)
        while i < n, s[i] == 0x20 { i += 1 }
        // host, unless the next word is already the tag (`app[pid]:` or `app:`)
        var wordEnd = i
        while wordEnd < n, s[wordEnd] != 0x20 { wordEnd += 1 }
        let word = i..<wordEnd
        let wordIsTag = word.contains { s[$0] == UInt8(ascii: "[") } || (!word.isEmpty && s[wordEnd - 1] == UInt8(ascii: ":"))
        if !wordIsTag, !word.isEmpty, wordEnd < n {
            add("host", word, input, &batch)
            i = wordEnd
            while i < n, s[i] == 0x20 { i += 1 }
        }
        // tag: app[pid]: or app:
        var j = i
        while j < n, s[j] != 0x20, s[j] != UInt8(ascii: "["), s[j] != UInt8(ascii: ":") { j += 1 }
        if j > i, j < n {
            if s[j] == UInt8(ascii: "[") {
                let pidStart = j + 1
                var k = pidStart
                while k < n, s[k] != UInt8(ascii: "]"), s[k] != 0x20 { k += 1 }
                if k < n, s[k] == UInt8(ascii: "]") {
                    add("app", i..<j, input, &batch)
                    add("pid", pidStart..<k, input, &batch)
                    i = k + 1
                    if i < n, s[i] == UInt8(ascii: ":") { i += 1 }
                }
            } else if s[j] == UInt8(ascii: ":") {
                add("app", i..<j, input, &batch)
                i = j + 1
            }
            if i < n, s[i] == 0x20 { i += 1 }
        }
        addMessage(input, from: i, into: &batch)
        return nil
    }

    private func addMessage(_ input: StageInput, from start: Int, into batch: inout EventBatch) {
        guard start < input.count else { return }
        var end = input.count
        while end > start, input[end - 1] == 0x0A || input[end - 1] == 0x0D { end -= 1 }
        batch.addField("message", value: input.span(start, end))
        messageScanner.scan(input.slice(start, end), from: 0, into: &batch)
    }

    private func add(_ name: StaticString, _ range: Range<Int>, _ input: StageInput, _ batch: inout EventBatch) {
        guard !range.isEmpty, !(range.count == 1 && input[range.lowerBound] == UInt8(ascii: "-")) else { return }
        batch.addField(name, value: input.span(range.lowerBound, range.upperBound))
    }
}
