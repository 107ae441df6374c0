/// The range a time read from an event must fall in to be stored as the event's time: from 1971 up to a
/// day after ingest. Outside it the ingest time is stored instead, with `@error` and this reason, whether
/// the time came from an endpoint's envelope or from a parser (spec: ingest-api.md, timestamps).
public enum TimestampSanity {
    /// 1971-01-01T00:00:00Z: anything earlier is refused as a timestamp.
    public static let earliestMillis: Int64 = 31_536_000_000
    public static let dayMillis: Int64 = 86_400_000

    /// Why `millis` cannot be stored as given, relative to the ingest time, if it cannot.
    public static func problem(millis: Int64, ingestMillis: Int64) -> StaticString? {
        if millis < earliestMillis { return "timestamp before 1971; ingest time used" }
        // Wrapping: no trap whatever the clock says.
        if millis > ingestMillis &+ dayMillis { return "timestamp more than a day in the future; ingest time used" }
        return nil
    }
}
