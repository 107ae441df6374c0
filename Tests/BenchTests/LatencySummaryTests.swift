import Testing
@testable import Bench

@Suite struct LatencySummaryTests {
    /// Within the histogram's 3 significant digits.
    func close(_ value: Double, _ expected: Double) -> Bool {
        abs(value - expected) <= expected * 0.001 + 1e-9
    }

    @Test func percentilesOfAUniformSpread() {
        var histogram = LatencyHistogram()
        for micros in 1...10_000 { histogram.record(nanos: UInt64(micros) * 1000) }  // 1 µs ... 10 ms
        let summary = histogram.summary
        #expect(summary.count == 10_000)
        #expect(close(summary.p50, 5.0))
        #expect(close(summary.p90, 9.0))
        #expect(close(summary.p99, 9.9))
        #expect(close(summary.p999, 9.99))
        #expect(close(summary.max, 10.0))
        #expect(close(summary.mean, 5.0005))
        #expect(summary.p50 <= summary.p90 && summary.p90 <= summary.p99 && summary.p99 <= summary.p999 && summary.p999 <= summary.max)
    }

    @Test func aFewOutliersShowOnlyInTheTail() {
        var histogram = LatencyHistogram()
        for _ in 0..<995 { histogram.record(nanos: 200_000) }  // 0.2 ms
        for _ in 0..<5 { histogram.record(nanos: 50_000_000) }  // 50 ms
        let summary = histogram.summary
        #expect(close(summary.p50, 0.2))
        #expect(close(summary.p99, 0.2))
        #expect(close(summary.p999, 50))
        #expect(close(summary.max, 50))
    }

    @Test func mergingAddsCounts() {
        var first = LatencyHistogram()
        var second = LatencyHistogram()
        for _ in 0..<300 { first.record(nanos: 1_000_000) }
        for _ in 0..<100 { second.record(nanos: 3_000_000) }
        first.add(second)
        #expect(first.count == 400)
        #expect(close(first.summary.p50, 1))
        #expect(close(first.summary.p90, 3))
    }

    @Test func emptyIsAllZero() {
        let summary = LatencyHistogram().summary
        #expect(summary == LatencySummary(LatencyHistogram()))
        #expect([summary.p50, summary.p90, summary.p99, summary.p999, summary.max, summary.mean] == [0, 0, 0, 0, 0, 0])
    }

    @Test func valuesBeyondTheRangeAreClamped() {
        var histogram = LatencyHistogram()
        histogram.record(nanos: .max)
        histogram.record(nanos: 0)
        #expect(histogram.count == 2)
        #expect(histogram.summary.max >= 3_600_000 * 0.999)
    }
}
