import EventModel
import JSONStream

/// Turns a JSON object into fields: nested objects flattened with dots (`a.b.c`), arrays with indices
/// (`tags[0]`), strings unescaped, numbers and booleans as written, `null` as the string `null`; empty
/// objects and arrays add no field. With `setTimestamp`, a top-level `@timestamp` (ISO-8601 string or
/// epoch-milliseconds number) becomes the event's time instead of a field (kept as a field if unreadable).
///
/// Reads with ``JSONReader`` (validating, depth ≤ 64) over the scratch copy: values without escapes are
/// spans into the input, composed names are built in ``ParseScratch/name``. Duplicate names are all kept.
enum JSONFlattener {
    static let maxDepth = 64

    static func parse(_ input: StageInput, setTimestamp: Bool, into batch: inout EventBatch, scratch: ParseScratch) -> StaticString? {
        var reader = JSONReader(input.bytes, maxDepth: maxDepth)
        scratch.name.removeAll(keepingCapacity: true)
        do {
            guard try reader.peek() == .object else { return "json: not a JSON object" }
            try value(&reader, input, setTimestamp: setTimestamp, into: &batch, scratch: scratch)
            try reader.finish()
        } catch {
            return reason(error)
        }
        return nil
    }

    /// Reads one value, adding fields under the name in `scratch.name`.
    private static func value(_ reader: inout JSONReader, _ input: StageInput, setTimestamp: Bool = false,
                              into batch: inout EventBatch, scratch: ParseScratch) throws(JSONError) {
        switch try reader.peek() {
        case .object:
            try reader.beginObject()
            let prefixCount = scratch.name.count
            while let name = try reader.nextMember() {
                if prefixCount > 0 { scratch.name.append(UInt8(ascii: ".")) }
                reader.forEachUnescapedChunk(of: name) { scratch.name.append(contentsOf: $0) }
                if setTimestamp, reader.equals(name, "@timestamp"), try timestamp(&reader, input, into: &batch) {
                    scratch.name.removeSubrange(prefixCount...)
                    continue
                }
                try value(&reader, input, into: &batch, scratch: scratch)
                scratch.name.removeSubrange(prefixCount...)
            }
        case .array:
            try reader.beginArray()
            let prefixCount = scratch.name.count
            var index = 0
            while try reader.nextElement() {
                scratch.name.append(UInt8(ascii: "["))
                appendDecimal(index, to: &scratch.name)
                scratch.name.append(UInt8(ascii: "]"))
                try value(&reader, input, into: &batch, scratch: scratch)
                scratch.name.removeSubrange(prefixCount...)
                index += 1
            }
        case .string:
            let string = try reader.readString()
            let span: ByteSpan
            if string.hasEscapes {
                let start = batch.arenaCount
                reader.forEachUnescapedChunk(of: string) { batch.appendBytes($0) }
                span = batch.span(from: start)
            } else {
                span = input.span(string.span.start, string.span.end)
            }
            addField(span, &batch, scratch)
        case .number:
            let number = try reader.readNumber()
            addField(input.span(number.span.start, number.span.end), &batch, scratch)
        case .bool, .null:
            let start = reader.offset  // `peek` has skipped the whitespace
            if try reader.peek() == .null { try reader.readNull() } else { _ = try reader.readBool() }
            addField(input.span(start, reader.offset), &batch, scratch)
        }
    }

    /// Reads a top-level `@timestamp` as the event's time; false (nothing consumed) when it is not a
    /// readable ISO-8601 string or epoch-milliseconds number, so it is kept as a field instead.
    private static func timestamp(_ reader: inout JSONReader, _ input: StageInput, into batch: inout EventBatch) throws(JSONError) -> Bool {
        var lookahead = reader
        switch try lookahead.peek() {
        case .string:
            let string = try lookahead.readString()
            guard !string.hasEscapes, let t = TimestampParser.iso8601(input.bytes, from: string.span.start),
                  t.end == string.span.end else { return false }
            batch.setTimestamp(millis: t.millis, nanos: t.nanos)
            if t.zoneCount > 0 { batch.setTimezone(input.span(t.zoneStart, t.zoneStart + t.zoneCount)) }
        case .number:
            let number = try lookahead.readNumber()
            guard let t = TimestampParser.epoch(input.bytes, from: number.span.start, unit: .milliseconds),
                  t.end == number.span.end else { return false }
            batch.setTimestamp(millis: t.millis, nanos: t.nanos)
        default:
            return false
        }
        reader = lookahead
        return true
    }

    private static func addField(_ value: ByteSpan, _ batch: inout EventBatch, _ scratch: ParseScratch) {
        guard !scratch.name.withUnsafeBytes({ EventBatch.isReservedName($0) }) else { return }
        let name = scratch.name.withUnsafeBytes { batch.store($0) }
        batch.addField(name: name, value: value)
    }

    static func reason(_ error: JSONError) -> StaticString {
        switch error.reason {
        case .unexpectedEnd: "json: unexpected end of input"
        case .unexpectedByte: "json: unexpected byte"
        case .expectedValue: "json: expected a value"
        case .expectedColon: "json: expected ':'"
        case .expectedCommaOr: "json: expected ',' or a closing bracket"
        case .expectedMemberName: "json: expected a member name"
        case .invalidLiteral: "json: invalid literal"
        case .invalidNumber: "json: invalid number"
        case .invalidEscape: "json: invalid escape sequence"
        case .controlCharacterInString: "json: control character in string"
        case .invalidUTF8: "json: invalid UTF-8"
        case .tooDeep: "json: nested too deeply"
        case .trailingData: "json: trailing bytes after the object"
        case .wrongType: "json: unexpected value type"
        }
    }
}

/// Appends a non-negative integer's decimal digits.
func appendDecimal(_ value: Int, to bytes: inout [UInt8]) {
    if value >= 10 { appendDecimal(value / 10, to: &bytes) }
    bytes.append(UInt8(48 + value % 10))
}
