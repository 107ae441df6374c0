import Foundation
import POSIX
import Testing

@Suite struct ClockTests {
    @Test func monotonicNeverGoesBack() {
        var last = MonotonicClock.nanoseconds()
        for _ in 0..<100_000 {
            let now = MonotonicClock.nanoseconds()
            #expect(now >= last)
            last = now
        }
    }

    @Test func monotonicUnitsAgree() {
        let millisBefore = MonotonicClock.milliseconds()
        let nanos = MonotonicClock.nanoseconds()
        let millisAfter = MonotonicClock.milliseconds()
        #expect(millisBefore <= Int64(nanos / 1_000_000) && Int64(nanos / 1_000_000) <= millisAfter)
    }

    /// The wall clock is the epoch time Foundation reads too, in every unit.
    @Test func wallClockIsEpochTime() {
        let reference = Date().timeIntervalSince1970
        let seconds = WallClock.seconds()
        let millis = WallClock.milliseconds()
        let micros = WallClock.microseconds()
        #expect(abs(seconds - reference) < 1)
        #expect(abs(Double(millis) / 1000 - seconds) < 1)
        #expect(abs(Double(micros) / 1e6 - seconds) < 1)
        #expect(millis <= Int64(micros / 1000) + 1)
    }
}
