/// How a `parseTimestamp` stage reads its field: the fast ISO-8601 reader (the default format), an epoch
/// number, or a compiled Java-style pattern.
enum TimestampFormat: Sendable {
    /// ISO-8601; a time without an offset is read in the zone.
    case iso8601(TimeZoneRules)
    case epoch(TimestampParser.EpochUnit)
    case pattern(TimestampPattern)

    /// The special format names, else a pattern; `nil` is the default ISO-8601 format.
    static func compile(_ format: String?, zone: TimeZoneRules) throws(TimestampPattern.PatternError) -> TimestampFormat {
        guard let format else { return .iso8601(zone) }
        switch format {
        case "seconds", "unixTimeSeconds", "unixtime": return .epoch(.seconds)
        case "millis", "milliseconds", "unixTimeMillis": return .epoch(.milliseconds)
        case "micros", "microseconds": return .epoch(.microseconds)
        case "nanos", "nanoseconds", "unixTimeNanos": return .epoch(.nanoseconds)
        case "iso8601", "ISO8601", "yyyy-MM-dd'T'HH:mm:ss[.SSSSSSSSS]XXXXX": return .iso8601(zone)
        default: return .pattern(try TimestampPattern(format, zone: zone))
        }
    }

    /// Reads the whole text (trailing whitespace allowed) as a timestamp.
    func parse(_ s: UnsafeRawBufferPointer, referenceMillis: Int64) -> ParsedTimestamp? {
        var end = s.count
        while end > 0, s[end - 1] == 0x20 || s[end - 1] == 0x0A || s[end - 1] == 0x0D || s[end - 1] == 0x09 { end -= 1 }
        let text = UnsafeRawBufferPointer(rebasing: s[0..<end])
        switch self {
        case .iso8601(let zone):
            guard var t = TimestampParser.iso8601(text), t.end == end else { return nil }
            if t.zoneCount == 0, !(zone.isFixed && zone.offset(atUTC: 0) == 0) {
                let local = t.millis >= 0 ? t.millis / 1000 : (t.millis - 999) / 1000
                t.millis -= Int64(zone.offset(forLocal: local)) * 1000
            }
            return t
        case .epoch(let unit):
            guard let t = TimestampParser.epoch(text, unit: unit), t.end == end else { return nil }
            return t
        case .pattern(let pattern):
            return pattern.parse(text, referenceMillis: referenceMillis)
        }
    }
}
