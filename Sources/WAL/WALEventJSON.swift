import EventModel
import JSONStream

/// Writes events as one JSON object per line (NDJSON) for `sluice wal cat` and `sluice parse`.
///
/// Guarantees: the output is valid JSON whatever the bytes: strings are escaped per RFC 8259, and bytes
/// that are not valid UTF-8 become U+FFFD; keys are `@timestamp`, `@timestamp.nanos` (only when present),
/// `@timezone` (`Z` when empty), `@rawstring`, `@ingesttimestamp` (unless `ingestTimestamp` is false), optionally
/// `@sequence`, then the fields and `#` tags in their stored order.
///
/// How: the lines of a batch are written through a pointer into one buffer sized for the worst case (every
/// string byte escaped as `\u00XX`), so a line costs no bounds or capacity check per byte; strings are scanned
/// sixteen bytes at a time (CByteScan) and copied in runs between the bytes that need escaping.
public enum WALEventJSON {
    /// Appends the line of event `index` (with `@sequence` when `sequence` is given).
    public static func appendLine(_ batch: EventBatch, event index: Int, sequence: UInt64? = nil, ingestTimestamp: Bool = true,
                                  to out: inout [UInt8]) {
        appendLines(batch, events: index..<(index + 1), firstSequence: sequence, ingestTimestamp: ingestTimestamp, to: &out)
    }

    /// Appends the lines of events `range`; with `firstSequence`, event `i` gets `@sequence` = firstSequence + (i - range start).
    public static func appendLines(_ batch: EventBatch, events range: Range<Int>, firstSequence: UInt64? = nil,
                                   ingestTimestamp: Bool = true, to out: inout [UInt8]) {
        guard !range.isEmpty else { return }
        let lines = [UInt8](unsafeUninitializedCapacity: maxBytes(batch, events: range)) { buffer, count in
            count = writeLines(batch, events: range, firstSequence: firstSequence, ingestTimestamp: ingestTimestamp,
                               into: UnsafeMutableRawBufferPointer(buffer))
        }
        if out.isEmpty { out = lines } else { out.append(contentsOf: lines) }
    }

    /// The most bytes ``writeLines(_:events:firstSequence:ingestTimestamp:into:)`` can write for `range`.
    public static func maxBytes(_ batch: EventBatch, events range: Range<Int>) -> Int {
        var bound = LineWriter.slack
        for index in range { bound += maxLineBytes(batch, event: index) }
        return bound
    }

    /// Writes the lines of events `range` at the start of `target`, which holds at least
    /// ``maxBytes(_:events:)`` bytes (checked), and returns how many it wrote: for a caller that reuses one
    /// output buffer.
    public static func writeLines(_ batch: EventBatch, events range: Range<Int>, firstSequence: UInt64? = nil,
                                  ingestTimestamp: Bool = true, into target: UnsafeMutableRawBufferPointer) -> Int {
        precondition(target.count >= maxBytes(batch, events: range), "writeLines needs maxBytes of room")
        guard !range.isEmpty else { return 0 }
        var writer = LineWriter(target.baseAddress!.assumingMemoryBound(to: UInt8.self))
        for index in range {
            let sequence = firstSequence.map { $0 &+ UInt64(index - range.lowerBound) }
            writer.line(batch, event: index, sequence: sequence, ingestTimestamp: ingestTimestamp)
        }
        return writer.count
    }

    /// A JSON string literal for `bytes` (``JSONStringWriter``, the project's one escaper).
    public static func appendString(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        JSONStringWriter.append(bytes, to: &out)
    }

    /// The most bytes the line of event `index` can take: fixed keys and integers, and six bytes per string byte.
    static func maxLineBytes(_ batch: EventBatch, event index: Int) -> Int {
        let event = batch.events[index]
        var bound = 256 + 6 * (Int(event.timezone.count) + Int(event.rawstring.count))
        for field in batch.fields(of: index) { bound += 6 + 6 * (Int(field.name.count) + Int(field.value.count)) }
        return bound
    }
}

/// Writes JSON at a pointer into memory the caller sized with ``WALEventJSON/maxLineBytes(_:event:)`` plus
/// ``slack`` (the sixteen-byte string step may copy up to sixteen bytes past what it keeps).
private struct LineWriter {
    static let slack = JSONStringWriter.slack
    let start: UnsafeMutablePointer<UInt8>
    var at: UnsafeMutablePointer<UInt8>

    init(_ start: UnsafeMutablePointer<UInt8>) {
        self.start = start
        at = start
    }

    var count: Int { start.distance(to: at) }

    mutating func line(_ batch: EventBatch, event index: Int, sequence: UInt64?, ingestTimestamp: Bool) {
        let event = batch.events[index]
        literal(#"{"@timestamp":"#)
        integer(event.timestampMillis)
        if event.timestampNanos >= 0 {
            literal(#","@timestamp.nanos":"#)
            integer(Int64(event.timestampNanos))
        }
        literal(#","@timezone":"#)
        if event.timezone.count == 0 {
            literal(#""Z""#)
        } else {
            batch.withBytes(event.timezone) { string($0) }
        }
        literal(#","@rawstring":"#)
        batch.withBytes(event.rawstring) { string($0) }
        if ingestTimestamp {
            literal(#","@ingesttimestamp":"#)
            integer(event.ingestMillis)
        }
        if let sequence {
            literal(#","@sequence":"#)
            unsigned(sequence)
        }
        for field in batch.fields(of: index) {
            byte(UInt8(ascii: ","))
            batch.withBytes(field.name) { string($0) }
            byte(UInt8(ascii: ":"))
            batch.withBytes(field.value) { string($0) }
        }
        literal("}\n")
    }

    @inline(__always)
    mutating func byte(_ value: UInt8) {
        at.pointee = value
        at += 1
    }

    @inline(__always)
    mutating func literal(_ text: StaticString) {
        let count = text.utf8CodeUnitCount
        UnsafeMutableRawPointer(at).copyMemory(from: text.utf8Start, byteCount: count)
        at += count
    }

    mutating func integer(_ value: Int64) {
        if value < 0 { byte(UInt8(ascii: "-")) }
        unsigned(value.magnitude)
    }

    /// "00" to "99": integers are written two digits per division.
    private static let digitPairs: StaticString = """
        00010203040506070809101112131415161718192021222324252627282930313233343536373839\
        4041424344454647484950515253545556575859606162636465666768697071727374757677787980\
        81828384858687888990919293949596979899
        """

    mutating func unsigned(_ value: UInt64) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: UInt64.max has 20 digits
        let count = withUnsafeMutableBytes(of: &digits) { scratch -> Int in
            let pairs = Self.digitPairs.utf8Start
            var rest = value
            var index = scratch.count
            while rest >= 100 {
                let pair = Int(rest % 100) &* 2
                rest /= 100
                index -= 2
                scratch[index] = pairs[pair]
                scratch[index + 1] = pairs[pair + 1]
            }
            if rest >= 10 {
                index -= 2
                scratch[index] = pairs[Int(rest) &* 2]
                scratch[index + 1] = pairs[Int(rest) &* 2 + 1]
            } else {
                index -= 1
                scratch[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest)
            }
            let count = scratch.count - index
            UnsafeMutableRawPointer(at).copyMemory(from: scratch.baseAddress! + index, byteCount: count)
            return count
        }
        at += count
    }

    /// A JSON string literal (``JSONStringWriter``).
    @inline(__always)
    mutating func string(_ bytes: UnsafeRawBufferPointer) {
        at = JSONStringWriter.write(bytes, at: at)
    }
}
