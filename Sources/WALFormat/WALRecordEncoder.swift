import CLZ4
import EventModel

/// A finished record except for its first sequence, which the writer assigns (see `docs/wal.md`).
///
/// Guarantees: `bytes` holds the whole record (header and payload); the writer only stores the first
/// sequence and finishes the checksum over the header, never touching the payload.
public struct WALRecord: Sendable {
    public let bytes: [UInt8]
    public let eventCount: Int
    /// Size of the event layout before compression.
    public let uncompressedBytes: Int
    public let payloadCRC: UInt32

    public init(bytes: [UInt8], eventCount: Int, uncompressedBytes: Int, payloadCRC: UInt32) {
        self.bytes = bytes
        self.eventCount = eventCount
        self.uncompressedBytes = uncompressedBytes
        self.payloadCRC = payloadCRC
    }
}

/// Encodes and LZ4-compresses an ``EventBatch`` into a ``WALRecord`` on the calling thread.
///
/// Guarantees: pure (no I/O); the layout and compression scratch buffers are reused across calls, so in
/// steady state the only allocation per call is the record's own (exact-size) buffer, none per event.
/// Buffers that grew for large batches are given back by ``ScratchRetention/requestBuffers``.
public struct WALRecordEncoder {
    private var layout: [UInt8] = []
    private var layoutCount = 0
    private var output: [UInt8] = []
    private let lz4 = LZ4Stream()
    private var retention = ScratchRetention.requestBuffers
    /// Whether records use format version 3's references (``WALFormat/flagReferences``).
    public let references: Bool

    /// `references: false` writes the version-2 layout (every name and value literal), which only
    /// tools and tests that produce older segments need.
    public init(references: Bool = true) {
        self.references = references
    }

    /// Bytes the scratch buffers hold between calls.
    public var scratchCapacity: Int { layout.count + output.count }

