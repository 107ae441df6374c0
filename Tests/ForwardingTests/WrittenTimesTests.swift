import Testing
@testable import Forwarding

/// The time given for the first unforwarded record is when the watermark was first seen past it.
struct WrittenTimesTests {
    let ms: UInt64 = 1_000_000

    @Test func firstUnforwardedRecordGetsTheFirstSamplePastIt() {
        var times = WrittenTimes()
        times.observe(durable: 10, at: 100 * ms)
        times.observe(durable: 20, at: 200 * ms)
        times.observe(durable: 20, at: 300 * ms)
        times.observe(durable: 35, at: 400 * ms)
        #expect(times.writtenNanos(of: 0) == 100 * ms)
        #expect(times.writtenNanos(of: 10) == 200 * ms)
        #expect(times.writtenNanos(of: 25) == 400 * ms)
        #expect(times.writtenNanos(of: 35) == nil, "caught up")
    }

    @Test func closeMovesShareASampleAndMemoryIsBounded() {
        var times = WrittenTimes()
        times.observe(durable: 1, at: 1000 * ms)
        times.observe(durable: 2, at: 1000 * ms + 3 * ms)
        #expect(times.samples.count == 1)
        #expect(times.writtenNanos(of: 1) == 1000 * ms, "within the merge window, never later than the first sight")
        for step in 0..<5000 { times.observe(durable: UInt64(10 + step), at: (2000 + 20 * UInt64(step)) * ms) }
        #expect(times.samples.count <= WrittenTimes.capacity)
        #expect(times.samples.map { $0.sequence } == times.samples.map { $0.sequence }.sorted())
        #expect(times.writtenNanos(of: 5008)! <= (2000 + 20 * 4999) * ms)
    }

    @Test func seedFromTheEventsGoesFirst() {
        var times = WrittenTimes()
        times.seed(recordEnd: 5, writtenAt: 10 * ms)
        #expect(times.samples.isEmpty, "nothing to seed before the watermark was seen")
        times.observe(durable: 50, at: 900 * ms)
        times.seed(recordEnd: 5, writtenAt: 10 * ms)
        #expect(times.writtenNanos(of: 0) == 10 * ms)
        #expect(times.writtenNanos(of: 5) == 900 * ms)
    }
}
