// libFuzzer target: every timestamp reader on arbitrary bytes. Readers must stay inside the input, keep
// the sub-millisecond part in range, and an ISO-8601 result must survive a round trip through its own
// rendering; POSIX zone rules (TZif footers) must parse or refuse without trapping. Run with `perf/fuzz.sh Timestamp <seconds>`.
@testable import Parsers
private let reference: Int64 = 1_795_910_400_000
private let berlin = try! TimeZoneRules.resolve("Europe/Berlin")
private let formats: [TimestampFormat] = [
    try! TimestampFormat.compile("yyyy-MM-dd'T'HH:mm:ss[.SSSSSSSSS]XXXXX", zone: .utc),
    try! TimestampFormat.compile("dd/MMM/yyyy:HH:mm:ss Z", zone: berlin),
    try! TimestampFormat.compile("EEEE, MMMM d, yyyy h:mm[:ss] a [z]", zone: berlin),
    try! TimestampFormat.compile(nil, zone: berlin),
    try! TimestampFormat.compile("nanos", zone: .utc),
]

private func checkResult(_ t: ParsedTimestamp?, _ s: UnsafeRawBufferPointer, from start: Int = 0) {
    guard let t else { return }
    precondition(t.end >= start && t.end <= s.count, "reader went past the input")
    precondition(t.nanos >= -1 && t.nanos <= 999_999)
    precondition(t.zoneCount == 0 || (t.zoneStart >= start && t.zoneStart + t.zoneCount <= t.end))
}

/// Renders epoch millis as `yyyy-MM-ddTHH:mm:ss.SSSZ` for years 0...9999.
private func render(_ millis: Int64) -> [UInt8]? {
    let days = Int((millis - ((millis % 86_400_000) + 86_400_000) % 86_400_000) / 86_400_000)
    let civil = CivilTime.civilFromDays(days)
    guard civil.year >= 0, civil.year <= 9999 else { return nil }
    let msOfDay = Int(millis - Int64(days) * 86_400_000)
    func digits(_ value: Int, _ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 48, count: count)
        var v = value
        for i in stride(from: count - 1, through: 0, by: -1) { out[i] = UInt8(48 + v % 10); v /= 10 }
        return out
    }
    return digits(civil.year, 4) + [45] + digits(civil.month, 2) + [45] + digits(civil.day, 2) + [84]
        + digits(msOfDay / 3_600_000, 2) + [58] + digits(msOfDay / 60_000 % 60, 2) + [58] + digits(msOfDay / 1000 % 60, 2)
        + [46] + digits(msOfDay % 1000, 3) + [90]
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let s = UnsafeRawBufferPointer(start: data, count: size)
    let start = size > 0 ? Int(data[0]) % max(1, min(size, 8)) : 0
    let iso = TimestampParser.iso8601(s, from: start)
    checkResult(iso, s, from: start)
    // The fast complete-form reader agrees with the general one whenever it answers.
    if let complete = TimestampParser.iso8601Complete(s, from: start) {
        precondition(complete == TimestampParser.iso8601General(s, from: start), "iso8601Complete differs from iso8601General")
    }
    // The minute-cached reader agrees with the uncached one, on a fresh cache and on one another text filled.
    var cache = ISO8601MinuteCache()
    precondition(TimestampParser.iso8601(s, from: start, cache: &cache) == iso, "cached iso8601 differs (fresh cache)")
    precondition(TimestampParser.iso8601(s, from: start, cache: &cache) == iso, "cached iso8601 differs (cache hit)")
    if size > 1 {
        let other = UnsafeRawBufferPointer(rebasing: s[1...])
        var warmed = ISO8601MinuteCache()
        _ = TimestampParser.iso8601(other, cache: &warmed)
        precondition(TimestampParser.iso8601(s, from: start, cache: &warmed) == iso, "cached iso8601 differs (warm cache)")
    }
    // The inline reader of a cached minute answers only what the whole reader reads, and only the whole text.
    let whole = TimestampParser.iso8601(s)
    for warmed in [cache, { var c = ISO8601MinuteCache(); _ = TimestampParser.iso8601(s, cache: &c); return c }()] {
        if let millis = warmed.millis(ofCachedMinute: s) {
            precondition(whole?.millis == millis && whole?.nanos == -1 && whole?.end == size, "millis(ofCachedMinute:) differs")
        }
    }
    if let iso, let rendered = render(iso.millis) {
        let again = rendered.withUnsafeBytes { TimestampParser.iso8601($0) }
        precondition(again?.millis == iso.millis, "ISO-8601 round trip changed the instant")
    }
    checkResult(TimestampParser.accessLog(s, from: start), s, from: start)
    checkResult(TimestampParser.rfc3164(s, from: start, referenceMillis: reference), s, from: start)
    checkResult(TimestampParser.rfc3164(s, from: start, referenceMillis: reference, offsetSeconds: -36_000), s, from: start)
    for unit in [TimestampParser.EpochUnit.seconds, .milliseconds, .microseconds, .nanoseconds, .automatic] {
        checkResult(TimestampParser.epoch(s, from: start, unit: unit), s, from: start)
    }
    // The whole-number reader every endpoint uses: it reads all of its input or nothing.
    if let number = TimestampParser.epochNumber(s, from: start, to: s.count) {
        checkResult(number, s, from: start)
        precondition(number.end == s.count, "epochNumber stopped inside its input")
    }
    checkResult(TimestampParser.find(s, referenceMillis: reference, zone: berlin), s)
    for format in formats { checkResult(format.parse(s, referenceMillis: reference), s) }
    // The same bytes as a TZif footer rule: any rule it accepts answers offsets within a day.
    if size < 64, let rule = PosixTimeZoneRule(Array(s)) {
        for instant: Int64 in [-2_000_000_000, 0, 1_795_910_400, 2_550_000_000, 9_000_000_000] {
            precondition(abs(rule.offset(atUTC: instant)) < 4 * 86_400)
        }
    }
    return 0
}
