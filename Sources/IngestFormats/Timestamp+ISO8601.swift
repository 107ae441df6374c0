import Parsers

extension Timestamp {
    /// Reads an ISO-8601 / RFC 3339 text that is nothing else (`TimestampParser.iso8601`, the parsers'
    /// reader, must consume all of it). `zone` is the designator's range unless it is `Z`.
    static func iso8601(_ text: UnsafeRawBufferPointer) -> Timestamp? {
        guard let parsed = TimestampParser.iso8601(text), parsed.end == text.count else { return nil }
        let zone = parsed.zoneCount > 1 ? parsed.zoneStart..<(parsed.zoneStart + parsed.zoneCount) : nil
        return Timestamp(millis: parsed.millis, nanos: parsed.nanos, zone: zone)
    }

    /// ``iso8601(_:)`` through a minute cache (the events of one request mostly share their minute).
    static func iso8601(_ text: UnsafeRawBufferPointer, cache: inout ISO8601MinuteCache) -> Timestamp? {
        guard let parsed = TimestampParser.iso8601(text, cache: &cache), parsed.end == text.count else { return nil }
        let zone = parsed.zoneCount > 1 ? parsed.zoneStart..<(parsed.zoneStart + parsed.zoneCount) : nil
        return Timestamp(millis: parsed.millis, nanos: parsed.nanos, zone: zone)
    }
}
