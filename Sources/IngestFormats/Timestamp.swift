import JSONStream

/// A point in time read from an event: epoch milliseconds, the sub-millisecond part (-1 when the source
/// had none) and, for ISO-8601 text, where its zone designator sits in the text (nil for `Z` or none).
struct Timestamp: Equatable {
    var millis: Int64
    var nanos: Int32
    var zone: Range<Int>? = nil

    /// 1971-01-01T00:00:00Z: anything earlier is refused as a timestamp.
    static let earliestMillis: Int64 = 31_536_000_000
    static let dayMillis: Int64 = 86_400_000

    /// Why the time cannot be stored as given, relative to the ingest time, if it cannot.
    func problem(ingestMillis: Int64) -> StaticString? {
        if millis < Self.earliestMillis { return "timestamp before 1971; ingest time used" }
        // Wrapping: no trap whatever the clock says.
        if millis > ingestMillis &+ Self.dayMillis { return "timestamp more than a day in the future; ingest time used" }
        return nil
    }
}

extension Timestamp {
    /// Reads an epoch number (JSON number syntax, or the same text inside a string). The unit follows
    /// the magnitude of the integer part (Sluice rule): below 10^11 seconds, up to 10^14 milliseconds,
    /// up to 10^17 microseconds, above that nanoseconds. Nil when it is not such a number or overflows.
    static func epoch(_ text: UnsafeRawBufferPointer) -> Timestamp? {
        var index = 0
        let negative = text.first == UInt8(ascii: "-")
        if negative { index = 1 }
        var integer: Int64 = 0
        let integerStart = index
        while index < text.count, isDigit(text[index]) {
            let digit = Int64(text[index] &- UInt8(ascii: "0"))
            if index - integerStart < 18 {
                integer = integer &* 10 &+ digit  // 18 digits stay below 10^18 < Int64.max: no overflow to check
            } else {
                let (times10, overflow1) = integer.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times10.addingReportingOverflow(digit)
                if overflow1 || overflow2 { return nil }
                integer = sum
            }
            index += 1
        }
        guard index > integerStart else { return nil }
        // Up to nine fraction digits, as nanoseconds of the unit; more digits are ignored.
        var fraction: Int64 = 0
        var fractionDigits = 0
        if index < text.count, text[index] == UInt8(ascii: ".") {
            index += 1
            let fractionStart = index
            while index < text.count, isDigit(text[index]) {
                if fractionDigits < 9 {
                    fraction = fraction * 10 + Int64(text[index] &- UInt8(ascii: "0"))
                    fractionDigits += 1
                }
                index += 1
            }
            guard index > fractionStart else { return nil }
            fraction *= Self.fractionScale[fractionDigits]
        }
        if index < text.count, text[index] | 0x20 == UInt8(ascii: "e") {
            return exponential(text)
        }
        guard index == text.count else { return nil }
        if negative { return Timestamp(millis: -integer, nanos: -1) }  // before 1971 whatever the unit
        switch integer {
        case ..<100_000_000_000:
            let (millis, overflow) = integer.multipliedReportingOverflow(by: 1000)
            if overflow { return nil }
            return Timestamp(millis: millis + fraction / 1_000_000,
                             nanos: fractionDigits > 3 ? Int32(fraction % 1_000_000) : -1)
        case ...100_000_000_000_000:
            return Timestamp(millis: integer, nanos: fractionDigits > 0 ? Int32(fraction / 1000) : -1)
        case ...100_000_000_000_000_000:
            return Timestamp(millis: integer / 1000, nanos: Int32(integer % 1000) * 1000 + Int32(fraction / 1_000_000))
        default:
            return Timestamp(millis: integer / 1_000_000, nanos: Int32(integer % 1_000_000))
        }
    }

    /// A number with an exponent: read as a double, then the same magnitude rule.
    static func exponential(_ text: UnsafeRawBufferPointer) -> Timestamp? {
        guard let e = text.firstIndex(where: { $0 | 0x20 == UInt8(ascii: "e") }) else { return nil }
        var index = e + 1
        if index < text.count, text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-") { index += 1 }
        guard index < text.count, text[index...].allSatisfy(isDigit), let value = JSONReader.double(text) else { return nil }
        if value < 0 { return Timestamp(millis: -1, nanos: -1) }
        let millis: Double
        switch value {
        case ..<1e11: millis = value * 1000
        case ...1e14: millis = value
        case ...1e17: millis = value / 1000
        default: millis = value / 1_000_000
        }
        guard millis < 9e18 else { return nil }
        let whole = millis.rounded(.down)
        return Timestamp(millis: Int64(whole), nanos: -1)
    }

    /// `10^(9 - digits)`: what a fraction of `digits` digits is multiplied by to become nanoseconds of the unit.
    static let fractionScale: [Int64] = [1_000_000_000, 100_000_000, 10_000_000, 1_000_000, 100_000, 10_000, 1000, 100, 10, 1]

    /// One comparison: bytes below `0` wrap around to large values.
    static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }
}
