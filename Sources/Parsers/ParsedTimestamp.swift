/// A timestamp read from text: the instant in epoch milliseconds UTC, its sub-millisecond part, and where
/// in the input the reading ended and the zone designator (if any) was.
public struct ParsedTimestamp: Sendable, Equatable {
    /// Epoch milliseconds, UTC (floor for instants before 1970).
    public var millis: Int64
    /// Sub-millisecond nanoseconds (0...999_999) when the source had more than millisecond precision, else -1.
    public var nanos: Int32
    /// Index just past the last byte read.
    public var end: Int
    /// Offset range of the zone designator (`Z`, `+02:00`, `-0500`) inside the input; empty when the text had none.
    public var zoneStart: Int
    public var zoneCount: Int

    public init(millis: Int64, nanos: Int32, end: Int, zoneStart: Int = 0, zoneCount: Int = 0) {
        self.millis = millis
        self.nanos = nanos
        self.end = end
        self.zoneStart = zoneStart
        self.zoneCount = zoneCount
    }

    /// Builds the instant from wall-clock parts, a zone offset in seconds, and a fraction in nanoseconds.
    static func make(seconds: Int64, offsetSeconds: Int, fractionNanos: Int, fractionDigits: Int, end: Int,
                     zoneStart: Int = 0, zoneCount: Int = 0) -> ParsedTimestamp {
        let utc = seconds - Int64(offsetSeconds)
        let millis = utc * 1000 + Int64(fractionNanos / 1_000_000)
        let nanos: Int32 = fractionDigits > 3 ? Int32(fractionNanos % 1_000_000) : -1
        return ParsedTimestamp(millis: millis, nanos: nanos, end: end, zoneStart: zoneStart, zoneCount: zoneCount)
    }
}
