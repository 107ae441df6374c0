import EventModel

/// Turns a JSON object into fields: nested objects flattened with dots (`a.b.c`), arrays with indices
/// (`tags[0]`), strings unescaped, numbers and booleans as written, `null` as the string `null`; empty
/// objects and arrays add no field. With `setTimestamp`, a top-level `@timestamp` (ISO-8601 string or
/// epoch-milliseconds number) becomes the event's time instead of a field (kept as a field if unreadable).
///
/// A private recursive-descent scanner (depth ≤ 64) over the scratch copy: values without escapes are
/// spans into the input, composed names are built in ``ParseScratch/name``. Duplicate names are all kept.
enum JSONFlattener {
    static let maxDepth = 64

    static func parse(_ input: StageInput, setTimestamp: Bool, into batch: inout EventBatch, scratch: ParseScratch) -> StaticString? {
        var reader = Reader(input: input, setTimestamp: setTimestamp)
        scratch.name.removeAll(keepingCapacity: true)
        reader.skipSpace()
        guard reader.peek == UInt8(ascii: "{") else { return "json: not a JSON object" }
        if let failure = reader.value(depth: 0, into: &batch, scratch: scratch) { return failure }
        reader.skipSpace()
        guard reader.i == input.count else { return "json: trailing bytes after the object" }
        return nil
    }

    struct Reader {
        let input: StageInput
        let setTimestamp: Bool
        var i = 0

        init(input: StageInput, setTimestamp: Bool) {
            self.input = input
            self.setTimestamp = setTimestamp
        }

        var peek: UInt8 { i < input.count ? input[i] : 0 }

        mutating func skipSpace() {
            while i < input.count, input[i] == 0x20 || input[i] == 0x0A || input[i] == 0x0D || input[i] == 0x09 { i += 1 }
        }

        /// Reads one value at `i`, adding fields under the name in `scratch.name`.
        mutating func value(depth: Int, into batch: inout EventBatch, scratch: ParseScratch) -> StaticString? {
            guard depth < JSONFlattener.maxDepth else { return "json: nested too deeply" }
            skipSpace()
            switch peek {
            case UInt8(ascii: "{"):
                i += 1
                skipSpace()
                if peek == UInt8(ascii: "}") { i += 1; return nil }
                let prefixCount = scratch.name.count
                while true {
                    skipSpace()
                    guard peek == UInt8(ascii: "\"") else { return "json: expected a member name" }
                    if prefixCount > 0 { scratch.name.append(UInt8(ascii: ".")) }
                    guard appendKey(to: scratch) else { return "json: invalid member name" }
                    skipSpace()
                    guard peek == UInt8(ascii: ":") else { return "json: expected ':'" }
                    i += 1
                    if let failure = member(depth: depth, into: &batch, scratch: scratch) { return failure }
                    scratch.name.removeSubrange(prefixCount...)
                    skipSpace()
                    if peek == UInt8(ascii: ",") { i += 1; continue }
                    if peek == UInt8(ascii: "}") { i += 1; return nil }
                    return "json: expected ',' or '}'"
                }
            case UInt8(ascii: "["):
                i += 1
                skipSpace()
                if peek == UInt8(ascii: "]") { i += 1; return nil }
                let prefixCount = scratch.name.count
                var index = 0
                while true {
                    scratch.name.append(UInt8(ascii: "["))
                    appendDecimal(index, to: &scratch.name)
                    scratch.name.append(UInt8(ascii: "]"))
                    if let failure = value(depth: depth + 1, into: &batch, scratch: scratch) { return failure }
                    scratch.name.removeSubrange(prefixCount...)
                    index += 1
                    skipSpace()
                    if peek == UInt8(ascii: ",") { i += 1; continue }
                    if peek == UInt8(ascii: "]") { i += 1; return nil }
                    return "json: expected ',' or ']'"
                }
            case UInt8(ascii: "\""):
                guard let span = string(into: &batch) else { return "json: invalid string" }
                addField(span, &batch, scratch)
                return nil
            default:
                let start = i
                guard let end = scalarEnd() else { return "json: invalid value" }
                i = end
                addField(input.span(start, end), &batch, scratch)
                return nil
            }
        }

