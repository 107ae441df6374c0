extension TimestampParser {
    /// Finds a timestamp near the start of a line: at each word start within the first `window` bytes it
    /// tries ISO-8601, the access-log date, an RFC 3164 date (in `zone`, year inferred from
    /// `referenceMillis`), then a 10-digit epoch-seconds or 13-digit epoch-millis number.
    public static func find(_ s: UnsafeRawBufferPointer, referenceMillis: Int64, zone: TimeZoneRules = .utc,
                            window: Int = 128) -> ParsedTimestamp? {
        let limit = min(s.count, window)
        var i = 0
        while i < limit {
            let b = s[i]
            let atWordStart = i == 0 || !isAlphanumeric(s[i - 1])
            if atWordStart {
                if isDigit(b) {
                    if let t = iso8601(s, from: i), t.end > i + 10 || t.end == s.count || !isDigit(s[t.end - 1]) { return t }
                    if let t = accessLog(s, from: i) { return t }
                    var j = i
                    while j < s.count, isDigit(s[j]) { j += 1 }
                    let digits = j - i
                    if digits == 10 || digits == 13, j == s.count || !isAlphanumeric(s[j]) {
                        return epoch(s, from: i, unit: digits == 10 ? .seconds : .milliseconds)
                    }
                } else if isAlphanumeric(b), let t = rfc3164(s, from: i, referenceMillis: referenceMillis) {
                    guard !zone.isFixed || zone.offset(atUTC: 0) != 0 else { return t }
                    let local = t.millis >= 0 ? t.millis / 1000 : (t.millis - 999) / 1000
                    return rfc3164(s, from: i, referenceMillis: referenceMillis, offsetSeconds: zone.offset(forLocal: local))
                }
            }
            i += 1
        }
        return nil
    }

    static func isAlphanumeric(_ b: UInt8) -> Bool {
        isDigit(b) || ((b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "z"))
    }
}
