import JSONStream

/// Hand-written timestamp readers over raw bytes: ISO-8601/RFC 3339, the access-log date, syslog dates
/// and epoch numbers. They read from `start` and report where they stopped, so callers can use them on a
/// prefix (`kv`, `findTimestamp`) or demand the whole input (`ParsedTimestamp/end == count`).
/// No allocation, no Foundation; every reader returns `nil` on anything it does not accept.
public enum TimestampParser {
    /// The two-digit number at `i`. (`&-` wraps on purpose: a byte below `0` becomes ≥ 10, so one
    /// comparison checks both ends of the digit range.)
    /// Inlined: it runs for every two-digit field of every date; perf/parsers-bench.sh "iso8601 parse"
    /// measures it.
    @inline(__always)
    static func twoDigits(_ s: UnsafeRawBufferPointer, _ i: Int) -> Int? {
        guard i + 1 < s.count else { return nil }
        let a = s[i] &- 48, b = s[i + 1] &- 48
        guard a < 10, b < 10 else { return nil }
        return Int(a) * 10 + Int(b)
    }

    /// `0`…`9`, with the same wrapping comparison as ``twoDigits(_:_:)``.
    static func isDigit(_ b: UInt8) -> Bool { b &- 48 < 10 }

    /// ISO-8601 / RFC 3339: `yyyy-MM-dd` then `T`, `t` or a space, `HH:mm[:ss[.fraction]]` (fraction of
    /// any length, `.` or `,`), then `Z`, `±hh:mm`, `±hhmm`, `±hh` or nothing (read as UTC). A date alone
    /// is midnight UTC. Seconds may be 60 (a leap second rolls into the next minute).
    public static func iso8601(_ s: UnsafeRawBufferPointer, from start: Int = 0) -> ParsedTimestamp? {
        iso8601Complete(s, from: start) ?? iso8601General(s, from: start)
    }

    /// Every form ``iso8601(_:from:)`` accepts, field by field.
    static func iso8601General(_ s: UnsafeRawBufferPointer, from start: Int) -> ParsedTimestamp? {
        var i = start
        guard i + 10 <= s.count,
              let c = twoDigits(s, i), let y = twoDigits(s, i + 2), s[i + 4] == UInt8(ascii: "-"),
              let month = twoDigits(s, i + 5), s[i + 7] == UInt8(ascii: "-"),
              let day = twoDigits(s, i + 8)
        else { return nil }
        let year = c * 100 + y
        guard month >= 1, month <= 12, day >= 1, day <= CivilTime.daysInMonth(year: year, month: month) else { return nil }
        i += 10
        var hour = 0, minute = 0, second = 0, fraction = 0, fractionDigits = 0
        let separator: UInt8 = i < s.count ? s[i] : 0
        let hasTime: Bool
        if separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t") || separator == UInt8(ascii: " ") {
            if let h = twoDigits(s, i + 1), i + 3 < s.count, s[i + 3] == UInt8(ascii: ":"), let m = twoDigits(s, i + 4) {
                hasTime = true
                hour = h
                minute = m
                i += 6
            } else if separator == UInt8(ascii: " ") {
                hasTime = false
            } else {
                return nil
            }
        } else {
            hasTime = false
        }
        if !hasTime {
            if i < s.count, isDigit(s[i]) { return nil }
            let seconds = CivilTime.epochSeconds(year: year, month: month, day: day, hour: 0, minute: 0, second: 0)
            return ParsedTimestamp.make(seconds: seconds, offsetSeconds: 0, fractionNanos: 0, fractionDigits: 0, end: i)
        }
        guard hour <= 23, minute <= 59 else { return nil }
        if i < s.count, s[i] == UInt8(ascii: ":") {
            guard let sec = twoDigits(s, i + 1), sec <= 60 else { return nil }
            second = sec
            i += 3
            if i + 1 < s.count, s[i] == UInt8(ascii: ".") || s[i] == UInt8(ascii: ","), isDigit(s[i + 1]) {
                i += 1
                (fraction, fractionDigits, i) = readFraction(s, i)
            }
        }
        let seconds = CivilTime.epochSeconds(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        return withZone(s, at: i, seconds: seconds, fraction: fraction, fractionDigits: fractionDigits)
    }

