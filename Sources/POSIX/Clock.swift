#if canImport(Glibc)
import Glibc
#endif

/// `CLOCK_MONOTONIC`: for durations, deadlines and ages (a vDSO call, no system call).
public enum MonotonicClock {
    @inlinable
    public static func nanoseconds() -> UInt64 {
        let now = ClockReading.read(CLOCK_MONOTONIC)
        return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    }

    @inlinable
    public static func milliseconds() -> Int64 {
        let now = ClockReading.read(CLOCK_MONOTONIC)
        return Int64(now.tv_sec) &* 1000 &+ Int64(now.tv_nsec) / 1_000_000
    }

    /// Seconds elapsed since `start`, a reading of ``nanoseconds()``.
    @inlinable
    public static func seconds(since start: UInt64) -> Double {
        Double(nanoseconds() &- start) / 1e9
    }
}

/// `CLOCK_REALTIME`: time since the Unix epoch, for timestamps that leave the process (ingest times, file
/// ages, HTTP dates). It can jump; never measure a duration with it.
public enum WallClock {
    @inlinable
    public static func seconds() -> Double {
        let now = ClockReading.read(CLOCK_REALTIME)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    @inlinable
    public static func milliseconds() -> Int64 {
        let now = ClockReading.read(CLOCK_REALTIME)
        return Int64(now.tv_sec) &* 1000 &+ Int64(now.tv_nsec) / 1_000_000
    }

    @inlinable
    public static func microseconds() -> UInt64 {
        let now = ClockReading.read(CLOCK_REALTIME)
        return UInt64(now.tv_sec) &* 1_000_000 &+ UInt64(now.tv_nsec) / 1000
    }
}

/// The one `clock_gettime` call. It cannot fail for these clocks (both always exist, the pointer is valid),
/// so a failure is a broken C library and stops the process rather than returning a zero time.
@usableFromInline
enum ClockReading {
    @inlinable
    static func read(_ clock: clockid_t) -> timespec {
        var now = timespec()
        let result = clock_gettime(clock, &now)
        precondition(result == 0, "clock_gettime failed")
        return now
    }
}
