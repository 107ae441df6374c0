#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension JSONReader {
    /// The exact value of an integer number, or nil when it has a fraction or an exponent or does not fit.
    public func int64(_ number: JSONNumber) -> Int64? {
        guard number.isInteger else { return nil }
        return Self.int64(bytes(number.span))
    }

    /// Parses `-?[0-9]+` bytes exactly; nil on anything else or on overflow.
    public static func int64(_ digits: UnsafeRawBufferPointer) -> Int64? {
        var index = 0
        let negative = digits.first == UInt8(ascii: "-")
        if negative { index = 1 }
        guard index < digits.count else { return nil }
        var magnitude: UInt64 = 0
        while index < digits.count {
            let digit = digits[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit))
            if overflow1 || overflow2 { return nil }
            magnitude = sum
            index += 1
        }
        if negative {
            if magnitude > UInt64(Int64.max) + 1 { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        return magnitude > UInt64(Int64.max) ? nil : Int64(magnitude)
    }

    /// The correctly rounded value of a number, or nil when it is beyond the range of `Double` (infinite).
    public func double(_ number: JSONNumber) -> Double? {
        Self.double(bytes(number.span))
    }

    /// Parses JSON-number bytes (as validated by the reader) to the nearest `Double`; nil when infinite.
    /// Exact fast path (Clinger) for up to 19 significant digits and a power of ten within ±22; otherwise
    /// the C library's correctly rounded `strtod` on a stack copy.
    public static func double(_ text: UnsafeRawBufferPointer) -> Double? {
        if let fast = fastDouble(text) { return fast }
        let value: Double = withUnsafeTemporaryAllocation(of: CChar.self, capacity: text.count + 1) { buffer in
            for index in 0..<text.count { buffer[index] = CChar(bitPattern: text[index]) }
            buffer[text.count] = 0
            return strtod(buffer.baseAddress!, nil)
        }
        return value.isFinite ? value : nil
    }

    static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    static func fastDouble(_ text: UnsafeRawBufferPointer) -> Double? {
        var index = 0
        let negative = text.first == UInt8(ascii: "-")
        if negative { index = 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        var sawDigit = false
        while index < text.count, isDigit(text[index]) {
            if mantissa == 0 && text[index] == UInt8(ascii: "0") { index += 1; sawDigit = true; continue }
            mantissa = mantissa &* 10 &+ UInt64(text[index] &- UInt8(ascii: "0"))
            digits += 1
            index += 1
            sawDigit = true
        }
        if index < text.count, text[index] == UInt8(ascii: ".") {
            index += 1
            while index < text.count, isDigit(text[index]) {
                if !(mantissa == 0 && text[index] == UInt8(ascii: "0")) {
                    mantissa = mantissa &* 10 &+ UInt64(text[index] &- UInt8(ascii: "0"))
                    digits += 1
                }
                exponent -= 1
                index += 1
                sawDigit = true
            }
        }
        guard sawDigit, digits <= 19 else { return nil }
        if index < text.count, text[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            var exponentNegative = false
            if index < text.count, text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-") {
                exponentNegative = text[index] == UInt8(ascii: "-")
                index += 1
            }
            var explicit = 0
            while index < text.count, isDigit(text[index]) {
                if explicit > 10_000 { return nil }
                explicit = explicit * 10 + Int(text[index] &- UInt8(ascii: "0"))
                index += 1
            }
            exponent += exponentNegative ? -explicit : explicit
        }
        guard index == text.count else { return nil }
        if mantissa == 0 { return negative ? -0.0 : 0.0 }
        guard mantissa <= 1 << 53, exponent >= -22, exponent <= 22 else { return nil }
        let value = exponent >= 0 ? Double(mantissa) * powersOfTen[exponent] : Double(mantissa) / powersOfTen[-exponent]
        return negative ? -value : value
    }
}