    /// The timestamp whose zone (an offset, `Z`, or none) starts at `i`; nil when a digit follows the
    /// time directly (a number too long to be one).
    private static func withZone(_ s: UnsafeRawBufferPointer, at i: Int, seconds: Int64, fraction: Int,
                                 fractionDigits: Int) -> ParsedTimestamp? {
        guard let (offset, zoneEnd) = zoneOffset(s, i, allowBare: false) else {
            if i < s.count, isDigit(s[i]) { return nil }
            return ParsedTimestamp.make(seconds: seconds, offsetSeconds: 0, fractionNanos: fraction,
                                        fractionDigits: fractionDigits, end: i)
        }
        return ParsedTimestamp.make(seconds: seconds, offsetSeconds: offset, fractionNanos: fraction,
                                    fractionDigits: fractionDigits, end: zoneEnd, zoneStart: i, zoneCount: zoneEnd - i)
    }

    /// The common complete form `yyyy-MM-ddTHH:mm:ss` (`T`, `t` or a space), then what ``iso8601(_:from:)``
    /// accepts after the seconds, read with one length check and no per-field bounds checks; nil when the
    /// text is not in that form (the general reader then decides). Far cheaper than the general path on
    /// structured bodies, where this form is the common one.
    static func iso8601Complete(_ s: UnsafeRawBufferPointer, from start: Int) -> ParsedTimestamp? {
        guard start >= 0, s.count - start >= 19, let base = s.baseAddress,
              let minute = completeMinute(base.assumingMemoryBound(to: UInt8.self) + start)
        else { return nil }
        return completeSeconds(s, from: start, minute: minute)
    }

