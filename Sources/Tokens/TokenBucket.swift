/// A token bucket in the form of the generic cell rate algorithm (GCRA): its whole state is one number, the
/// moment (nanoseconds of a monotonic clock) at which the bucket is full again, so a bucket every event loop
/// shares is one atomic word that a request updates with one compare-and-swap. Pure: the caller passes the
/// state and the clock reading, so tests drive it with a fake clock.
///
/// Guarantees:
/// - The bucket holds `rate × burstSeconds` units and refills at `rate` units per second; state 0 (or any
///   moment in the past) is a full bucket.
/// - A request of `cost` units is admitted when the bucket holds it; admitting it moves the state on by
///   `cost / rate` seconds. A refusal leaves the state unchanged and says how long until the bucket holds
///   the request.
/// - A request costing more than the whole bucket is admitted when the bucket is full (and empties it into
///   debt), so an oversized request is slowed, never refused forever.
/// - Arithmetic saturates: no rate, cost or clock reading traps.
public struct TokenBucket: Sendable, Equatable {
    /// Nanoseconds of refill per unit.
    public let nanosPerUnit: Double
    /// Nanoseconds of refill the bucket holds (`burstSeconds`).
    public let burstNanos: UInt64

    public init(perSecond rate: Double, burstSeconds: Double = IngestLimits.defaultBurstSeconds) {
        nanosPerUnit = 1e9 / rate
        burstNanos = Self.saturating(burstSeconds * 1e9)
    }

    public enum Outcome: Sendable, Equatable {
        /// Admitted: store `state`.
        case admit(state: UInt64)
        /// Refused: the bucket holds the request after `nanos` more nanoseconds.
        case wait(nanos: UInt64)
    }

    public func charge(state: UInt64, cost: Int, now: UInt64) -> Outcome {
        let increment = self.increment(cost)
        let start = max(state, now)
        let (end, overflow) = start.addingReportingOverflow(increment)
        let full = overflow ? UInt64.max : end
        if full - now <= burstNanos || state <= now { return .admit(state: full) }
        // When the bucket will hold it: `end - later ≤ burst`, or, for more than the whole bucket, once full.
        return .wait(nanos: increment > burstNanos ? state - now : full - burstNanos - now)
    }

    /// The state with an admitted request's charge given back (its request was refused later on).
    public func refund(state: UInt64, cost: Int) -> UInt64 {
        let increment = self.increment(cost)
        return state > increment ? state - increment : 0
    }

    func increment(_ cost: Int) -> UInt64 {
        Self.saturating(Double(cost) * nanosPerUnit)
    }

    static func saturating(_ nanos: Double) -> UInt64 {
        nanos < 9.2e18 ? UInt64(nanos.rounded(.up)) : 1 << 63
    }
}

/// A byte quota per UTC day. Its state is one word: the day number (days since 1970-01-01, UTC) in the
/// high 20 bits and the bytes counted that day in the low 44, so a shared quota is one atomic word. Pure:
/// the caller passes the state and the day.
///
/// Guarantees: a new day starts from zero; a request is admitted while the day's bytes including it stay
/// within `limit` (at most ``Snapshot/maxDailyBytes``); a refusal leaves the state unchanged.
public struct DailyQuota: Sendable, Equatable {
    public let limit: UInt64
    static let dayShift: UInt64 = 44
    static let countMask: UInt64 = (1 << 44) - 1

    public init(bytesPerDay: Int) {
        limit = UInt64(min(max(bytesPerDay, 0), Snapshot.maxDailyBytes))
    }

    /// The state after admitting `bytes` on `day`, or nil when they do not fit the day's quota.
    public func charge(state: UInt64, bytes: Int, day: UInt64) -> UInt64? {
        let used = state >> Self.dayShift == day ? state & Self.countMask : 0
        let total = used + UInt64(min(bytes, Snapshot.maxDailyBytes))
        guard total <= limit else { return nil }
        return day << Self.dayShift | total
    }

    /// The state with `bytes` of `day` given back (their request was refused later on).
    public func refund(state: UInt64, bytes: Int, day: UInt64) -> UInt64 {
        guard state >> Self.dayShift == day else { return state }
        let used = state & Self.countMask
        let back = UInt64(min(bytes, Snapshot.maxDailyBytes))
        return day << Self.dayShift | (used > back ? used - back : 0)
    }

    /// Bytes counted on `day`.
    public static func used(state: UInt64, day: UInt64) -> UInt64 {
        state >> dayShift == day ? state & countMask : 0
    }

    /// The UTC day of a wall-clock reading in seconds since 1970.
    public static func day(wallSeconds: Int64) -> UInt64 { UInt64(max(wallSeconds, 0) / 86_400) }

    /// Seconds from a wall-clock reading to the next UTC midnight (when the quota starts again).
    public static func secondsToMidnight(wallSeconds: Int64) -> Int { Int(86_400 - max(wallSeconds, 0) % 86_400) }
}
