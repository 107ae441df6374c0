#if canImport(Glibc)
import Glibc
#endif

/// Reads an HTTP-date (RFC 9110 §5.6.7) as epoch seconds (pure: no I/O, no clock).
///
/// Guarantees: accepts the three forms a recipient must accept, in GMT: IMF-fixdate
/// (`Sun, 06 Nov 1994 08:49:37 GMT`), the obsolete RFC 850 form (`Sunday, 06-Nov-94 08:49:37 GMT`, a two-digit
/// year below 70 read as 20yy) and asctime (`Sun Nov  6 08:49:37 1994`); surrounding spaces are ignored and the
/// day name is not checked against the date. Anything else, or an impossible date or time, is nil.
public enum HTTPDate {
    public static func epochSeconds<Bytes: Collection<UInt8>>(_ text: Bytes) -> Int64? {
        var cursor = Cursor(Array(text))
        cursor.skipSpaces()
        let dayName = cursor.letters()
        guard dayName.count >= 3 else { return nil }
        var day: Int, month: Int, year: Int, hour: Int, minute: Int, second: Int
        if cursor.take(UInt8(ascii: ",")) {
            guard cursor.take(UInt8(ascii: " ")) else { return nil }
            guard let d = cursor.number(digits: 2) else { return nil }
            day = d
            if cursor.take(UInt8(ascii: " ")) {
                // IMF-fixdate: DD Mon YYYY HH:MM:SS GMT
                guard let m = monthNumber(cursor.letters()), cursor.take(UInt8(ascii: " ")), let y = cursor.number(digits: 4) else { return nil }
                month = m
                year = y
            } else if cursor.take(UInt8(ascii: "-")) {
                // RFC 850: DD-Mon-YY HH:MM:SS GMT
                guard let m = monthNumber(cursor.letters()), cursor.take(UInt8(ascii: "-")), let y = cursor.number(digits: 2) else { return nil }
                month = m
                year = y < 70 ? 2000 + y : 1900 + y
            } else {
                return nil
            }
            guard cursor.take(UInt8(ascii: " ")), let time = cursor.time() else { return nil }
            (hour, minute, second) = time
            guard cursor.take(UInt8(ascii: " ")), cursor.letters() == Array("GMT".utf8) else { return nil }
        } else {
            // asctime: Mon DD HH:MM:SS YYYY, the day padded with a space
            guard cursor.take(UInt8(ascii: " ")), let m = monthNumber(cursor.letters()), cursor.take(UInt8(ascii: " ")) else { return nil }
            month = m
            _ = cursor.take(UInt8(ascii: " "))
            guard let d = cursor.number(digits: 1...2), cursor.take(UInt8(ascii: " ")), let time = cursor.time(),
                  cursor.take(UInt8(ascii: " ")), let y = cursor.number(digits: 4) else { return nil }
            day = d
            (hour, minute, second) = time
            year = y
        }
        cursor.skipSpaces()
        guard cursor.atEnd, hour < 24, minute < 60, second < 61, day >= 1, day <= daysIn(month: month, year: year) else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        return Int64(timegm(&parts))
    }

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"].map { Array($0.utf8) }

    private static func monthNumber(_ name: [UInt8]) -> Int? {
        months.firstIndex(of: name.map(ASCII.lowercased)).map { $0 + 1 }
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private struct Cursor {
        let bytes: [UInt8]
        var index = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { index == bytes.count }

        mutating func skipSpaces() {
            while index < bytes.count, ASCII.isWhitespace(bytes[index]) { index += 1 }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        mutating func letters() -> [UInt8] {
            let start = index
            while index < bytes.count, ASCII.lowercased(bytes[index]) &- UInt8(ascii: "a") < 26 { index += 1 }
            return Array(bytes[start..<index])
        }

        mutating func number(digits: Int) -> Int? { number(digits: digits...digits) }

        mutating func number(digits: ClosedRange<Int>) -> Int? {
            var value = 0
            var count = 0
            while index < bytes.count, count < digits.upperBound, bytes[index] &- UInt8(ascii: "0") < 10 {
                value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
                index += 1
                count += 1
            }
            return digits.contains(count) ? value : nil
        }

        mutating func time() -> (Int, Int, Int)? {
            guard let hour = number(digits: 2), take(UInt8(ascii: ":")), let minute = number(digits: 2), take(UInt8(ascii: ":")),
                  let second = number(digits: 2) else { return nil }
            return (hour, minute, second)
        }
    }
}
