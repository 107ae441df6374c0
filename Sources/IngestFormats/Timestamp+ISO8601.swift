extension Timestamp {
    /// Reads `YYYY-MM-DD[(T|t| )HH:MM[:SS[(.|,)fraction]]][Z|z|±HH[[:]MM]]` (ISO 8601 / RFC 3339).
    /// Without a zone designator the time is taken as UTC. Nil when the text is anything else or a
    /// field is out of range (month 13, 31 April, hour 24, …); a leap second 60 is read as 59.
    static func iso8601(_ text: UnsafeRawBufferPointer) -> Timestamp? {
        var cursor = Cursor(text: text)
        guard let year = cursor.digits(4), cursor.take(UInt8(ascii: "-")),
              let month = cursor.digits(2), cursor.take(UInt8(ascii: "-")),
              let day = cursor.digits(2),
              (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day)
        else { return nil }
        var seconds = daysFromCivil(year: year, month: month, day: day) * 86_400
        var nanos: Int64 = 0
        var fractionDigits = 0
        if cursor.take(UInt8(ascii: "T")) || cursor.take(UInt8(ascii: "t")) || cursor.take(UInt8(ascii: " ")) {
            guard let hour = cursor.digits(2), cursor.take(UInt8(ascii: ":")), let minute = cursor.digits(2),
                  hour < 24, minute < 60 else { return nil }
            var second: Int64 = 0
            if cursor.take(UInt8(ascii: ":")) {
                guard let value = cursor.digits(2), value <= 60 else { return nil }
                second = min(value, 59)
                if cursor.take(UInt8(ascii: ".")) || cursor.take(UInt8(ascii: ",")) {
                    while let digit = cursor.digit() {
                        if fractionDigits < 9 {
                            nanos = nanos * 10 + digit
                            fractionDigits += 1
                        }
                    }
                    guard fractionDigits > 0 else { return nil }
                    for _ in fractionDigits..<9 { nanos *= 10 }
                }
            }
            seconds += hour * 3600 + minute * 60 + second
        }
        var zone: Range<Int>? = nil
        if cursor.take(UInt8(ascii: "Z")) || cursor.take(UInt8(ascii: "z")) {
            // UTC: no zone to record.
        } else if let sign = cursor.peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            let zoneStart = cursor.index
            cursor.index += 1
            guard let hours = cursor.digits(2), hours < 24 else { return nil }
            var minutes: Int64 = 0
            if cursor.peek() != nil {
                _ = cursor.take(UInt8(ascii: ":"))
                guard let value = cursor.digits(2), value < 60 else { return nil }
                minutes = value
            }
            let offset = (hours * 3600 + minutes * 60) * (sign == UInt8(ascii: "-") ? -1 : 1)
            seconds -= offset
            zone = zoneStart..<cursor.index
        }
        guard cursor.isAtEnd else { return nil }
        return Timestamp(millis: seconds * 1000 + nanos / 1_000_000,
                         nanos: fractionDigits > 3 ? Int32(nanos % 1_000_000) : -1, zone: zone)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Reads digits and fixed bytes from the front of a timestamp text.
    struct Cursor {
        let text: UnsafeRawBufferPointer
        var index = 0

        var isAtEnd: Bool { index == text.count }

        func peek() -> UInt8? { index < text.count ? text[index] : nil }

        mutating func take(_ byte: UInt8) -> Bool {
            guard peek() == byte else { return false }
            index += 1
            return true
        }

        mutating func digit() -> Int64? {
            guard let byte = peek(), Timestamp.isDigit(byte) else { return nil }
            index += 1
            return Int64(byte &- UInt8(ascii: "0"))
        }

        mutating func digits(_ count: Int) -> Int64? {
            var value: Int64 = 0
            for _ in 0..<count {
                guard let digit = digit() else { return nil }
                value = value * 10 + digit
            }
            return value
        }
    }
}
