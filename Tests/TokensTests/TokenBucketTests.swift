import Testing
@testable import Tokens

/// The bucket arithmetic with a fake clock: nanoseconds passed in, nothing read from the system.
@Suite struct TokenBucketTests {
    static let second: UInt64 = 1_000_000_000
    /// A moment well after the monotonic clock's zero, as a real reading is.
    static let start: UInt64 = 1_000 * second

    /// Charges `cost` and stores the new state when admitted; the wait in nanoseconds otherwise.
    static func take(_ bucket: TokenBucket, _ state: inout UInt64, _ cost: Int, at now: UInt64) -> UInt64? {
        switch bucket.charge(state: state, cost: cost, now: now) {
        case .admit(let next): state = next; return nil
        case .wait(let nanos): return nanos
        }
    }

    @Test func fullBucketAdmitsItsCapacityThenSaysHowLongToWait() {
        let bucket = TokenBucket(perSecond: 10, burstSeconds: 2)  // holds 20, refills 10/s
        var state: UInt64 = 0
        #expect(Self.take(bucket, &state, 15, at: Self.start) == nil)
        #expect(Self.take(bucket, &state, 5, at: Self.start) == nil)
        // Empty: one more unit is there after 0.1 s, three after 0.3 s.
        #expect(Self.take(bucket, &state, 1, at: Self.start) == Self.second / 10)
        #expect(Self.take(bucket, &state, 3, at: Self.start) == 3 * Self.second / 10)
        let refused = state
        #expect(Self.take(bucket, &state, 3, at: Self.start + Self.second / 10) == 2 * Self.second / 10)
        #expect(state == refused, "a refusal leaves the state as it was")
    }

    @Test func refillsWithTimeUpToItsSizeOnly() {
        let bucket = TokenBucket(perSecond: 100, burstSeconds: 1)
        var state: UInt64 = 0
        #expect(Self.take(bucket, &state, 100, at: Self.start) == nil)
        #expect(Self.take(bucket, &state, 50, at: Self.start + Self.second / 2) == nil)
        #expect(Self.take(bucket, &state, 1, at: Self.start + Self.second / 2) != nil)
        // An hour idle refills to 100, not more.
        let later = Self.start + 3600 * Self.second
        #expect(Self.take(bucket, &state, 100, at: later) == nil)
        #expect(Self.take(bucket, &state, 1, at: later) == Self.second / 100)
    }

    @Test func requestLargerThanTheBucketPassesOnlyWhenItIsFull() {
        let bucket = TokenBucket(perSecond: 10, burstSeconds: 1)
        var state: UInt64 = 0
        #expect(Self.take(bucket, &state, 30, at: Self.start) == nil, "a full bucket takes it, into debt")
        // Three seconds of debt: nothing passes until the bucket is full again.
        #expect(Self.take(bucket, &state, 1, at: Self.start + Self.second) == Self.second + Self.second / 10)
        #expect(Self.take(bucket, &state, 30, at: Self.start + 2 * Self.second) == Self.second)
        #expect(Self.take(bucket, &state, 30, at: Self.start + 3 * Self.second) == nil)
    }

    @Test func refundGivesBackExactlyTheCharge() {
        let bucket = TokenBucket(perSecond: 1000, burstSeconds: 1)
        var state: UInt64 = 0
        #expect(Self.take(bucket, &state, 1000, at: Self.start) == nil)
        state = bucket.refund(state: state, cost: 400)
        #expect(Self.take(bucket, &state, 400, at: Self.start) == nil)
        #expect(Self.take(bucket, &state, 1, at: Self.start) != nil)
    }

    @Test(arguments: [1e-9, 0.001, 1e12, 1e300]) func extremeRatesDoNotTrap(rate: Double) {
        let bucket = TokenBucket(perSecond: rate, burstSeconds: 1e9)
        var state: UInt64 = .max - 5
        _ = Self.take(bucket, &state, .max, at: .max)
        _ = Self.take(bucket, &state, 1, at: 0)
        _ = bucket.refund(state: 0, cost: .max)
    }

    @Test func dailyQuotaCountsPerUTCDayAndStartsAgainAtMidnight() {
        let quota = DailyQuota(bytesPerDay: 1000)
        let noon: Int64 = 20_000 * 86_400 + 43_200
        let day = DailyQuota.day(wallSeconds: noon)
        var state: UInt64 = 0
        state = quota.charge(state: state, bytes: 600, day: day) ?? 0
        #expect(DailyQuota.used(state: state, day: day) == 600)
        #expect(quota.charge(state: state, bytes: 401, day: day) == nil)
        let full = quota.charge(state: state, bytes: 400, day: day)
        #expect(full.map { DailyQuota.used(state: $0, day: day) } == 1000)
        #expect(DailyQuota.secondsToMidnight(wallSeconds: noon) == 43_200)
        // The next day starts from zero.
        #expect(quota.charge(state: full!, bytes: 1000, day: day + 1).map { DailyQuota.used(state: $0, day: day + 1) } == 1000)
        // A refund gives back that day's bytes only.
        #expect(DailyQuota.used(state: quota.refund(state: full!, bytes: 300, day: day), day: day) == 700)
        #expect(quota.refund(state: full!, bytes: 300, day: day + 1) == full!)
    }

    @Test func retryAfterIsWholeSecondsRoundedUp() {
        #expect(IngestLimitPolicy.seconds(1) == 1)
        #expect(IngestLimitPolicy.seconds(Self.second) == 1)
        #expect(IngestLimitPolicy.seconds(Self.second + 1) == 2)
        #expect(IngestLimitPolicy.seconds(0) == 1)
    }
}
