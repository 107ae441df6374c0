import CLZ4
import EventModel

/// Decodes records back into events, from untrusted bytes.
///
/// Guarantees: pure (no I/O); for any input it returns (never traps, never loops beyond the input's length);
/// on `.invalid` the batch is left exactly as it was; its buffers (events and fields being prepared, and
/// the decompression scratch of the rare fallback) are reused across calls.
public struct WALRecordDecoder {
    private var scratch: [UInt8] = []
    private var events: [Event] = []
    private var fields: [Field] = []
    private var fieldsParsed = 0

    public init() {}

    /// Decoding a record: complete (the header and the bytes it took), need more bytes (total wanted), or invalid.
    public enum Result: Sendable, Equatable {
        case complete(WALRecordHeader)
        case needMore(Int)
        case invalid(String)
    }

    /// Checks the record at the start of `bytes` (header limits, length, checksum) and appends its events
    /// to `batch`.
    public mutating func decode(_ bytes: UnsafeRawBufferPointer, into batch: inout EventBatch) -> Result {
        let header: WALRecordHeader
        switch WALRecordHeader.parse(bytes) {
        case .complete(let parsed): header = parsed
        case .needMore(let total): return .needMore(total)
        case .invalid(let reason): return .invalid(reason)
        }
        guard bytes.count >= header.recordLength else { return .needMore(header.recordLength) }
        guard WALRecordHeader.checksumMatches(bytes, header: header) else { return .invalid("checksum mismatch") }
        let payload = UnsafeRawBufferPointer(rebasing: bytes[WALFormat.recordHeaderSize..<header.recordLength])
        if let reason = decodePayload(payload, header: header, into: &batch) { return .invalid(reason) }
        return .complete(header)
    }

    /// Decodes a payload whose checksum the caller already verified; nil on success, else the reason.
    /// The layout is decompressed straight into the batch's arena (no scratch and copy) and the events'
    /// spans point into it; events and fields are prepared in reused buffers and appended with one copy each.
    public mutating func decodePayload(_ payload: UnsafeRawBufferPointer, header: WALRecordHeader, into batch: inout EventBatch) -> String? {
        let length = header.uncompressedLength
        let arenaBefore = batch.arenaCount
        guard arenaBefore + length <= Int(Int32.max) else { return decodeApart(payload, header: header, into: &batch) }
        let unpacked = batch.appendArenaBytes(count: length) { Self.unpack(payload, header: header, into: $0) }
        guard unpacked else {
            batch.truncateArena(to: arenaBefore)
            return "LZ4 payload does not decompress to its length"
        }
        let fieldsBefore = batch.fields.count
        let failure = batch.withBytes(ByteSpan(start: Int32(arenaBefore), count: Int32(length))) { layout in
            parse(layout, arenaStart: arenaBefore, firstField: fieldsBefore, header: header)
        }
        if let failure {
            batch.truncateArena(to: arenaBefore)
            return failure
        }
        appendParsed(header.eventCount, into: &batch)
        return nil
    }

    /// The layout of a payload, into `out` (exactly its uncompressed length); false when it does not fit.
    private static func unpack(_ payload: UnsafeRawBufferPointer, header: WALRecordHeader, into out: UnsafeMutableRawBufferPointer) -> Bool {
        guard header.isCompressed else {
            guard payload.count == out.count else { return false }
            if let source = payload.baseAddress, let destination = out.baseAddress { destination.copyMemory(from: source, byteCount: out.count) }
            return true
        }
        guard let source = payload.baseAddress, let destination = out.baseAddress, payload.count > 0 else { return false }
        let produced = LZ4_decompress_safe(source.assumingMemoryBound(to: CChar.self), destination.assumingMemoryBound(to: CChar.self),
                                           Int32(payload.count), Int32(out.count))
        return produced >= 0 && Int(produced) == out.count
    }

    /// Parses the layout into `events`/`fields`, growing them as needed; nil on success, else the reason.
    private mutating func parse(_ layout: UnsafeRawBufferPointer, arenaStart: Int, firstField: Int, header: WALRecordHeader) -> String? {
        var parser = LayoutParser(layout, arenaStart: arenaStart, firstField: firstField, header: header)
        while true {
            let outcome = events.withUnsafeMutableBufferPointer { events in
                fields.withUnsafeMutableBufferPointer { fields in parser.run(events: events, fields: fields) }
            }
            switch outcome {
            case .done:
                fieldsParsed = parser.fieldCount
                return nil
            case .invalid(let reason):
                return reason
            case .needEvents:
                // Grows with the events actually parsed, not with the (untrusted) count in the header.
                let target = min(header.eventCount, max(64, events.count * 2))
                events.append(contentsOf: repeatElement(Self.blankEvent, count: target - events.count))
            case .needFields(let next):
                let target = max(256, fields.count * 2, parser.fieldCount + next)
                fields.append(contentsOf: repeatElement(Field(nameSpan: .empty, valueSpan: .empty), count: target - fields.count))
            }
        }
    }

    private func appendParsed(_ eventCount: Int, into batch: inout EventBatch) {
        events.withUnsafeBufferPointer { events in
            fields.withUnsafeBufferPointer { fields in
                batch.append(events: UnsafeBufferPointer(rebasing: events[0..<eventCount]),
                             fields: UnsafeBufferPointer(rebasing: fields[0..<fieldsParsed]))
            }
        }
    }

    /// When the batch's arena is too full for Int32 spans to reach a layout appended to it: decompress into
    /// scratch and copy each span's bytes on its own (what the batch's own appends do).
    private mutating func decodeApart(_ payload: UnsafeRawBufferPointer, header: WALRecordHeader, into batch: inout EventBatch) -> String? {
        let length = header.uncompressedLength
        if scratch.count < length { scratch = [UInt8](repeating: 0, count: length) }
        let unpacked = scratch.withUnsafeMutableBytes { Self.unpack(payload, header: header, into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<length])) }
        guard unpacked else { return "LZ4 payload does not decompress to its length" }
        let failure = scratch.withUnsafeBytes { all in
            parse(UnsafeRawBufferPointer(rebasing: all[0..<length]), arenaStart: 0, firstField: 0, header: header)
        }
        if let failure { return failure }
        scratch.withUnsafeBytes { all in
            let layout = UnsafeRawBufferPointer(rebasing: all[0..<length])
            for event in events[0..<header.eventCount] {
                batch.beginEvent(rawstring: batch.store(layout.slice(event.rawstring)), ingestMillis: event.ingestMillis)
                batch.setTimestamp(millis: event.timestampMillis, nanos: event.timestampNanos)
                batch.setTimezone(batch.store(layout.slice(event.timezone)))
                for field in fields[Int(event.firstField)..<Int(event.firstField + event.fieldCount)] {
                    let name = batch.store(layout.slice(field.name))
                    batch.addField(name: name, value: batch.store(layout.slice(field.value)))
                }
            }
        }
        return nil
    }

    private static let blankEvent = Event(rawstring: .empty, timezone: .empty, millis: 0, nanos: -1, ingestMillis: 0,
                                          firstField: 0, fieldCount: 0)
}