    /// Epoch seconds of the minute `yyyy-MM-ddTHH:mm` (separator `T`, `t` or a space) in the 16 bytes at
    /// `p`, or nil when they are not one.
    @inline(__always)
    static func completeMinute(_ p: UnsafePointer<UInt8>) -> Int64? {
        @inline(__always) func digit(_ k: Int) -> Int { Int(p[k] &- 48) }
        let digitsOK = digit(0) < 10 && digit(1) < 10 && digit(2) < 10 && digit(3) < 10 && digit(5) < 10 && digit(6) < 10
            && digit(8) < 10 && digit(9) < 10 && digit(11) < 10 && digit(12) < 10 && digit(14) < 10 && digit(15) < 10
        let separator = p[10]
        guard digitsOK, p[4] == UInt8(ascii: "-"), p[7] == UInt8(ascii: "-"), p[13] == UInt8(ascii: ":"),
              separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t") || separator == UInt8(ascii: " ")
        else { return nil }
        let year = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3)
        let month = digit(5) * 10 + digit(6), day = digit(8) * 10 + digit(9)
        let hour = digit(11) * 10 + digit(12), minute = digit(14) * 10 + digit(15)
        guard month >= 1, month <= 12, day >= 1, day <= CivilTime.daysInMonth(year: year, month: month),
              hour <= 23, minute <= 59
        else { return nil }
        return CivilTime.epochSeconds(year: year, month: month, day: day, hour: hour, minute: minute, second: 0)
    }

    /// The commonest tail of the complete form, `:ss.SSSZ` (or `z`) at bytes 16..<24 of the text at `p`, read
    /// without the digit loop: the seconds (0...60) and the milliseconds; nil for any other tail. `p` must have
    /// 24 readable bytes.
    @inlinable @inline(__always)
    static func secondsAndMillisZ(_ p: UnsafeRawPointer) -> (second: Int, millis: Int)? {
        @inline(__always) func byte(_ k: Int) -> UInt8 { p.load(fromByteOffset: k, as: UInt8.self) }
        @inline(__always) func digit(_ k: Int) -> Int { Int(byte(k) &- 48) }
        guard byte(16) == UInt8(ascii: ":"), byte(19) == UInt8(ascii: "."), byte(23) | 0x20 == UInt8(ascii: "z"),
              digit(17) < 10, digit(18) < 10, digit(20) < 10, digit(21) < 10, digit(22) < 10 else { return nil }
        let second = digit(17) * 10 + digit(18)
        guard second <= 60 else { return nil }
        return (second, digit(20) * 100 + digit(21) * 10 + digit(22))
    }

    /// The rest of the complete form after a minute read by ``completeMinute(_:)`` (at least 19 bytes from
    /// `start`): `:ss`, an optional fraction, then the zone.
    @inline(__always)
    static func completeSeconds(_ s: UnsafeRawBufferPointer, from start: Int, minute: Int64) -> ParsedTimestamp? {
        let p = s.baseAddress!.assumingMemoryBound(to: UInt8.self) + start
        let count = s.count
        if start + 24 <= count, let tail = secondsAndMillisZ(p) {
            return ParsedTimestamp.make(seconds: minute + Int64(tail.second), offsetSeconds: 0,
                                        fractionNanos: tail.millis * 1_000_000, fractionDigits: 3,
                                        end: start + 24, zoneStart: start + 23, zoneCount: 1)
        }
        @inline(__always) func digit(_ k: Int) -> Int { Int(p[k] &- 48) }
        guard p[16] == UInt8(ascii: ":"), digit(17) < 10, digit(18) < 10 else { return nil }
        let second = digit(17) * 10 + digit(18)
        guard second <= 60 else { return nil }
        var i = start + 19
        var fraction = 0, fractionDigits = 0
        let seconds = minute + Int64(second)
        if i + 1 < count, p[19] == UInt8(ascii: ".") || p[19] == UInt8(ascii: ","), digit(20) < 10 {
            // The fraction in place: nine digits kept as nanoseconds, the rest skipped.
            i += 1
            while i < count {
                let d = Int(p[i - start] &- 48)
                guard d < 10 else { break }
                if fractionDigits < 9 { fraction = fraction &* 10 &+ d }
                fractionDigits += 1
                i += 1
            }
            fraction &*= fractionScale[min(fractionDigits, 9)]
        }
        if i < count, p[i - start] | 0x20 == UInt8(ascii: "z") {
            return ParsedTimestamp.make(seconds: seconds, offsetSeconds: 0, fractionNanos: fraction,
                                        fractionDigits: fractionDigits, end: i + 1, zoneStart: i, zoneCount: 1)
        }
        return withZone(s, at: i, seconds: seconds, fraction: fraction, fractionDigits: fractionDigits)
    }

    /// 10^(9 - digits): scales a fraction of `digits` digits (0...9) to nanoseconds.
    static let fractionScale: [Int] = [1_000_000_000, 100_000_000, 10_000_000, 1_000_000, 100_000, 10_000, 1000, 100, 10, 1]

    /// ``iso8601(_:from:)`` for a stream of timestamps that mostly share their minute (the events of one
    /// request): the complete form's date and time up to the minute are validated and converted once per
    /// distinct 16-byte prefix, which `cache` remembers; same results as ``iso8601(_:from:)``.
    public static func iso8601(_ s: UnsafeRawBufferPointer, from start: Int = 0,
                               cache: inout ISO8601MinuteCache) -> ParsedTimestamp? {
        guard start >= 0, s.count - start >= 19, let base = s.baseAddress else { return iso8601General(s, from: start) }
        let p = base + start
        let head = p.loadUnaligned(as: UInt64.self), tail = p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
        let minute: Int64
        if cache.isSet, head == cache.head, tail == cache.tail {
            minute = cache.seconds
        } else if let read = completeMinute(p.assumingMemoryBound(to: UInt8.self)) {
            cache = ISO8601MinuteCache(head: head, tail: tail, seconds: read)
            minute = read
        } else {
            return iso8601General(s, from: start)
        }
        return completeSeconds(s, from: start, minute: minute) ?? iso8601General(s, from: start)
    }

    /// Reads fraction digits at `i` (at least one); keeps the first nine as nanoseconds, skips the rest.
    static func readFraction(_ s: UnsafeRawBufferPointer, _ start: Int, maxDigits: Int = .max) -> (nanos: Int, digits: Int, end: Int) {
        var i = start
        var value = 0
        var digits = 0
        while i < s.count, digits < maxDigits, isDigit(s[i]) {
            if digits < 9 { value = value * 10 + Int(s[i] - 48) }
            digits += 1
            i += 1
        }
        var scaled = value
        var d = min(digits, 9)
        while d < 9 { scaled *= 10; d += 1 }
        return (scaled, digits, i)
    }

    /// A zone designator at `i`: `Z`/`z`, `±hh:mm`, `±hhmm`, `±hh`; with `allowBare`, also `UTC`/`GMT`.
    /// Returns the offset east of UTC in seconds and the end index.
    static func zoneOffset(_ s: UnsafeRawBufferPointer, _ i: Int, allowBare: Bool) -> (Int, Int)? {
        guard i < s.count else { return nil }
        let b = s[i]
        if b == UInt8(ascii: "Z") || b == UInt8(ascii: "z") { return (0, i + 1) }
        if allowBare, i + 3 <= s.count {
            let key = UInt32(s[i] | 0x20) << 16 | UInt32(s[i + 1] | 0x20) << 8 | UInt32(s[i + 2] | 0x20)
            if key == 0x75_74_63 || key == 0x67_6D_74 { return (0, i + 3) }  // utc, gmt
        }
        guard b == UInt8(ascii: "+") || b == UInt8(ascii: "-"), let hh = twoDigits(s, i + 1), hh <= 18 else { return nil }
        var minutes = 0
        var end = i + 3
        if end < s.count, s[end] == UInt8(ascii: ":") {
            guard let mm = twoDigits(s, end + 1), mm <= 59 else { return nil }
            minutes = mm
            end += 3
        } else if let mm = twoDigits(s, end) {
            guard mm <= 59 else { return nil }
            minutes = mm
            end += 2
        }
        let offset = hh * 3600 + minutes * 60
        return (b == UInt8(ascii: "-") ? -offset : offset, end)
    }

    /// The access-log date inside the brackets: `dd/Mon/yyyy:HH:mm:ss ±zzzz` (the zone may be absent → UTC).
    public static func accessLog(_ s: UnsafeRawBufferPointer, from start: Int = 0) -> ParsedTimestamp? {
        let i = start
        guard i >= 0, i + 20 <= s.count, let base = s.baseAddress else { return nil }
        // One length check above, then plain reads: per-field checks would be a large part of this.
        let p = base.assumingMemoryBound(to: UInt8.self) + i
        @inline(__always) func digit(_ k: Int) -> Int { Int(p[k] &- 48) }
        guard digit(0) < 10, digit(1) < 10, digit(7) < 10, digit(8) < 10, digit(9) < 10, digit(10) < 10,
              digit(12) < 10, digit(13) < 10, digit(15) < 10, digit(16) < 10, digit(18) < 10, digit(19) < 10,
              p[2] == UInt8(ascii: "/"), p[6] == UInt8(ascii: "/"), p[11] == UInt8(ascii: ":"), p[14] == UInt8(ascii: ":"),
              p[17] == UInt8(ascii: ":"), case let month = CivilTime.month(p[3], p[4], p[5]), month != 0
        else { return nil }
        let day = digit(0) * 10 + digit(1)
        let year = digit(7) * 1000 + digit(8) * 100 + digit(9) * 10 + digit(10)
        let hour = digit(12) * 10 + digit(13), minute = digit(15) * 10 + digit(16), second = digit(18) * 10 + digit(19)
        guard day >= 1, day <= CivilTime.daysInMonth(year: year, month: month), hour <= 23, minute <= 59, second <= 60
        else { return nil }
        var end = i + 20
        var fraction = 0, fractionDigits = 0
        if end + 1 < s.count, s[end] == UInt8(ascii: "."), isDigit(s[end + 1]) {
            (fraction, fractionDigits, end) = readFraction(s, end + 1)
        }
        let seconds = CivilTime.epochSeconds(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        if end + 1 < s.count, s[end] == UInt8(ascii: " "), let (offset, zoneEnd) = zoneOffset(s, end + 1, allowBare: false) {
            return ParsedTimestamp.make(seconds: seconds, offsetSeconds: offset, fractionNanos: fraction,
                                        fractionDigits: fractionDigits, end: zoneEnd,
                                        zoneStart: end + 1, zoneCount: zoneEnd - end - 1)
        }
        return ParsedTimestamp.make(seconds: seconds, offsetSeconds: 0, fractionNanos: fraction,
                                    fractionDigits: fractionDigits, end: end)
    }

    /// RFC 3164 `Mmm dd HH:mm:ss` (day space-padded or not, optional fraction), read in the zone with
    /// `offsetSeconds`; the year is the reference instant's year, or the year before when that would put the
    /// time more than a day after the reference.
    public static func rfc3164(_ s: UnsafeRawBufferPointer, from start: Int = 0, referenceMillis: Int64,
                               offsetSeconds: Int = 0) -> ParsedTimestamp? {
        var i = start
        guard i + 14 <= s.count, case let month = CivilTime.month(s[i], s[i + 1], s[i + 2]), month != 0,
              s[i + 3] == UInt8(ascii: " ") else { return nil }
        i += 4
        if s[i] == UInt8(ascii: " ") { i += 1 }
        var day = 0
        guard i < s.count, isDigit(s[i]) else { return nil }
        day = Int(s[i] - 48)
        i += 1
        if i < s.count, isDigit(s[i]) { day = day * 10 + Int(s[i] - 48); i += 1 }
        guard i + 9 <= s.count, s[i] == UInt8(ascii: " "),
              let hour = twoDigits(s, i + 1), s[i + 3] == UInt8(ascii: ":"),
              let minute = twoDigits(s, i + 4), s[i + 6] == UInt8(ascii: ":"),
              let second = twoDigits(s, i + 7),
              day >= 1, day <= 31, hour <= 23, minute <= 59, second <= 60
        else { return nil }
        i += 9
        var fraction = 0, fractionDigits = 0
        if i + 1 < s.count, s[i] == UInt8(ascii: "."), isDigit(s[i + 1]) {
            (fraction, fractionDigits, i) = readFraction(s, i + 1)
        }
        let referenceDays = Int(referenceMillis >= 0 ? referenceMillis / 86_400_000 : (referenceMillis - 86_399_999) / 86_400_000)
        var year = CivilTime.civilFromDays(referenceDays).year
        for _ in 0..<2 {
            // Feb 29 only exists in leap years: step back to one that has it.
            if day <= CivilTime.daysInMonth(year: year, month: month) {
                let seconds = CivilTime.epochSeconds(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
                let parsed = ParsedTimestamp.make(seconds: seconds, offsetSeconds: offsetSeconds, fractionNanos: fraction,
                                                  fractionDigits: fractionDigits, end: i)
                if parsed.millis <= referenceMillis + 86_400_000 { return parsed }
            }
            year -= 1
        }
        while year > 0, day > CivilTime.daysInMonth(year: year, month: month) { year -= 1 }
        guard year > 0 else { return nil }
        let seconds = CivilTime.epochSeconds(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        return ParsedTimestamp.make(seconds: seconds, offsetSeconds: offsetSeconds, fractionNanos: fraction,
                                    fractionDigits: fractionDigits, end: i)
    }

    /// The unit an epoch number counts.
    public enum EpochUnit: Sendable {
        case seconds, milliseconds, microseconds, nanoseconds
        /// Decided by the magnitude of the integer part (the spec's Sluice rule): below 10^11 seconds, below
        /// 10^14 milliseconds, below 10^17 microseconds, else nanoseconds. A shipper sending the wrong unit
        /// is then not moved decades; a negative number is before 1971 whatever its unit.
        case automatic

        /// The unit the Sluice rule gives a magnitude.
        static func byMagnitude(_ magnitude: Int64) -> EpochUnit {
            magnitude < 100_000_000_000 ? .seconds
                : magnitude < 100_000_000_000_000 ? .milliseconds
                : magnitude < 100_000_000_000_000_000 ? .microseconds : .nanoseconds
        }
    }

    /// An epoch number: digits with an optional `.fraction`, optional leading `-`.
    public static func epoch(_ s: UnsafeRawBufferPointer, from start: Int = 0, unit: EpochUnit) -> ParsedTimestamp? {
        var i = start
        var negative = false
        if i < s.count, s[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        let digitsStart = i
        var value: Int64 = 0
        while i < s.count, isDigit(s[i]) {
            let (times10, overflow) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = times10.addingReportingOverflow(Int64(s[i] - 48))
            guard !overflow, !overflow2 else { return nil }
            value = next
            i += 1
        }
        let integerDigits = i - digitsStart
        guard integerDigits > 0 else { return nil }
        var fraction = 0, fractionDigits = 0
        if i + 1 < s.count, s[i] == UInt8(ascii: "."), isDigit(s[i + 1]) {
            (fraction, fractionDigits, i) = readFraction(s, i + 1)
        }
        let resolved = unit == .automatic ? EpochUnit.byMagnitude(value) : unit
        // Total nanoseconds would overflow Int64 for seconds past 2262, so keep millis and sub-millis apart.
        var millis: Int64
        var subMillisNanos: Int64
        var precise: Bool
        switch resolved {
        case .seconds, .automatic:
            guard value < 100_000_000_000 else { return nil }
            millis = value * 1000 + Int64(fraction / 1_000_000)
            subMillisNanos = Int64(fraction % 1_000_000)
            precise = fractionDigits > 3
        case .milliseconds:
            guard value < 100_000_000_000_000 else { return nil }
            millis = value
            subMillisNanos = Int64(fraction / 1000)
            precise = fractionDigits > 0
        case .microseconds:
            millis = value / 1000
            subMillisNanos = (value % 1000) * 1000 + Int64(fraction / 1_000_000)
            precise = true
        case .nanoseconds:
            millis = value / 1_000_000
            subMillisNanos = value % 1_000_000
            precise = true
        }
        if negative {
            // -1.5 s is 1.5 s before the epoch: floor the millis, keep the sub-millis part non-negative.
            if subMillisNanos > 0 { millis = -millis - 1; subMillisNanos = 1_000_000 - subMillisNanos } else { millis = -millis }
        }
        return ParsedTimestamp(millis: millis, nanos: precise ? Int32(subMillisNanos) : -1, end: i)
    }
    /// A whole JSON number (or the same text inside a string) as an epoch time by the Sluice rule: what
    /// every endpoint and the `json` parser read as a numeric timestamp, so one number is one time
    /// whatever path it took. A number with an exponent is read as a double (to the millisecond).
    public static func epochNumber(_ s: UnsafeRawBufferPointer) -> ParsedTimestamp? {
        if let plain = epoch(s, unit: .automatic), plain.end == s.count { return plain }
        guard let e = s.firstIndex(where: { $0 | 0x20 == UInt8(ascii: "e") }), e > 0,
              epoch(UnsafeRawBufferPointer(rebasing: s[..<e]), unit: .automatic)?.end == e else { return nil }
        var i = e + 1
        if i < s.count, s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") { i += 1 }
        guard i < s.count, s[i...].allSatisfy(isDigit), let value = JSONReader.double(s), value.isFinite else { return nil }
        let magnitude = abs(value)
        guard magnitude < 9.2e18 else { return nil }
        let millis: Double
        switch EpochUnit.byMagnitude(Int64(magnitude)) {
        case .seconds, .automatic: millis = magnitude * 1000
        case .milliseconds: millis = magnitude
        case .microseconds: millis = magnitude / 1000
        case .nanoseconds: millis = magnitude / 1_000_000
        }
        let whole = Int64(millis.rounded(.down))
        return ParsedTimestamp(millis: value < 0 ? -whole : whole, nanos: -1, end: s.count)
    }

    /// ``epochNumber(_:)`` over `s[start..<end]`, positions reported in `s`.
    public static func epochNumber(_ s: UnsafeRawBufferPointer, from start: Int, to end: Int) -> ParsedTimestamp? {
        guard var t = epochNumber(UnsafeRawBufferPointer(rebasing: s[start..<end])) else { return nil }
        t.end += start
        return t
    }
}
