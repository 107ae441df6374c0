extension JSONReader {
    /// Scans the number at `cursor` against `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    ///
    /// The common shape first: `-?[1-9][0-9]*` or `-?0`, with an optional `.[0-9]+`, followed by a byte of
    /// the buffer that is not `e`/`E`; anything else (exponents, a number at the buffer's end, every error)
    /// goes on in ``scanNumberInGeneral()`` from the start. Out of line (numbers are short, a call costs
    /// little): inlined into ``readScalarUnlessContainer()`` it would keep that from being inlined into the
    /// decoders' loops (perf/bigreq.sh measures it).
    @usableFromInline @inline(never)
    mutating func scanNumber() throws(JSONError) -> JSONNumber {
        let start = cursor
        var index = start
        if base[index] == UInt8(ascii: "-") { index &+= 1 }
        let digits = index
        index = skipDigits(from: index)
        let count = index &- digits
        // At least one digit, and no leading zero before another digit.
        guard count > 0 && (count == 1 || base[digits] != UInt8(ascii: "0")) else { return try scanNumberInGeneral() }
        var isInteger = true
        if index < end && base[index] == UInt8(ascii: ".") {
            let fraction = index &+ 1
            index = skipDigits(from: fraction)
            guard index > fraction else { return try scanNumberInGeneral() }
            isInteger = false
        }
        guard index < end && base[index] | 0x20 != UInt8(ascii: "e") else { return try scanNumberInGeneral() }
        cursor = index
        return JSONNumber(span: JSONSpan(start: start, count: index &- start), isInteger: isInteger)
    }

    /// ``scanNumber()`` for exponents, numbers at the buffer's end and every error.
    @usableFromInline @inline(never)
    mutating func scanNumberInGeneral() throws(JSONError) -> JSONNumber {
        let start = cursor
        var index = cursor
        var isInteger = true
        if base[index] == UInt8(ascii: "-") { index += 1 }
        guard index < end else { throw error(.unexpectedEnd, at: index) }
        if base[index] == UInt8(ascii: "0") {
            index += 1
        } else if Self.isDigit(base[index]) {
            index = skipDigits(from: index)
        } else {
            throw error(.invalidNumber, at: index)
        }
        if index < end && base[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard index < end else { throw error(.unexpectedEnd, at: index) }
            guard Self.isDigit(base[index]) else { throw error(.invalidNumber, at: index) }
            index = skipDigits(from: index)
        }
        if index < end && (base[index] | 0x20) == UInt8(ascii: "e") {
            isInteger = false
            index += 1
            if index < end && (base[index] == UInt8(ascii: "+") || base[index] == UInt8(ascii: "-")) { index += 1 }
            guard index < end else { throw error(.unexpectedEnd, at: index) }
            guard Self.isDigit(base[index]) else { throw error(.invalidNumber, at: index) }
            index = skipDigits(from: index)
        }
        cursor = index
        return JSONNumber(span: JSONSpan(start: start, count: index - start), isInteger: isInteger)
    }

    @inline(__always)  // inlined into the scanning loops; perf/decode-throughput.sh `validate` measures it
    /// One comparison: bytes below `0` wrap around to large values.
    @inlinable
    static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    @inlinable @inline(__always)  // inlined into the scanning loops; perf/decode-throughput.sh `validate` measures it
    func skipDigits(from start: Int) -> Int {
        var index = start
        while index < end && Self.isDigit(base[index]) { index += 1 }
        return index
    }
}
