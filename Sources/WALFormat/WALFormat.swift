/// Constants of the on-disk format described in `docs/wal.md` (format version 3; versions 1 and 2 are still read).
///
/// Guarantees: these values are the single source of truth for the writer, the reader, recovery and the
/// tools; changing any of them is a format change and bumps ``formatVersion``.
public enum WALFormat {
    /// The version written into every new segment header.
    public static let formatVersion: UInt16 = 3
    /// Versions this reader understands. Version 2 adds the zero-filled reserve: a segment may end in zero
    /// bytes after its last record, and a record length of 0 marks where they start. Version 3 adds
    /// references in the event layout (``flagReferences``).
    public static let readableVersions: ClosedRange<UInt16> = 1...3
    /// The first version whose segments may end in a zero-filled reserve.
    public static let reserveVersion: UInt16 = 2
    /// The first version whose records may carry ``flagReferences``.
    public static let referencesVersion: UInt16 = 3
    /// `SLUICWAL` in ASCII.
    public static let segmentMagic: [UInt8] = Array("SLUICWAL".utf8)
    public static let segmentHeaderSize = 32
    public static let recordHeaderSize = 48
    /// Largest uncompressed event layout (and stored payload) a record may carry.
    public static let maxPayloadBytes = 1 << 30
    /// Flag bit: the payload is an LZ4 block (otherwise the layout is stored raw).
    public static let flagLZ4: UInt16 = 1
    /// Flag bit: a field name in the layout is literal bytes or the name of the previous event's field at an
    /// index, a field value literal bytes or a slice of the event's `@rawstring` (`docs/wal.md`, references);
    /// only in segments of version 3 and later.
    public static let flagReferences: UInt16 = 2
    /// Every flag bit a record may carry.
    public static let knownFlags: UInt16 = flagLZ4 | flagReferences
    /// Segment file name suffix.
    public static let segmentSuffix = ".seg"
    /// Digits in a segment file name.
    public static let segmentNameDigits = 20

    /// `00000000000000000042.seg` for sequence 42.
    public static func segmentFileName(firstSequence: UInt64) -> String {
        let digits = String(firstSequence)
        return String(repeating: "0", count: max(0, segmentNameDigits - digits.count)) + digits + segmentSuffix
    }

    /// The first sequence in a segment file name, or nil when the name is not a segment's.
    public static func firstSequence(fromFileName name: String) -> UInt64? {
        guard name.hasSuffix(segmentSuffix) else { return nil }
        let digits = name.dropLast(segmentSuffix.count)
        guard digits.utf8.count == segmentNameDigits, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return UInt64(digits)
    }
}
