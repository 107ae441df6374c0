import EventModel
import JSONStream

/// Turns a JSON object into fields: nested objects flattened with dots (`a.b.c`), arrays with indices
/// (`tags[0]`), strings unescaped, numbers and booleans as written, `null` as the string `null`; empty
/// objects and arrays add no field. With `setTimestamp`, a top-level `@timestamp` (ISO-8601 string or
/// epoch-milliseconds number) becomes the event's time instead of a field (kept as a field if unreadable).
///
/// Reads with ``JSONReader`` (validating, depth ≤ 64) over the scratch copy: values without escapes are
/// spans into the input, composed names are built in ``ParseScratch/name`` (moved into a local while parsing). Duplicate names are all kept.
enum JSONFlattener {
    static let maxDepth = 64

    static func parse(_ input: StageInput, setTimestamp: Bool, into batch: inout EventBatch, scratch: ParseScratch) -> StaticString? {
        var reader = JSONReader(input.bytes, maxDepth: maxDepth)
        // The name buffer moves into a local for the parse: no exclusivity checks or retains per member.
        var name: [UInt8] = []
        swap(&name, &scratch.name)
        defer { swap(&name, &scratch.name) }
        name.removeAll(keepingCapacity: true)
        do {
            guard try reader.peek() == .object else { return "json: not a JSON object" }
            try value(&reader, input, setTimestamp: setTimestamp, into: &batch, name: &name)
            try reader.finish()
        } catch {
            return reason(error)
        }
        return nil
    }

    /// Reads one value, adding fields under `name` (the dotted/indexed path so far).
    private static func value(_ reader: inout JSONReader, _ input: StageInput, setTimestamp: Bool = false,
                              into batch: inout EventBatch, name: inout [UInt8]) throws(JSONError) {
        switch try reader.peek() {
        case .object:
            try reader.beginObject()
            let prefixCount = name.count
            while let member = try reader.nextMember() {
                if prefixCount > 0 { name.append(UInt8(ascii: ".")) }
                if member.hasEscapes {
                    reader.forEachUnescapedChunk(of: member) { name.append(contentsOf: $0) }
                } else {
                    name.append(contentsOf: reader.bytes(member.span))
                }
                if setTimestamp, reader.equals(member, "@timestamp"), try timestamp(&reader, input, into: &batch) {
                    name.removeSubrange(prefixCount...)
                    continue
                }
                try value(&reader, input, into: &batch, name: &name)
                name.removeSubrange(prefixCount...)
            }
        case .array:
            try reader.beginArray()
            let prefixCount = name.count
            var index = 0
            while try reader.nextElement() {
                name.append(UInt8(ascii: "["))
                appendDecimal(index, to: &name)
                name.append(UInt8(ascii: "]"))
                try value(&reader, input, into: &batch, name: &name)
                name.removeSubrange(prefixCount...)
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
            addField(span, &batch, name)
        case .number:
            let number = try reader.readNumber()
            addField(input.span(number.span.start, number.span.end), &batch, name)
        case .bool, .null:
            let start = reader.offset  // `peek` has skipped the whitespace
            if try reader.peek() == .null { try reader.readNull() } else { _ = try reader.readBool() }
            addField(input.span(start, reader.offset), &batch, name)
        }
    }

    /// Reads a top-level `@timestamp` as the event's time; false (nothing consumed) when it is not a
    /// readable ISO-8601 string or epoch number (unit by the Sluice rule), so it is kept as a field instead.
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
            guard let t = TimestampParser.epochNumber(input.bytes, from: number.span.start, to: number.span.end) else { return false }
            batch.setTimestamp(millis: t.millis, nanos: t.nanos)
        default:
            return false
        }
        reader = lookahead
        return true
    }

    private static func addField(_ value: ByteSpan, _ batch: inout EventBatch, _ name: [UInt8]) {
        name.withUnsafeBytes { name in
            guard !batch.refusesParsedName(name) else { return }
            let nameSpan = batch.store(name)
            batch.addField(name: nameSpan, value: value)
        }
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