        /// A member value; a top-level `@timestamp` may become the event's time.
        private mutating func member(depth: Int, into batch: inout EventBatch, scratch: ParseScratch) -> StaticString? {
            if setTimestamp, depth == 0, scratch.name.elementsEqual("@timestamp".utf8) {
                skipSpace()
                let start = i
                let quoted = peek == UInt8(ascii: "\"")
                let parsed: ParsedTimestamp?
                if quoted {
                    parsed = TimestampParser.iso8601(input.bytes, from: start + 1)
                    if let parsed, parsed.end < input.count, input[parsed.end] == UInt8(ascii: "\"") {
                        i = parsed.end + 1
                        batch.setTimestamp(millis: parsed.millis, nanos: parsed.nanos)
                        if parsed.zoneCount > 0 { batch.setTimezone(input.span(parsed.zoneStart, parsed.zoneStart + parsed.zoneCount)) }
                        return nil
                    }
                } else if let t = TimestampParser.epoch(input.bytes, from: start, unit: .milliseconds),
                          let end = scalarEnd(), end == t.end {
                    i = t.end
                    batch.setTimestamp(millis: t.millis, nanos: t.nanos)
                    return nil
                }
            }
            return value(depth: depth + 1, into: &batch, scratch: scratch)
        }

        private func addField(_ value: ByteSpan, _ batch: inout EventBatch, _ scratch: ParseScratch) {
            let name = scratch.name.withUnsafeBytes { batch.store($0) }
            batch.addField(name: name, value: value)
        }

        /// End of a number, `true`, `false` or `null` at `i`; nil if there is none.
        private func scalarEnd() -> Int? {
            var j = i
            let c = peek
            if c == UInt8(ascii: "t") { return word("true") }
            if c == UInt8(ascii: "f") { return word("false") }
            if c == UInt8(ascii: "n") { return word("null") }
            if j < input.count, input[j] == UInt8(ascii: "-") { j += 1 }
            let digitsStart = j
            while j < input.count, TimestampParser.isDigit(input[j]) { j += 1 }
            guard j > digitsStart else { return nil }
            if j < input.count, input[j] == UInt8(ascii: ".") {
                j += 1
                let fractionStart = j
                while j < input.count, TimestampParser.isDigit(input[j]) { j += 1 }
                guard j > fractionStart else { return nil }
            }
            if j < input.count, input[j] | 0x20 == UInt8(ascii: "e") {
                j += 1
                if j < input.count, input[j] == UInt8(ascii: "+") || input[j] == UInt8(ascii: "-") { j += 1 }
                let exponentStart = j
                while j < input.count, TimestampParser.isDigit(input[j]) { j += 1 }
                guard j > exponentStart else { return nil }
            }
            return j
        }

        private func word(_ text: StaticString) -> Int? {
            let count = text.utf8CodeUnitCount
            guard count <= input.count - i else { return nil }
            let matched = text.withUTF8Buffer { w in (0..<count).allSatisfy { input[i + $0] == w[$0] } }
            return matched ? i + count : nil
        }

