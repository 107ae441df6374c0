import Testing
@testable import Bench

@Suite struct OpenLoopScheduleTests {
    @Test(arguments: [1.0, 3.0, 1000.0, 7919.0, 250_000.0])
    func requestTimesFollowTheRateWithoutDrift(_ rate: Double) {
        let schedule = OpenLoopSchedule(rate: rate, startNanos: 5_000)
        let interval = 1e9 / rate
        for index in [0, 1, 2, 999, 1_000_000] {
            let expected = 5_000 + UInt64((Double(index) * interval).rounded(.down))
            #expect(schedule.sendTime(of: index) == expected)
        }
        // One second later exactly `rate` more requests are due, however far into the run.
        let late = schedule.sendTime(of: 1_000_000)
        #expect(schedule.dueCount(at: late + 1_000_000_000) - schedule.dueCount(at: late) == Int(rate))
    }

    @Test(arguments: [10.0, 333.0, 100_000.0])
    func dueCountCountsRequestsScheduledAtOrBeforeNow(_ rate: Double) {
        let schedule = OpenLoopSchedule(rate: rate, startNanos: 1_000_000)
        #expect(schedule.dueCount(at: 0) == 0)
        #expect(schedule.dueCount(at: 999_999) == 0)
        #expect(schedule.dueCount(at: 1_000_000) == 1)
        for index in [1, 2, 57, 4321] {
            let time = schedule.sendTime(of: index)
            #expect(schedule.dueCount(at: time) == index + 1, "at the send time of \(index)")
            #expect(schedule.dueCount(at: time - 1) == index, "just before the send time of \(index)")
        }
    }

    @Test(arguments: [(100.0, 2.0, 200), (1000.0, 0.5, 500), (3.0, 1.0, 3), (7.0, 0.3, 3)])
    func theEndBoundsTheTimetable(_ rate: Double, _ seconds: Double, _ expected: Int) {
        let schedule = OpenLoopSchedule(rate: rate, startNanos: 0, endNanos: UInt64(seconds * 1e9))
        #expect(schedule.totalCount == expected)
        #expect(schedule.dueCount(at: UInt64(10 * seconds * 1e9)) == expected)
        #expect(schedule.sendTime(of: expected - 1) < schedule.endNanos)
        #expect(schedule.sendTime(of: expected) >= schedule.endNanos)
    }

    @Test func theLimitBoundsTheTimetable() {
        let schedule = OpenLoopSchedule(rate: 1000, startNanos: 0, limit: 42)
        #expect(schedule.totalCount == 42)
        #expect(schedule.dueCount(at: 1_000_000_000) == 42)
        #expect(schedule.dueCount(at: 10_000_000) == 11)
    }

    @Test func threadsInterleaveIntoOneEvenTimetable() {
        // BenchRunner offsets thread k by k/rate and gives each rate/threads: together, one request every 1/rate.
        var configuration = BenchConfiguration(url: BenchURL(host: "127.0.0.1", port: 1, path: ""))
        configuration.rate = 1000
        configuration.threads = 4
        configuration.connections = 8
        configuration.duration = 1
        let runner = BenchRunner(configuration: configuration)
        var times: [UInt64] = []
        for thread in 0..<4 {
            let schedule = runner.plan(for: thread, start: 0).schedule!
            times += (0..<schedule.totalCount).map(schedule.sendTime(of:))
        }
        times.sort()
        #expect(times.count == 1000)
        for (index, time) in times.enumerated() {
            #expect(time >= UInt64(index) * 1_000_000 && time <= UInt64(index) * 1_000_000 + 1, "request \(index)")
        }
    }
}
