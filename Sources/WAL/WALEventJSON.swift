import CByteScan
import EventModel
import JSONStream

/// Writes events as one JSON object per line (NDJSON) for `sluice wal cat`.
///
/// Guarantees: the output is valid JSON whatever the bytes: strings are escaped per RFC 8259, and bytes
/// that are not valid UTF-8 become U+FFFD; keys are `@timestamp`, `@timestamp.nanos` (only when present),
/// `@timezone` (`Z` when empty), `@rawstring`, `@ingesttimestamp`, optionally `@sequence`, then the fields
/// and `#` tags in their stored order.
public enum WALEventJSON {
    public static func appendLine(_ batch: EventBatch, event index: Int, sequence: UInt64? = nil, to out: inout [UInt8]) {
        let event = batch.events[index]
        out.append(contentsOf: #"{"@timestamp":"#.utf8)
        appendInteger(event.timestampMillis, to: &out)
        if event.timestampNanos >= 0 {
            out.append(contentsOf: #","@timestamp.nanos":"#.utf8)
            appendInteger(Int64(event.timestampNanos), to: &out)
        }
        out.append(contentsOf: #","@timezone":"#.utf8)
        if event.timezone.count == 0 {
            out.append(contentsOf: #""Z""#.utf8)
        } else {
            batch.withBytes(event.timezone) { appendString($0, to: &out) }
        }
        out.append(contentsOf: #","@rawstring":"#.utf8)
        batch.withBytes(event.rawstring) { appendString($0, to: &out) }
        out.append(contentsOf: #","@ingesttimestamp":"#.utf8)
        appendInteger(event.ingestMillis, to: &out)
        if let sequence {
            out.append(contentsOf: #","@sequence":"#.utf8)
            out.append(contentsOf: String(sequence).utf8)
        }
        for field in batch.fields(of: index) {
            out.append(UInt8(ascii: ","))
            batch.withBytes(field.name) { appendString($0, to: &out) }
            out.append(UInt8(ascii: ":"))
            batch.withBytes(field.value) { appendString($0, to: &out) }
        }
        out.append(contentsOf: "}\n".utf8)
    }

    /// Decimal digits written straight into `out` (no intermediate String).
    static func appendInteger(_ value: Int64, to out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits = 1
        var scale: UInt64 = 10
        while digits < 20, magnitude >= scale {
            digits += 1
            scale = scale &* 10
        }
        let end = out.count + digits
        out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: digits))
        out.withUnsafeMutableBufferPointer { buffer in
            var index = end
            repeat {
                index -= 1
                buffer[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
        }
    }

    /// A JSON string literal for `bytes`. Runs of bytes that need no escaping are copied in one append,
    /// found sixteen bytes at a time.
    public static func appendString(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            out.append(UInt8(ascii: "\""))
            return
        }
        let count = bytes.count
        var index = 0
        var run = 0
        while index < count {
            if index + 16 <= count {
                let mask = sluice_json_string_attention16(base + index)
                if mask == 0 {
                    index += 16
                    continue
                }
                index += mask.trailingZeroBitCount
            } else {
                let byte = base[index]
                if byte >= 0x20, byte < 0x80, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
                    index += 1
                    continue
                }
            }
            if run < index { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[run..<index])) }
            let byte = base[index]
            if byte < 0x80 {
                appendASCII(byte, to: &out)
                index += 1
            } else {
                let length = validSequenceLength(bytes, at: index)
                if length == 0 {
                    out.append(contentsOf: "\\ufffd".utf8)
                    index += 1
                } else {
                    out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[index..<(index + length)]))
                    index += length
                }
            }
            run = index
        }
        if run < count { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[run..<count])) }
        out.append(UInt8(ascii: "\""))
    }

    private static func appendASCII(_ byte: UInt8, to out: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\""): out.append(contentsOf: "\\\"".utf8)
        case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
        case UInt8(ascii: "\n"): out.append(contentsOf: "\\n".utf8)
        case UInt8(ascii: "\r"): out.append(contentsOf: "\\r".utf8)
        case UInt8(ascii: "\t"): out.append(contentsOf: "\\t".utf8)
        case 0..<0x20:
            let low = byte & 0xF
            out.append(contentsOf: "\\u00".utf8)
            out.append(UInt8(ascii: "0") + (byte >> 4))
            out.append(low < 10 ? UInt8(ascii: "0") + low : UInt8(ascii: "a") + low - 10)
        default: out.append(byte)
        }
    }

    /// Length of the well-formed UTF-8 sequence starting at `index` (2...4), or 0 when it is not one.
    static func validSequenceLength(_ bytes: UnsafeRawBufferPointer, at index: Int) -> Int {
        guard let (length, second) = UTF8Sequence.shape(lead: bytes[index]), index + length <= bytes.count,
              second.contains(bytes[index + 1])
        else { return 0 }
        for offset in 2..<length where !UTF8Sequence.isContinuation(bytes[index + offset]) { return 0 }
        return length
    }
}
