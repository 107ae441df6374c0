import Histogram

/// Request latencies in nanoseconds with 3 significant digits (HdrHistogram), from 1 µs to 1 hour; longer
/// values are recorded as 1 hour. Recording never allocates.
public struct LatencyHistogram: Sendable {
    public static let highestNanos: UInt64 = 3_600_000_000_000
    public private(set) var histogram = Histogram<UInt64>(
        lowestDiscernibleValue: 1000, highestTrackableValue: LatencyHistogram.highestNanos,
        numberOfSignificantValueDigits: .three)

    public init() {}

    public mutating func record(nanos: UInt64) {
        _ = histogram.record(min(max(nanos, 1), Self.highestNanos))
    }

    public mutating func add(_ other: LatencyHistogram) {
        histogram.add(other.histogram)
    }

    public var count: UInt64 { histogram.totalCount }

    public var summary: LatencySummary { LatencySummary(self) }
}

/// Latency percentiles in milliseconds, as printed and as the `latency_ms` object of `--json`.
///
/// Guarantees: p50 <= p90 <= p99 <= p999 <= max; every value is the histogram's value at that percentile
/// (equivalent within 0.1 %), max the highest recorded; all zero when nothing was recorded.
public struct LatencySummary: Sendable, Equatable {
    public var p50: Double
    public var p90: Double
    public var p99: Double
    public var p999: Double
    public var max: Double
    public var mean: Double
    public var count: UInt64

    public init(_ latencies: LatencyHistogram) {
        let histogram = latencies.histogram
        count = histogram.totalCount
        guard count > 0 else {
            p50 = 0; p90 = 0; p99 = 0; p999 = 0; max = 0; mean = 0
            return
        }
        func millis(_ nanos: UInt64) -> Double { Double(nanos) / 1e6 }
        p50 = millis(histogram.valueAtPercentile(50))
        p90 = millis(histogram.valueAtPercentile(90))
        p99 = millis(histogram.valueAtPercentile(99))
        p999 = millis(histogram.valueAtPercentile(99.9))
        max = millis(histogram.max)
        mean = histogram.mean / 1e6
    }
}
