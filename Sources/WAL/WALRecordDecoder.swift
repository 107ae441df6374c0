import CLZ4
import EventModel

/// Decodes records back into events, from untrusted bytes.
///
/// Guarantees: pure (no I/O); for any input it returns (never traps, never loops beyond the input's length);
/// on `.invalid` the batch is left exactly as it was; the decompression buffer is reused across calls.
public struct WALRecordDecoder {
    private var scratch: [UInt8] = []

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
    mutating func decodePayload(_ payload: UnsafeRawBufferPointer, header: WALRecordHeader, into batch: inout EventBatch) -> String? {
        guard header.isCompressed else { return decodeLayout(payload, header: header, into: &batch) }
        if scratch.count < header.uncompressedLength { scratch = [UInt8](repeating: 0, count: header.uncompressedLength) }
        let produced: Int32 = scratch.withUnsafeMutableBytes { out in
            guard let source = payload.baseAddress, let destination = out.baseAddress, payload.count > 0 else { return -1 }
            return LZ4_decompress_safe(source.assumingMemoryBound(to: CChar.self), destination.assumingMemoryBound(to: CChar.self),
                                       Int32(payload.count), Int32(header.uncompressedLength))
        }
        guard produced >= 0, Int(produced) == header.uncompressedLength else { return "LZ4 payload does not decompress to its length" }
        return scratch.withUnsafeBytes { layout in
            decodeLayout(UnsafeRawBufferPointer(rebasing: layout[0..<header.uncompressedLength]), header: header, into: &batch)
        }
    }

    private func decodeLayout(_ layout: UnsafeRawBufferPointer, header: WALRecordHeader, into batch: inout EventBatch) -> String? {
        let eventsBefore = batch.count
        let arenaBefore = batch.arenaCount
        if let reason = appendEvents(layout, header: header, into: &batch) {
            while batch.count > eventsBefore { batch.removeLastEvent() }
            batch.truncateArena(to: arenaBefore)
            return reason
        }
        return nil
    }

    /// Appends the record's events. When the batch's arena can address it, the whole layout is copied into
    /// the arena with one copy and every span points into that copy (the few varint bytes between spans
    /// ride along); otherwise each span's bytes are copied on their own.
    private func appendEvents(_ layout: UnsafeRawBufferPointer, header: WALRecordHeader, into batch: inout EventBatch) -> String? {
        let base = batch.arenaCount
        let bulk = base + layout.count <= Int(Int32.max)
        if bulk { batch.appendBytes(layout) }
        let start = layout.baseAddress!
        func span(_ bytes: UnsafeRawBufferPointer, _ batch: inout EventBatch) -> ByteSpan {
            guard bulk else { return batch.store(bytes) }
            let offset = bytes.baseAddress.map { $0 - start } ?? 0
            return ByteSpan(start: Int32(base + offset), count: Int32(bytes.count))
        }
        var reader = LayoutReader(layout)
        // Wrapping arithmetic is the format's definition (docs/wal.md, event layout), not a speed shortcut.
        var previousIngest = header.minTimestamp
        let range = UInt64(bitPattern: header.maxTimestamp &- header.minTimestamp)
        for _ in 0..<header.eventCount {
            guard let offset = reader.uvarint(), offset <= range else { return "event timestamp outside the record's range" }
            guard let nanosPlusOne = reader.uvarint(), nanosPlusOne <= 1_000_000 else { return "bad @timestamp.nanos" }
            guard let ingestDelta = reader.zvarint() else { return "bad @ingesttimestamp" }
            guard let timezone = reader.bytes(), let rawstring = reader.bytes() else { return "event bytes run past the payload" }
            guard let fieldCount = reader.uvarint(), fieldCount <= UInt64(layout.count) else { return "bad field count" }
            let ingest = previousIngest &+ ingestDelta
            previousIngest = ingest
            batch.beginEvent(rawstring: span(rawstring, &batch), ingestMillis: ingest)
            batch.setTimestamp(millis: header.minTimestamp &+ Int64(bitPattern: offset),
                               nanos: nanosPlusOne == 0 ? -1 : Int32(nanosPlusOne - 1))
            batch.setTimezone(span(timezone, &batch))
            for _ in 0..<Int(fieldCount) {
                guard let name = reader.bytes(), let value = reader.bytes() else { return "field bytes run past the payload" }
                batch.addField(name: span(name, &batch), value: span(value, &batch))
            }
        }
        guard reader.isAtEnd else { return "bytes after the last event" }
        return nil
    }
}
