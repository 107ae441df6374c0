/// The fixed timetable of an open-loop run: request `i` is due at `start + i × interval`, whatever happened
/// to earlier requests. Latency is measured from this scheduled time, so a slow server cannot slow down the
/// offered load and hide its own queueing (no coordinated omission).
///
/// Guarantees: send times are computed from the index (no accumulated drift); times are non-decreasing;
/// `dueCount(at:)` is the number of requests whose time is `<= now`, capped at `limit` and at the requests
/// scheduled strictly before `end`.
public struct OpenLoopSchedule: Sendable, Equatable {
    /// Monotonic nanoseconds of request 0.
    public let startNanos: UInt64
    /// Nanoseconds between consecutive requests (rate = 1e9 / interval).
    public let intervalNanos: Double
    /// No request is scheduled at or after this time.
    public let endNanos: UInt64
    /// At most this many requests in all.
    public let limit: Int

    /// A timetable of `rate` requests per second from `startNanos`, until `endNanos` or `limit` requests.
    public init(rate: Double, startNanos: UInt64, endNanos: UInt64 = .max, limit: Int = .max) {
        precondition(rate > 0)
        self.startNanos = startNanos
        intervalNanos = 1e9 / rate
        self.endNanos = endNanos
        self.limit = limit
    }

    /// When request `index` is due.
    public func sendTime(of index: Int) -> UInt64 {
        startNanos &+ UInt64((Double(index) * intervalNanos).rounded(.down))
    }

    /// The total number of requests that exist on the timetable (limit and end applied).
    public var totalCount: Int {
        guard endNanos != .max else { return limit }
        let span = Double(endNanos &- startNanos)
        let beforeEnd = Int((span / intervalNanos).rounded(.up))
        return min(limit, max(0, beforeEnd))
    }

    /// How many requests are due at `now` (scheduled at or before it).
    public func dueCount(at now: UInt64) -> Int {
        guard now >= startNanos else { return 0 }
        var count = Int((Double(now - startNanos) / intervalNanos).rounded(.down)) + 1
        // Guard against floating-point rounding at the boundary: the index formula is the authority.
        while count > 0 && sendTime(of: count - 1) > now { count -= 1 }
        while sendTime(of: count) <= now && count < Int.max - 1 { count += 1 }
        return min(count, totalCount)
    }
}
