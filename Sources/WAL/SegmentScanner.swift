import WALFormat

/// Reads a segment's records one after the other, checking each one's limits and checksum.
///
/// Guarantees: never trusts a length before its header passed ``WALRecordHeader/parse(_:)``; stops at the
/// first bad or incomplete record and says which (`torn`: the file ends inside it; `corrupt`: its bytes are
/// wrong, or uses a feature its segment's version does not have; `reserve`: the zero-filled reserve of a
/// version-2 or later segment starts there); reads ahead in blocks into one reused buffer, never past `fileSize`.
struct SegmentScanner {
    enum Step: Equatable {
        /// A record whose bytes are available through ``withRecord(_:)`` until the next step.
        case record(WALRecordHeader, offset: Int)
        /// The file ends exactly after the previous record.
        case end(offset: Int)
        /// The file ends inside the record starting at `offset`.
        case torn(offset: Int, reason: String)
        /// The record at `offset` is damaged.
        case corrupt(offset: Int, reason: String)
        /// A zero record length at `offset`: the segment's zero-filled reserve (not yet written) starts here.
        /// Only in segments that allow one; bytes after it are zero unless a write was torn there.
        case reserve(offset: Int)
    }

    private let file: any SegmentFile
    private let version: UInt16
    private let allowsReserve: Bool
    private let allowsReferences: Bool
    private(set) var fileSize: Int
    private(set) var offset: Int
    /// File bytes `windowStart ..< windowStart + windowCount`, read ahead in blocks of ``blockBytes``.
    private var buffer: [UInt8] = []
    private var windowStart = 0
    private var windowCount = 0
    private var recordStart = 0
    private var recordLength = 0

    /// Bytes read at once: one `pread` serves many small records (reads per record would make replay of
    /// small records syscall-bound), while a large record is read just before it is decoded, still in the
    /// cache, which much larger blocks would not be. `sluice wal bench` measures it (perf/wal-bench.md).
    static let blockBytes = 64 << 10

    /// Starts after the segment header; `fileSize` bounds what is read; `version` is the segment header's:
    /// before version 2 a zero length is a damaged record, before version 3 so is a record with references.
    init(file: any SegmentFile, fileSize: Int, version: UInt16, offset: Int = WALFormat.segmentHeaderSize) {
        self.file = file
        self.fileSize = fileSize
        self.version = version
        allowsReserve = version >= WALFormat.reserveVersion
        allowsReferences = version >= WALFormat.referencesVersion
        self.offset = offset
    }

    /// Reads and checks the segment header.
    static func readHeader(_ file: any SegmentFile) throws(SegmentIOError) -> SegmentHeader.Parse {
        var bytes = [UInt8](repeating: 0, count: WALFormat.segmentHeaderSize)
        let got = try readFully(file, into: &bytes, range: 0..<WALFormat.segmentHeaderSize, at: 0)
        return bytes[0..<got].withUnsafeBytes { SegmentHeader.parse($0) }
    }

    /// Lets a follower see what was written since the scanner read ahead: bytes appended, records written
    /// into the reserve (which does not change the size), or the reserve cut off when the segment was sealed.
    mutating func refresh(fileSize size: Int) {
        fileSize = size
        windowCount = 0
    }

    /// The end of the last non-zero byte at or after `start` (`start` itself when all is zero): how much
    /// data a cut at `start` throws away, not counting the reserve's zeros.
    mutating func dataEnd(from start: Int) throws(SegmentIOError) -> Int {
        var end = start
        var position = start
        while position < fileSize {
            guard try load(position, count: min(Self.blockBytes, fileSize - position)) else { break }
            let lastNonZero = buffer.withUnsafeBytes { all in
                UnsafeRawBufferPointer(rebasing: all[(position - windowStart)..<windowCount]).lastIndex { $0 != 0 }
            }
            if let lastNonZero { end = position + lastNonZero + 1 }
            position = windowStart + windowCount
        }
        return end
    }

