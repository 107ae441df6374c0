import Testing
@testable import EventLoop

@Suite struct BodyPaceTests {
    /// Started at 1000 ms, 10 s in all, 1000 B/s after a 2 s grace.
    let pace = BodyPace(startedMillis: 1_000, totalMillis: 10_000, minBytesPerSecond: 1_000, graceMillis: 2_000)

    @Test(arguments: [
        (1_500, 0, BodyPace.Verdict.onTime(nextCheckMillis: 3_000)),   // in the grace period: look again when it ends
        (2_999, 0, .onTime(nextCheckMillis: 3_000)),
        (3_000, 1_999, .tooSlow),                                      // 2 s elapsed: 2000 bytes needed
        (3_000, 2_000, .onTime(nextCheckMillis: 3_500)),               // exactly the rate
        (10_500, 9_500, .onTime(nextCheckMillis: 11_000)),             // the next look is capped by the deadline
        (10_999, 1_000_000, .onTime(nextCheckMillis: 11_000)),
        (11_000, 1_000_000, .timedOut),                                // however fast: the total holds
    ])
    func verdicts(now: Int64, bytes: Int, expected: BodyPace.Verdict) {
        #expect(pace.check(nowMillis: now, bytes: bytes) == expected)
    }

    @Test func firstCheckIsTheEndOfTheGraceOrTheDeadline() {
        #expect(pace.firstCheckMillis == 3_000)
        let noRate = BodyPace(startedMillis: 1_000, totalMillis: 10_000, minBytesPerSecond: 0, graceMillis: 2_000)
        #expect(noRate.firstCheckMillis == 11_000)
        #expect(noRate.check(nowMillis: 9_000, bytes: 0) == .onTime(nextCheckMillis: 11_000))
        let shortTotal = BodyPace(startedMillis: 0, totalMillis: 1_000, minBytesPerSecond: 10, graceMillis: 5_000)
        #expect(shortTotal.firstCheckMillis == 1_000)
    }

    /// Progress never moves the deadline: a trickle that keeps the rate of one byte a period is still cut.
    @Test func progressDoesNotExtendTheDeadline() {
        let trickle = BodyPace(startedMillis: 0, totalMillis: 60_000, minBytesPerSecond: 0, graceMillis: 0)
        var bytes = 0
        var now: Int64 = 0
        while case .onTime = trickle.check(nowMillis: now, bytes: bytes) {
            bytes += 1
            now += 29_000
        }
        #expect(now >= 60_000 && now < 60_000 + 29_000)
    }
}

@Suite struct ReadBufferPoolTests {
    @Test func givesBackOnlyStandardBuffersUpToTheBound() {
        var pool = ReadBufferPool(bufferSize: 64, maxPooled: 2)
        var first = pool.take()
        var second = pool.take()
        var third = pool.take()
        #expect(first.count == 64 && second.count == 64 && third.count == 64)
        pool.give(&first)
        pool.give(&second)
        pool.give(&third)
        #expect(first.isEmpty && second.isEmpty && third.isEmpty)
        #expect(pool.pooledCount == 2)
        var grown = [UInt8](repeating: 0, count: 128)
        _ = pool.take()
        pool.give(&grown)
        #expect(grown.isEmpty && pool.pooledCount == 1)
    }

    /// A spare is handed out again: no allocation once the pool is warm.
    @Test func reusesTheSameStorage() {
        var pool = ReadBufferPool(bufferSize: 64, maxPooled: 4)
        var buffer = pool.take()
        let address = buffer.withUnsafeBytes { $0.baseAddress }
        pool.give(&buffer)
        let again = pool.take()
        #expect(again.withUnsafeBytes { $0.baseAddress } == address)
    }
}
