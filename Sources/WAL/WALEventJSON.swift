import EventModel
import JSONStream

/// Writes events as one JSON object per line (NDJSON) for `sluice wal cat` and `sluice parse`.
///
/// Guarantees: the output is valid JSON whatever the bytes: strings are escaped per RFC 8259, and bytes
/// that are not valid UTF-8 become U+FFFD; keys are `@timestamp`, `@timestamp.nanos` (only when present),
/// `@timezone` (`Z` when empty), `@rawstring`, `@ingesttimestamp` (unless `ingestTimestamp` is false), optionally
/// `@sequence`, then the fields and `#` tags in their stored order.
///
/// Strings are copied in runs: the bytes between two that need escaping (or replacing) go out with one copy.
public enum WALEventJSON {
    public static func appendLine(_ batch: EventBatch, event index: Int, sequence: UInt64? = nil, ingestTimestamp: Bool = true,
                                  to out: inout [UInt8]) {
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
        if ingestTimestamp {
            out.append(contentsOf: #","@ingesttimestamp":"#.utf8)
            appendInteger(event.ingestMillis, to: &out)
        }
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

    static func appendInteger(_ value: Int64, to out: inout [UInt8]) {
        out.append(contentsOf: String(value).utf8)
    }

    /// A JSON string literal for `bytes`.
    public static func appendString(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var index = 0
        var runStart = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte >= 0x20 && byte < 0x80 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                index += 1
                continue
            }
            if byte >= 0x80 {
                let length = validSequenceLength(bytes, at: index)
                if length > 0 {
                    index += length
                    continue
                }
            }
            if index > runStart { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<index])) }
            if byte < 0x80 {
                appendASCII(byte, to: &out)
            } else {
                out.append(contentsOf: "\\ufffd".utf8)
            }
            index += 1
            runStart = index
        }
        if count > runStart { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<count])) }
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
            let hex: [UInt8] = Array("0123456789abcdef".utf8)
            out.append(contentsOf: "\\u00".utf8)
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0xF)])
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