    mutating func next() throws(SegmentIOError) -> Step {
        let remaining = fileSize - offset
        if remaining == 0 { return .end(offset: offset) }
        let start = offset
        if allowsReserve, remaining >= 4, try load(start, count: 4),
           buffer.withUnsafeBytes({ $0.le(start - windowStart, as: UInt32.self) }) == 0 {
            return .reserve(offset: start)
        }
        let headerSize = WALFormat.recordHeaderSize
        if remaining < headerSize { return .torn(offset: offset, reason: "\(remaining) bytes, fewer than a record header") }
        if try !load(start, count: headerSize) { return .torn(offset: offset, reason: "file ended inside a record header") }
        let parsed = buffer.withUnsafeBytes {
            WALRecordHeader.parse(UnsafeRawBufferPointer(rebasing: $0[(start - windowStart)..<(start - windowStart + headerSize)]))
        }
        let header: WALRecordHeader
        switch parsed {
        case .complete(let value): header = value
        case .needMore: return .torn(offset: offset, reason: "file ended inside a record header")
        case .invalid(let reason): return .corrupt(offset: offset, reason: reason)
        }
        if header.hasReferences && !allowsReferences {
            return .corrupt(offset: offset, reason: "record with references in a version-\(version) segment")
        }
        if header.recordLength > remaining {
            return .torn(offset: offset, reason: "record of \(header.recordLength) bytes, \(remaining) left in the file")
        }
        if try !load(start, count: header.recordLength) { return .torn(offset: offset, reason: "file ended inside a record payload") }
        let matches = buffer.withUnsafeBytes {
            WALRecordHeader.checksumMatches(UnsafeRawBufferPointer(rebasing: $0[(start - windowStart)..<(start - windowStart + header.recordLength)]),
                                            header: header)
        }
        if !matches { return .corrupt(offset: offset, reason: "checksum mismatch") }
        recordStart = start
        recordLength = header.recordLength
        offset += header.recordLength
        return .record(header, offset: start)
    }

    /// Makes file bytes `start ..< start + count` (within `fileSize`) available in the window, reading a
    /// block from `start` when they are not; bytes of the window from `start` on (a record header whose
    /// payload runs past the window) are kept and only the rest is read. False when the file holds fewer.
    private mutating func load(_ start: Int, count: Int) throws(SegmentIOError) -> Bool {
        let windowEnd = windowStart + windowCount
        if start >= windowStart && start + count <= windowEnd { return true }
        let wanted = min(max(count, Self.blockBytes), fileSize - start)
        var kept = 0
        if start >= windowStart && start < windowEnd {
            kept = windowEnd - start
            let from = start - windowStart
            if from > 0 {
                buffer.withUnsafeMutableBytes { all in
                    all.baseAddress!.copyMemory(from: all.baseAddress! + from, byteCount: kept)
                }
            }
        }
        if buffer.count < wanted { buffer.append(contentsOf: repeatElement(0, count: wanted - buffer.count)) }
        windowStart = start
        windowCount = kept
        if wanted > kept {
            windowCount += try Self.readFully(file, into: &buffer, range: kept..<wanted, at: start + kept)
        }
        return windowCount >= count
    }

    /// The uncompressed bytes of a sealed segment's records, read from their headers alone (one 48-byte
    /// read per record, no payload): what retention by ingest size counts for a segment this process did not
    /// write. Stops at the first header that is short, out of limits or zero (the end, or damage a reader
    /// reports); nil when the file cannot be read.
    static func ingestBytes(path: String, fs: any SegmentFileSystem) -> Int? {
        guard let file = try? fs.openForReading(path) else { return nil }
        defer { file.close() }
        guard let size = try? file.size() else { return nil }
        var header = [UInt8](repeating: 0, count: WALFormat.recordHeaderSize)
        var offset = WALFormat.segmentHeaderSize
        var total = 0
        while offset + WALFormat.recordHeaderSize <= size {
            guard let got = try? readFully(file, into: &header, range: 0..<WALFormat.recordHeaderSize, at: offset),
                  got == WALFormat.recordHeaderSize,
                  case .complete(let parsed) = header.withUnsafeBytes({ WALRecordHeader.parse($0) }),
                  offset + parsed.recordLength <= size else { break }
            total += parsed.uncompressedLength
            offset += parsed.recordLength
        }
        return total
    }

    static func readFully(_ file: any SegmentFile, into buffer: inout [UInt8], range: Range<Int>, at offset: Int) throws(SegmentIOError) -> Int {
        let result: Result<Int, SegmentIOError> = buffer.withUnsafeMutableBytes { out in
            do throws(SegmentIOError) {
                return .success(try file.readFully(into: UnsafeMutableRawBufferPointer(rebasing: out[range]), at: offset))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Offset of the record the last `.record` step returned.
    var recordOffset: Int { recordStart }

    /// Steps back to `start`, the offset of the record the last `.record` step returned, so the next step
    /// returns it again (a follower leaving a record for later).
    mutating func unread(_ start: Int) {
        precondition(start == recordStart && start + recordLength == offset)
        offset = start
    }

    /// The bytes of the record the last `.record` step returned.
    func withRecord<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let from = recordStart - windowStart
        return try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[from..<(from + recordLength)])) }
    }
}
