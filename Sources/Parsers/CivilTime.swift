/// Proleptic Gregorian calendar arithmetic on day numbers (days since 1970-01-01), valid for any year;
/// Howard Hinnant's `days_from_civil` / `civil_from_days`.
enum CivilTime {
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let shiftedMonth = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Epoch seconds of a wall-clock time read as UTC; the caller subtracts the zone offset.
    static func epochSeconds(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Int64 {
        Int64(daysFromCivil(year: year, month: month, day: day)) * 86_400
            + Int64(hour * 3600 + minute * 60 + second)
    }

    /// Day of week for a day number: 0 = Monday … 6 = Sunday.
    static func weekday(days: Int) -> Int {
        let w = (days + 3) % 7
        return w < 0 ? w + 7 : w
    }

    /// Month number (1...12) of an English month name's first three letters, any case; 0 when none.
    ///
    /// A perfect hash, not a `switch`: a switch's search tree branches on every letter, and on access-log
    /// lines of many dates those branches are mispredicted. The multiplier sends the
    /// twelve names to twelve distinct nibbles of ``monthBySlot``; the name at that month is then compared.
    static func month(_ b0: UInt8, _ b1: UInt8, _ b2: UInt8) -> Int {
        let key = UInt32(b0 | 0x20) << 16 | UInt32(b1 | 0x20) << 8 | UInt32(b2 | 0x20)
        let slot = (key &* 0xD39C_4FB8) >> 28
        let month = Int((monthBySlot >> (UInt64(slot) &* 4)) & 0xF)
        guard month > 0 else { return 0 }
        let name = monthKeys.utf8Start + (month &- 1) &* 3
        let expected = UInt32(name[0]) << 16 | UInt32(name[1]) << 8 | UInt32(name[2])
        return expected == key ? month : 0
    }

    /// Nibble `slot` holds the month whose name hashes there (``month(_:_:_:)``), 0 for none.
    static let monthBySlot: UInt64 = 0x0A48_7CB0_2360_5109

    /// The months' first three letters, lower case, in order.
    static let monthKeys: StaticString = "janfebmaraprmayjunjulaugsepoctnovdec"

    /// Day-of-week number (0 = Monday) of an English day name's first three letters, any case; -1 when none.
    static func weekday(_ b0: UInt8, _ b1: UInt8, _ b2: UInt8) -> Int {
        let key = UInt32(b0 | 0x20) << 16 | UInt32(b1 | 0x20) << 8 | UInt32(b2 | 0x20)
        switch key {
        case 0x6D_6F_6E: return 0  // mon
        case 0x74_75_65: return 1  // tue
        case 0x77_65_64: return 2  // wed
        case 0x74_68_75: return 3  // thu
        case 0x66_72_69: return 4  // fri
        case 0x73_61_74: return 5  // sat
        case 0x73_75_6E: return 6  // sun
        default: return -1
        }
    }

    static let monthNames: [[UInt8]] = [
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
        "november", "december",
    ].map { Array($0.utf8) }

    static let weekdayNames: [[UInt8]] = [
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    ].map { Array($0.utf8) }
}
