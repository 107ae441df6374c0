/// A Java-style date pattern (`yyyy-MM-dd'T'HH:mm:ss[.SSSSSSSSS]XXXXX`) compiled once into elements.
///
/// Letters: `y`/`u` year (`yy` → 2000+yy, `yyyy` four digits, `y` any length), `M`/`L` month (`MMM`
/// short name, `MMMM` full name, either accepted), `d` day, `H` hour 0-23, `k` hour 1-24, `h` hour 1-12,
/// `K` hour 0-11, `m` minute, `s` second, `S…` fraction (up to as many digits as letters), `n` nanosecond,
/// `a` AM/PM, `E` day name (read, not checked), `X`/`x`/`Z`/`O` offset (`Z`, `±hh`, `±hhmm`, `±hh:mm`,
/// `UTC`/`GMT` prefixes), `z` zone (`UTC`, `GMT`, `Z` or an offset). `'text'` is literal, `''` a quote,
/// `[…]` an optional section. A numeric letter written twice or more reads exactly that many digits;
/// once, one or two. Missing parts default: year from the reference (ingest) time, month and day 1,
/// time 0. Without an offset in the text, the pattern's ``TimeZoneRules`` apply.
struct TimestampPattern: Sendable {
    enum Element: Sendable, Equatable {
        case literal(UInt8)
        case number(Part, minDigits: Int, maxDigits: Int)
        case twoDigitYear
        case monthName
        case dayName
        case fraction(maxDigits: Int)
        case nanoOfSecond
        case amPm
        case offset
        case optional([Element])
    }

    enum Part: Sendable, Equatable {
        case year, month, day, hour24, hour1to24, hour12, hour0to11, minute, second
    }

    let elements: [Element]
    let zone: TimeZoneRules

    struct PatternError: Error {
        let message: String
    }

    init(_ pattern: String, zone: TimeZoneRules) throws(PatternError) {
        var index = 0
        let bytes = Array(pattern.utf8)
        elements = try Self.compile(bytes, &index, nested: false)
        self.zone = zone
    }

    private static func compile(_ p: [UInt8], _ i: inout Int, nested: Bool) throws(PatternError) -> [Element] {
        var out: [Element] = []
        while i < p.count {
            let c = p[i]
            if c == UInt8(ascii: "'") {
                i += 1
                if i < p.count, p[i] == UInt8(ascii: "'") { out.append(.literal(c)); i += 1; continue }
                while i < p.count {
                    if p[i] == UInt8(ascii: "'") {
                        if i + 1 < p.count, p[i + 1] == UInt8(ascii: "'") { out.append(.literal(c)); i += 2; continue }
                        break
                    }
                    out.append(.literal(p[i]))
                    i += 1
                }
                guard i < p.count else { throw PatternError(message: "unterminated quote in pattern") }
                i += 1
                continue
            }
            if c == UInt8(ascii: "[") {
                i += 1
                out.append(.optional(try compile(p, &i, nested: true)))
                continue
            }
            if c == UInt8(ascii: "]") {
                guard nested else { throw PatternError(message: "unbalanced ']' in pattern") }
                i += 1
                return out
            }
            let isLetter = (c | 0x20) >= UInt8(ascii: "a") && (c | 0x20) <= UInt8(ascii: "z")
            guard isLetter else { out.append(.literal(c)); i += 1; continue }
            var count = 1
            while i + count < p.count, p[i + count] == c { count += 1 }
            i += count
            out.append(try letter(c, count))
        }
        if nested { throw PatternError(message: "unbalanced '[' in pattern") }
        return out
    }

    private static func letter(_ c: UInt8, _ count: Int) throws(PatternError) -> Element {
        func number(_ part: Part, _ max: Int = 2) -> Element {
            count >= 2 ? .number(part, minDigits: count, maxDigits: count) : .number(part, minDigits: 1, maxDigits: max)
        }
        switch c {
        case UInt8(ascii: "y"), UInt8(ascii: "u"):
            if count == 2 { return .twoDigitYear }
            return count == 1 || count == 3 ? .number(.year, minDigits: 1, maxDigits: 9) : .number(.year, minDigits: count, maxDigits: count)
        case UInt8(ascii: "M"), UInt8(ascii: "L"): return count >= 3 ? .monthName : number(.month)
        case UInt8(ascii: "d"): return number(.day)
        case UInt8(ascii: "H"): return number(.hour24)
        case UInt8(ascii: "k"): return number(.hour1to24)
        case UInt8(ascii: "h"): return number(.hour12)
        case UInt8(ascii: "K"): return number(.hour0to11)
        case UInt8(ascii: "m"): return number(.minute)
        case UInt8(ascii: "s"): return number(.second)
        case UInt8(ascii: "S"): return .fraction(maxDigits: min(count, 9))
        case UInt8(ascii: "n"): return .nanoOfSecond
        case UInt8(ascii: "a"): return .amPm
        case UInt8(ascii: "E"): return .dayName
        case UInt8(ascii: "X"), UInt8(ascii: "x"), UInt8(ascii: "Z"), UInt8(ascii: "O"), UInt8(ascii: "z"): return .offset
        default:
            throw PatternError(message: "unsupported pattern letter '\(Character(Unicode.Scalar(c)))'")
        }
    }
}
