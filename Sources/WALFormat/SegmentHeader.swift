import CSystemShims

/// The 32-byte header at the start of every segment file (see `docs/wal.md`).
///
/// Guarantees: ``parse(_:)`` accepts only this format's magic, a version this reader knows and a matching
/// header checksum; a sound header of a later version is reported as `.newer`, never as damage, so that
/// nothing cuts a segment an upgraded writer made.
public struct SegmentHeader: Sendable, Equatable {
    public var version: UInt16
    public var firstSequence: UInt64

    public enum Parse: Equatable {
        case complete(SegmentHeader)
        case needMore
        case invalid(String)
        /// Magic and checksum are right, the version is above every version this build reads.
        case newer(version: UInt16)
    }

    /// What readers, `verify` and recovery say of a segment of a newer version.
    public static func newerVersionReason(_ version: UInt16) -> String {
        "segment format version \(version) is newer than this build reads (up to \(WALFormat.formatVersion))"
    }

    public static func parse(_ bytes: UnsafeRawBufferPointer) -> Parse {
        let size = WALFormat.segmentHeaderSize
        guard bytes.count >= size else { return .needMore }
        guard bytes.prefix(8).elementsEqual(WALFormat.segmentMagic) else { return .invalid("not a Sluice WAL segment (bad magic)") }
        let crc = sluice_crc32c(0, bytes.baseAddress!, size - 4)
        guard crc == bytes.le(28, as: UInt32.self) else { return .invalid("segment header checksum mismatch") }
        let version = bytes.le(8, as: UInt16.self)
        if version > WALFormat.readableVersions.upperBound { return .newer(version: version) }
        guard WALFormat.readableVersions.contains(version), Int(bytes.le(10, as: UInt16.self)) == size else {
            return .invalid("unsupported segment format version \(version)")
        }
        return .complete(SegmentHeader(version: version, firstSequence: bytes.le(16, as: UInt64.self)))
    }

    /// The header bytes of a new segment.
    public static func encode(firstSequence: UInt64, version: UInt16 = WALFormat.formatVersion) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: WALFormat.segmentHeaderSize)
        bytes.withUnsafeMutableBytes { out in
            WALFormat.segmentMagic.withUnsafeBytes { out.copyMemory(from: $0) }
            out.storeLE(version, at: 8)
            out.storeLE(UInt16(WALFormat.segmentHeaderSize), at: 10)
            out.storeLE(firstSequence, at: 16)
            out.storeLE(sluice_crc32c(0, out.baseAddress!, WALFormat.segmentHeaderSize - 4), at: 28)
        }
        return bytes
    }
}
