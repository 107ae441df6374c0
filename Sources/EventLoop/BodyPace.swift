/// When a request body that is still arriving is given up: a total deadline counted from the end of the head
/// (progress does not extend it) and, once a grace period has passed, a minimum average transfer rate.
///
/// A deadline that restarts on every byte lets a client hold a connection for ever with one byte per period;
/// the total bounds how long any body may take, and the rate cuts a trickle long before that. Pure: the
/// connection asks ``check(nowMillis:bytes:)`` on its ticks.
struct BodyPace: Equatable {
    /// When the head completed.
    let startedMillis: Int64
    /// The whole body must arrive within this time of ``startedMillis``.
    let totalMillis: Int64
    /// Average bytes per second the body must keep once ``graceMillis`` have passed (0: no rate rule).
    let minBytesPerSecond: Int
    let graceMillis: Int64

    enum Verdict: Equatable {
        /// Fine so far; look again at `nextCheckMillis`.
        case onTime(nextCheckMillis: Int64)
        /// Slower than the minimum rate after the grace period.
        case tooSlow
        /// The total deadline passed.
        case timedOut
    }

    /// How often the rate is looked at after the grace period (the loop ticks about this often).
    static let checkIntervalMillis: Int64 = 500

    var deadlineMillis: Int64 { startedMillis + totalMillis }

    /// When the connection should first look.
    var firstCheckMillis: Int64 {
        minBytesPerSecond > 0 ? min(startedMillis + graceMillis, deadlineMillis) : deadlineMillis
    }

    /// `bytes`: body bytes received since ``startedMillis``.
    func check(nowMillis: Int64, bytes: Int) -> Verdict {
        if nowMillis >= deadlineMillis { return .timedOut }
        let elapsed = nowMillis - startedMillis
        guard minBytesPerSecond > 0 else { return .onTime(nextCheckMillis: deadlineMillis) }
        if elapsed >= graceMillis {
            // bytes / (elapsed / 1000) < rate, without division.
            let (needed, overflow) = Int64(minBytesPerSecond).multipliedReportingOverflow(by: elapsed)
            if overflow || Int64(bytes) * 1000 < needed { return .tooSlow }
        }
        let next = elapsed >= graceMillis ? nowMillis + Self.checkIntervalMillis : startedMillis + graceMillis
        return .onTime(nextCheckMillis: min(next, deadlineMillis))
    }
}
