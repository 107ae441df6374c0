import CSystemShims

/// The fixed 48-byte header in front of every record (see `docs/wal.md`).
///
/// Guarantees: ``parse(_:)`` accepts only headers within the format's limits, so a caller can size buffers
/// from a parsed header without trusting anything else in the file.
public struct WALRecordHeader: Sendable, Equatable {
    public var recordLength: Int
    public var checksum: UInt32
    public var firstSequence: UInt64
    public var eventCount: Int
    public var flags: UInt16
    public var minTimestamp: Int64
    public var maxTimestamp: Int64
    public var uncompressedLength: Int

    public var payloadLength: Int { recordLength - WALFormat.recordHeaderSize }
    public var isCompressed: Bool { flags & WALFormat.flagLZ4 != 0 }
    /// Whether the layout's field names and values may be references (format version 3).
    public var hasReferences: Bool { flags & WALFormat.flagReferences != 0 }
    /// The sequence after this record's last event (wrapping: a damaged header must not trap a reader).
    public var nextSequence: UInt64 { firstSequence &+ UInt64(eventCount) }

    /// Parsing a header: complete, need more bytes (how many in total), or invalid with a reason.
    public enum Parse: Sendable, Equatable {
        case complete(WALRecordHeader)
        case needMore(Int)
        case invalid(String)
    }

    /// Parses and checks the limits of a header at the start of `bytes`.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> Parse {
        guard bytes.count >= WALFormat.recordHeaderSize else { return .needMore(WALFormat.recordHeaderSize) }
        let length = Int(bytes.le(0, as: UInt32.self))
        let header = WALRecordHeader(
            recordLength: length,
            checksum: bytes.le(4, as: UInt32.self),
            firstSequence: bytes.le(8, as: UInt64.self),
            eventCount: Int(bytes.le(16, as: UInt32.self)),
            flags: bytes.le(20, as: UInt16.self),
            minTimestamp: bytes.le(24, as: Int64.self),
            maxTimestamp: bytes.le(32, as: Int64.self),
            uncompressedLength: Int(bytes.le(40, as: UInt32.self)))
        let reserved = UInt32(bytes.le(22, as: UInt16.self)) | bytes.le(44, as: UInt32.self)
        if let reason = header.limitViolation(reserved: reserved) {
            return .invalid(reason)
        }
        return .complete(header)
    }

    private func limitViolation(reserved: UInt32) -> String? {
        if recordLength < WALFormat.recordHeaderSize { return "record length \(recordLength) shorter than its header" }
        if payloadLength > WALFormat.maxPayloadBytes { return "record length \(recordLength) over the limit" }
        if flags & ~WALFormat.knownFlags != 0 || reserved != 0 { return "unknown flags or reserved bits set" }
        if eventCount < 1 { return "record without events" }
        if minTimestamp > maxTimestamp { return "minimum timestamp after maximum" }
        if uncompressedLength > WALFormat.maxPayloadBytes { return "uncompressed length \(uncompressedLength) over the limit" }
        if isCompressed {
            if uncompressedLength > 255 * payloadLength + 16 { return "uncompressed length beyond LZ4's ratio" }
        } else if uncompressedLength != payloadLength {
            return "stored payload length differs from the uncompressed length"
        }
        // Each event takes at least 6 bytes in the layout.
        if eventCount > uncompressedLength / 6 { return "event count \(eventCount) cannot fit \(uncompressedLength) bytes" }
        return nil
    }

    /// Writes every field except the checksum into the first 48 bytes of `buffer`.
    public func write(into buffer: UnsafeMutableRawBufferPointer) {
        buffer.storeLE(UInt32(recordLength), at: 0)
        buffer.storeLE(checksum, at: 4)
        buffer.storeLE(firstSequence, at: 8)
        buffer.storeLE(UInt32(eventCount), at: 16)
        buffer.storeLE(flags, at: 20)
        buffer.storeLE(UInt16(0), at: 22)
        buffer.storeLE(minTimestamp, at: 24)
        buffer.storeLE(maxTimestamp, at: 32)
        buffer.storeLE(UInt32(uncompressedLength), at: 40)
        buffer.storeLE(UInt32(0), at: 44)
    }

    /// The record checksum: CRC32C over payload, then header bytes 0..<4 and 8..<48.
    public static func checksum(payloadCRC: UInt32, header: UnsafeRawBufferPointer) -> UInt32 {
        let base = header.baseAddress!
        let afterLength = sluice_crc32c(payloadCRC, base, 4)
        return sluice_crc32c(afterLength, base + 8, WALFormat.recordHeaderSize - 8)
    }

    /// CRC32C of a payload, the first part of the record checksum.
    public static func payloadChecksum(_ payload: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = payload.baseAddress, payload.count > 0 else { return 0 }
        return sluice_crc32c(0, base, payload.count)
    }

    /// True when a whole record (header and payload) carries a matching checksum.
    public static func checksumMatches(_ record: UnsafeRawBufferPointer, header: WALRecordHeader) -> Bool {
        guard record.count >= header.recordLength else { return false }
        let payload = UnsafeRawBufferPointer(rebasing: record[WALFormat.recordHeaderSize..<header.recordLength])
        return checksum(payloadCRC: payloadChecksum(payload), header: record) == header.checksum
    }

    /// Assigns the first sequence of a record the encoder produced and finishes its checksum.
    public static func finish(record: UnsafeMutableRawBufferPointer, firstSequence: UInt64, payloadCRC: UInt32) {
        record.storeLE(firstSequence, at: 8)
        let crc = checksum(payloadCRC: payloadCRC, header: UnsafeRawBufferPointer(record))
        record.storeLE(crc, at: 4)
    }
}