        /// A string at `i` (on its opening quote): a span of the input, or unescaped into the arena.
        mutating func string(into batch: inout EventBatch) -> ByteSpan? {
            i += 1
            let start = i
            var escaped = false
            while i < input.count {
                let c = input[i]
                if c == UInt8(ascii: "\"") { break }
                if c == UInt8(ascii: "\\") { escaped = true; i += 2; continue }
                if c < 0x20 { return nil }
                i += 1
            }
            guard i < input.count else { return nil }
            let end = i
            i += 1
            guard escaped else { return input.span(start, end) }
            let spanStart = batch.arenaCount
            var bytes: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
            var k = start
            while k < end {
                let c = input[k]
                guard c == UInt8(ascii: "\\") else {
                    var run = k
                    while run < end, input[run] != UInt8(ascii: "\\") { run += 1 }
                    batch.appendBytes(input.raw(k, run))
                    k = run
                    continue
                }
                guard let (count, next) = JSONFlattener.unescape(input, k, end, &bytes) else { return nil }
                withUnsafeBytes(of: &bytes) { batch.appendBytes(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
                k = next
            }
            return batch.span(from: spanStart)
        }

        /// A member name at `i`, unescaped onto `scratch.name`.
        mutating func appendKey(to scratch: ParseScratch) -> Bool {
            i += 1
            var bytes: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
            while i < input.count {
                let c = input[i]
                if c == UInt8(ascii: "\"") { i += 1; return true }
                if c < 0x20 { return false }
                if c == UInt8(ascii: "\\") {
                    var end = i + 1
                    while end < input.count, input[end] != UInt8(ascii: "\"") { end += input[end] == UInt8(ascii: "\\") ? 2 : 1 }
                    guard let (count, next) = JSONFlattener.unescape(input, i, min(end, input.count), &bytes) else { return false }
                    withUnsafeBytes(of: &bytes) { scratch.name.append(contentsOf: $0[0..<count]) }
                    i = next
                    continue
                }
                scratch.name.append(c)
                i += 1
            }
            return false
        }
    }

    /// The escape at `k` (on its backslash) as UTF-8 in `out`; returns the byte count and the index after it.
    static func unescape(_ input: StageInput, _ k: Int, _ end: Int, _ out: inout (UInt8, UInt8, UInt8, UInt8)) -> (Int, Int)? {
        guard k + 1 < end else { return nil }
        let simple: UInt8
        switch input[k + 1] {
        case UInt8(ascii: "\""): simple = 0x22
        case UInt8(ascii: "\\"): simple = 0x5C
        case UInt8(ascii: "/"): simple = 0x2F
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"):
            guard var scalar = hex4(input, k + 2, end) else { return nil }
            var next = k + 6
            if scalar >= 0xD800, scalar < 0xDC00 {
                if next + 1 < end, input[next] == UInt8(ascii: "\\"), input[next + 1] == UInt8(ascii: "u"),
                   let low = hex4(input, next + 2, end), low >= 0xDC00, low < 0xE000 {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    next += 6
                } else {
                    scalar = 0xFFFD
                }
            } else if scalar >= 0xDC00, scalar < 0xE000 {
                scalar = 0xFFFD
            }
            return (encodeUTF8(scalar, &out), next)
        default:
            return nil
        }
        out.0 = simple
        return (1, k + 2)
    }

    private static func hex4(_ input: StageInput, _ at: Int, _ end: Int) -> UInt32? {
        guard at + 4 <= end else { return nil }
        var value: UInt32 = 0
        for k in at..<(at + 4) {
            let c = input[k]
            let digit: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c - 48
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c - 87
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c - 55
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    private static func encodeUTF8(_ scalar: UInt32, _ out: inout (UInt8, UInt8, UInt8, UInt8)) -> Int {
        switch scalar {
        case 0..<0x80:
            out.0 = UInt8(scalar)
            return 1
        case 0x80..<0x800:
            out.0 = UInt8(0xC0 | scalar >> 6); out.1 = UInt8(0x80 | scalar & 0x3F)
            return 2
        case 0x800..<0x10000:
            out.0 = UInt8(0xE0 | scalar >> 12); out.1 = UInt8(0x80 | scalar >> 6 & 0x3F); out.2 = UInt8(0x80 | scalar & 0x3F)
            return 3
        default:
            out.0 = UInt8(0xF0 | scalar >> 18); out.1 = UInt8(0x80 | scalar >> 12 & 0x3F)
            out.2 = UInt8(0x80 | scalar >> 6 & 0x3F); out.3 = UInt8(0x80 | scalar & 0x3F)
            return 4
        }
    }
}

/// Appends a non-negative integer's decimal digits.
func appendDecimal(_ value: Int, to bytes: inout [UInt8]) {
    if value >= 10 { appendDecimal(value / 10, to: &bytes) }
    bytes.append(UInt8(48 + value % 10))
}