    /// The uncompressed event layout of the last ``encode(_:)`` (for benchmarks and tools).
    public func withLastLayout<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try layout.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<layoutCount])) }
    }

    /// Encodes every event of `batch`. Fails only when the layout would exceed ``WALFormat/maxPayloadBytes``
    /// (or the batch is empty, which the caller should not append).
    public mutating func encode(_ batch: EventBatch) throws(WALRecordTooLarge) -> WALRecord {
        precondition(!batch.isEmpty, "a record holds at least one event")
        var minTimestamp = Int64.max
        var maxTimestamp = Int64.min
        var bound = 0
        let maxVarint = LayoutWriter.maxVarintBytes
        for event in batch.events {
            minTimestamp = min(minTimestamp, event.timestampMillis)
            maxTimestamp = max(maxTimestamp, event.timestampMillis)
            bound += 6 * maxVarint + Int(event.timezone.count) + Int(event.rawstring.count)
                + Int(event.fieldCount) * 2 * maxVarint
        }
        for field in batch.fields {
            bound += Int(field.name.count) + Int(field.value.count)
        }
        guard bound <= WALFormat.maxPayloadBytes * 2 else { throw WALRecordTooLarge(bytes: bound) }
        if layout.count < bound { layout = [UInt8](repeating: 0, count: bound) }

        // A reference is only written where it is shorter than the literal, so the bound holds for both.
        let references = self.references
        let used = layout.withUnsafeMutableBytes { scratch in
            Self.writeLayout(batch, minTimestamp: minTimestamp, references: references, into: scratch)
        }
        layoutCount = used
        guard used <= WALFormat.maxPayloadBytes else { throw WALRecordTooLarge(bytes: used) }
        let record = compress(used: used, eventCount: batch.count, minTimestamp: minTimestamp, maxTimestamp: maxTimestamp)
        retainScratch(used: used)
        return record
    }

    /// Records the buffers' use by a batch whose layout took `used` bytes, and gives them back by
    /// ``retention``'s rule.
    private mutating func retainScratch(used: Int) {
        guard retention.shouldRelease(capacity: scratchCapacity, used: 2 * used) else { return }
        releaseLargeScratch()
    }

    /// Gives back buffers over the retention limit (an idle thread's, for one): the last layout is kept
    /// when it fits the limit, and is empty otherwise.
    public mutating func releaseLargeScratch() {
        guard scratchCapacity > retention.limit else { return }
        layout = layoutCount <= retention.limit ? Array(layout[0..<layoutCount]) : []
        layoutCount = layout.count
        output = []
    }

    /// A layout of a single event shorter than this is stored without LZ4: within one short line LZ4 finds
    /// almost nothing to match, yet compressing is most of the work of encoding such a request. Two or more
    /// events repeat each other's structure, so they are always compressed. The format allows either (flag
    /// bit 0). `sluice wal bench --batch 1` measures it (perf/wal-bench.md).
    static let singleEventCompressBytes = 512

    /// Compresses the layout into the reused `output` scratch (header space first), then copies the finished
    /// record into an array of its exact size: the scratch is sized for LZ4's worst case, which for large
    /// batches would otherwise be a fresh mmap'd (page-faulting) allocation per record.
    private mutating func compress(used: Int, eventCount: Int, minTimestamp: Int64, maxTimestamp: Int64) -> WALRecord {
        let headerSize = WALFormat.recordHeaderSize
        let capacity = headerSize + Int(LZ4_compressBound(Int32(used)))
        if output.count < capacity { output = [UInt8](repeating: 0, count: capacity) }
        var payloadCRC: UInt32 = 0
        let tryLZ4 = eventCount > 1 || used >= Self.singleEventCompressBytes
        let recordLength = layout.withUnsafeBytes { source in
            output.withUnsafeMutableBytes { record in
                let payloadStart = record.baseAddress! + headerSize
                let compressed = !tryLZ4 ? 0 : lz4.compress(UnsafeRawBufferPointer(rebasing: source[0..<used]),
                                                            into: UnsafeMutableRawBufferPointer(start: payloadStart, count: capacity - headerSize))
                let lz4 = compressed > 0 && Int(compressed) < used
                let payloadLength = lz4 ? Int(compressed) : used
                if !lz4 { payloadStart.copyMemory(from: source.baseAddress!, byteCount: used) }
                payloadCRC = WALRecordHeader.payloadChecksum(UnsafeRawBufferPointer(start: payloadStart, count: payloadLength))
                let header = WALRecordHeader(
                    recordLength: headerSize + payloadLength, checksum: 0, firstSequence: 0,
                    eventCount: eventCount,
                    flags: (lz4 ? WALFormat.flagLZ4 : 0) | (references ? WALFormat.flagReferences : 0),
                    minTimestamp: minTimestamp, maxTimestamp: maxTimestamp, uncompressedLength: used)
                header.write(into: record)
                WALRecordHeader.finish(record: UnsafeMutableRawBufferPointer(rebasing: record[0..<(headerSize + payloadLength)]),
                                       firstSequence: 0, payloadCRC: payloadCRC)
                return headerSize + payloadLength
            }
        }
        let bytes = Array(output[0..<recordLength])
        return WALRecord(bytes: bytes, eventCount: eventCount, uncompressedBytes: used, payloadCRC: payloadCRC)
    }
}

extension UnsafeRawBufferPointer {
    /// The bytes of an arena span (spans are valid by ``EventBatch``'s guarantee).
    func slice(_ span: ByteSpan) -> UnsafeRawBufferPointer {
        let start = Int(span.start)
        return UnsafeRawBufferPointer(rebasing: self[start..<(start + Int(span.count))])
    }
}

/// A batch whose encoded events exceed ``WALFormat/maxPayloadBytes``: one record cannot hold it.
public struct WALRecordTooLarge: Error, Sendable, Equatable {
    /// The encoded size (or its bound) that did not fit.
    public var bytes: Int

    public init(bytes: Int) { self.bytes = bytes }
}
