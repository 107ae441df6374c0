extension TimestampPattern {
    /// What the elements read so far.
    struct State {
        var year = Int.min
        var month = 1
        var day = 1
        var hour = 0
        var minute = 0
        var second = 0
        var fraction = 0
        var fractionDigits = 0
        var pm: Bool? = nil
        var hourIs12 = false
        var offset: Int? = nil
        var zoneStart = 0
        var zoneCount = 0
    }

    /// Reads the whole input (trailing spaces allowed) as this pattern; `referenceMillis` supplies the
    /// year when the pattern has none.
    func parse(_ s: UnsafeRawBufferPointer, referenceMillis: Int64) -> ParsedTimestamp? {
        var i = 0
        var state = State()
        guard Self.match(elements, s, &i, &state) else { return nil }
        var end = s.count
        while end > i, s[end - 1] == 0x20 || s[end - 1] == 0x0A || s[end - 1] == 0x0D || s[end - 1] == 0x09 { end -= 1 }
        guard i == end else { return nil }
        if state.hourIs12 {
            guard state.hour <= 12 else { return nil }
            if state.pm == true, state.hour < 12 { state.hour += 12 }
            if state.pm == false, state.hour == 12 { state.hour = 0 }
        }
        if state.hour == 24 { state.hour = 0 }  // `k` reads 24 as midnight
        let referenceDays = Int(referenceMillis >= 0 ? referenceMillis / 86_400_000 : (referenceMillis - 86_399_999) / 86_400_000)
        let year = state.year == Int.min ? CivilTime.civilFromDays(referenceDays).year : state.year
        guard state.month >= 1, state.month <= 12, state.day >= 1,
              state.day <= CivilTime.daysInMonth(year: year, month: state.month),
              state.hour <= 23, state.minute <= 59, state.second <= 60 else { return nil }
        let local = CivilTime.epochSeconds(year: year, month: state.month, day: state.day, hour: state.hour,
                                           minute: state.minute, second: state.second)
        let offset = state.offset ?? zone.offset(forLocal: local)
        return ParsedTimestamp.make(seconds: local, offsetSeconds: offset, fractionNanos: state.fraction,
                                    fractionDigits: state.fractionDigits, end: i,
                                    zoneStart: state.zoneStart, zoneCount: state.zoneCount)
    }

    static func match(_ elements: [Element], _ s: UnsafeRawBufferPointer, _ i: inout Int, _ state: inout State) -> Bool {
        // By index: a for-in loop retained the array, which every event loop shares.
        for index in elements.indices {
            switch elements[index] {
            case .literal(let byte):
                guard i < s.count, s[i] == byte else { return false }
                i += 1
            case .number(let part, let minDigits, let maxDigits):
                var value = 0
                let start = i
                while i < s.count, i - start < maxDigits, TimestampParser.isDigit(s[i]) {
                    value = value * 10 + Int(s[i] - 48)
                    i += 1
                }
                guard i - start >= minDigits else { return false }
                switch part {
                case .year: state.year = value
                case .month: state.month = value
                case .day: state.day = value
                case .hour24, .hour1to24: state.hour = value
                case .hour12:
                    guard value >= 1 else { return false }
                    state.hour = value
                    state.hourIs12 = true
                case .hour0to11:
                    state.hour = value
                    state.hourIs12 = true
                case .minute: state.minute = value
                case .second: state.second = value
                }
            case .twoDigitYear:
                guard let value = TimestampParser.twoDigits(s, i) else { return false }
                state.year = 2000 + value
                i += 2
            case .monthName:
                guard i + 3 <= s.count, case let month = CivilTime.month(s[i], s[i + 1], s[i + 2]), month != 0 else { return false }
                state.month = month
                i += Self.nameLength(s, i, full: CivilTime.monthNames[month - 1])
            case .dayName:
                guard i + 3 <= s.count, case let day = CivilTime.weekday(s[i], s[i + 1], s[i + 2]), day >= 0 else { return false }
                i += Self.nameLength(s, i, full: CivilTime.weekdayNames[day])
            case .fraction(let maxDigits):
                guard i < s.count, TimestampParser.isDigit(s[i]) else { return false }
                (state.fraction, state.fractionDigits, i) = TimestampParser.readFraction(s, i, maxDigits: maxDigits)
            case .nanoOfSecond:
                var value = 0
                let start = i
                while i < s.count, i - start < 9, TimestampParser.isDigit(s[i]) { value = value * 10 + Int(s[i] - 48); i += 1 }
                guard i > start else { return false }
                state.fraction = value
                state.fractionDigits = 9
            case .amPm:
                guard i + 2 <= s.count, s[i + 1] | 0x20 == UInt8(ascii: "m") else { return false }
                switch s[i] | 0x20 {
                case UInt8(ascii: "a"): state.pm = false
                case UInt8(ascii: "p"): state.pm = true
                default: return false
                }
                i += 2
            case .offset:
                let start = i
                if i + 3 <= s.count, case let key = UInt32(s[i] | 0x20) << 16 | UInt32(s[i + 1] | 0x20) << 8 | UInt32(s[i + 2] | 0x20),
                   key == 0x75_74_63 || key == 0x67_6D_74 {  // utc / gmt, optionally followed by an offset
                    i += 3
                    if let (offset, end) = TimestampParser.zoneOffset(s, i, allowBare: false), s[i] != UInt8(ascii: "Z") {
                        state.offset = offset
                        i = end
                    } else {
                        state.offset = 0
                    }
                } else {
                    guard let (offset, end) = TimestampParser.zoneOffset(s, i, allowBare: false) else { return false }
                    state.offset = offset
                    i = end
                }
                state.zoneStart = start
                state.zoneCount = i - start
            case .optional(let inner):
                let savedIndex = i
                let savedState = state
                if !match(inner, s, &i, &state) {
                    i = savedIndex
                    state = savedState
                }
            }
        }
        return true
    }

    /// Length of the month or day name at `i`: the full name when the text has it, else three letters.
    private static func nameLength(_ s: UnsafeRawBufferPointer, _ i: Int, full: [UInt8]) -> Int {
        guard i + full.count <= s.count else { return 3 }
        for k in 3..<full.count where s[i + k] | 0x20 != full[k] { return 3 }
        return full.count
    }
}
