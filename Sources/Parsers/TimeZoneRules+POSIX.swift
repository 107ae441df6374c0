/// The rule a TZif file's footer states for instants after its last transition (RFC 8536 §3.3, POSIX TZ):
/// `std offset [dst [offset] [,start[/time],end[/time]]]`, e.g. `CET-1CEST,M3.5.0,M10.5.0/3`. Slim TZif
/// files stop listing transitions once this rule applies, so it is what answers for current dates there.
struct PosixTimeZoneRule: Sendable, Equatable {
    /// Offsets east of UTC in seconds (POSIX writes them west, with the opposite sign).
    let standardOffset: Int
    let daylight: Daylight?

    struct Daylight: Sendable, Equatable {
        let offset: Int
        let start: Transition
        let end: Transition
    }

    /// A yearly change: a day and the local wall-clock second of that day (may be negative or past 24 h).
    struct Transition: Sendable, Equatable {
        enum Day: Sendable, Equatable {
            /// `Mm.w.d`: weekday `d` (0 = Sunday) of week `w` (5 = last) of month `m`.
            case monthWeekDay(month: Int, week: Int, weekday: Int)
            /// `Jn`: day 1...365, February 29 never counted.
            case julianNoLeap(Int)
            /// `n`: day 0...365, February 29 counted.
            case zeroBased(Int)
        }
        let day: Day
        let time: Int
    }

    /// Parses the footer text; nil when it is empty or not understood.
    init?(_ text: [UInt8]) {
        var i = 0
        func name() -> Bool {
            if i < text.count, text[i] == UInt8(ascii: "<") {
                while i < text.count, text[i] != UInt8(ascii: ">") { i += 1 }
                guard i < text.count else { return false }
                i += 1
                return true
            }
            let start = i
            while i < text.count, (text[i] | 0x20) >= UInt8(ascii: "a"), (text[i] | 0x20) <= UInt8(ascii: "z") { i += 1 }
            return i - start >= 3
        }
        /// `[+-]hh[:mm[:ss]]` in seconds, hours at most `maxHours` (24 for offsets, 167 for transition times).
        func clock(maxHours: Int = 24) -> Int? {
            var sign = 1
            if i < text.count, text[i] == UInt8(ascii: "+") || text[i] == UInt8(ascii: "-") {
                if text[i] == UInt8(ascii: "-") { sign = -1 }
                i += 1
            }
            var total = 0
            for (index, unit) in [3600, 60, 1].enumerated() {
                if index > 0 {
                    guard i < text.count, text[i] == UInt8(ascii: ":") else { break }
                    i += 1
                }
                let start = i
                var value = 0
                while i < text.count, TimestampParser.isDigit(text[i]), i - start < 3 { value = value * 10 + Int(text[i] - 48); i += 1 }
                guard i > start, unit == 3600 ? value <= maxHours : value <= 59 else { return nil }
                total += value * unit
            }
            return sign * total
        }
        func number() -> Int? {
            let start = i
            var value = 0
            while i < text.count, TimestampParser.isDigit(text[i]), i - start < 4 { value = value * 10 + Int(text[i] - 48); i += 1 }
            return i > start ? value : nil
        }
        func transition() -> Transition? {
            let day: Transition.Day
            if i < text.count, text[i] == UInt8(ascii: "M") {
                i += 1
                guard let m = number(), i < text.count, text[i] == UInt8(ascii: "."), (1...12).contains(m) else { return nil }
                i += 1
                guard let w = number(), i < text.count, text[i] == UInt8(ascii: "."), (1...5).contains(w) else { return nil }
                i += 1
                guard let d = number(), (0...6).contains(d) else { return nil }
                day = .monthWeekDay(month: m, week: w, weekday: d)
            } else if i < text.count, text[i] == UInt8(ascii: "J") {
                i += 1
                guard let n = number(), (1...365).contains(n) else { return nil }
                day = .julianNoLeap(n)
            } else {
                guard let n = number(), (0...365).contains(n) else { return nil }
                day = .zeroBased(n)
            }
            var time = 7200
            if i < text.count, text[i] == UInt8(ascii: "/") {
                i += 1
                guard let t = clock(maxHours: 167) else { return nil }
                time = t
            }
            return Transition(day: day, time: time)
        }

        guard name(), let std = clock() else { return nil }
        standardOffset = -std
        guard i < text.count else { daylight = nil; return }
        guard name() else { return nil }
        var dstOffset = standardOffset + 3600
        if i < text.count, text[i] != UInt8(ascii: ",") {
            guard let dst = clock() else { return nil }
            dstOffset = -dst
        }
        guard i < text.count, text[i] == UInt8(ascii: ",") else { return nil }
        i += 1
        guard let start = transition(), i < text.count, text[i] == UInt8(ascii: ",") else { return nil }
        i += 1
        guard let end = transition(), i == text.count else { return nil }
        daylight = Daylight(offset: dstOffset, start: start, end: end)
    }

    /// The offset east of UTC at a UTC instant.
    func offset(atUTC seconds: Int64) -> Int {
        guard let daylight else { return standardOffset }
        let days = Int((seconds - Int64(standardOffset)) >= 0 ? (seconds - Int64(standardOffset)) / 86_400
                                                              : ((seconds - Int64(standardOffset)) - 86_399) / 86_400)
        let year = CivilTime.civilFromDays(days).year
        // DST starts at its local time in standard time and ends at its local time in daylight time.
        let start = Self.localSeconds(daylight.start, year: year) - Int64(standardOffset)
        let end = Self.localSeconds(daylight.end, year: year) - Int64(daylight.offset)
        let inDaylight = start < end ? (seconds >= start && seconds < end) : !(seconds >= end && seconds < start)
        return inDaylight ? daylight.offset : standardOffset
    }

    /// The rule's local wall-clock instant in `year`, as seconds since the epoch read as UTC.
    static func localSeconds(_ t: Transition, year: Int) -> Int64 {
        let yearStart = CivilTime.daysFromCivil(year: year, month: 1, day: 1)
        let day: Int
        switch t.day {
        case .zeroBased(let n):
            day = yearStart + n
        case .julianNoLeap(let n):
            day = yearStart + n - 1 + (CivilTime.isLeapYear(year) && n >= 60 ? 1 : 0)
        case .monthWeekDay(let month, let week, let weekday):
            let first = CivilTime.daysFromCivil(year: year, month: month, day: 1)
            let firstWeekday = (CivilTime.weekday(days: first) + 1) % 7  // 0 = Sunday
            var candidate = first + (weekday - firstWeekday + 7) % 7 + (week - 1) * 7
            let monthEnd = first + CivilTime.daysInMonth(year: year, month: month)
            while candidate >= monthEnd { candidate -= 7 }
            day = candidate
        }
        return Int64(day) * 86_400 + Int64(t.time)
    }
}
