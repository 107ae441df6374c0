/// RFC 3339 text for epoch milliseconds, UTC (`2026-12-07T12:00:00Z`, with `.123` when the milliseconds are
/// not zero): the form token snapshots store times in. ``TimestampParser/iso8601(_:from:)`` reads it back.
public enum RFC3339 {
    public static func format(millis: Int64) -> String {
        let seconds = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        let fraction = Int(millis - seconds * 1000)
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        let (year, month, day) = CivilTime.civilFromDays(Int(days))
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        var text = "\(year)-\(two(month))-\(two(day))T\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))"
        if fraction != 0 { text += "." + String(String(fraction + 1000).dropFirst()) }
        return text + "Z"
    }

    /// Epoch milliseconds of an RFC 3339 / ISO 8601 text that is nothing else; nil otherwise.
    public static func parse(_ text: String) -> Int64? {
        var copy = text
        return copy.withUTF8 { utf8 in
            let bytes = UnsafeRawBufferPointer(utf8)
            guard let parsed = TimestampParser.iso8601(bytes), parsed.end == bytes.count else { return nil }
            return parsed.millis
        }
    }
}
