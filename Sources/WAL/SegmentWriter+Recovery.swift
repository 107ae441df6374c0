#if canImport(Glibc)
import WALFormat
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging

extension SegmentWriter {
    /// The active segment after recovery: where appending resumes.
    struct Recovered {
        var file: any SegmentFile
        var segmentFirstSequence: UInt64
        var endOffset: Int
        var nextSequence: UInt64
        var sealed: [SegmentRef]
        /// Uncompressed bytes of the active segment's records (``SegmentRef/ingestBytes``).
        var ingestBytes = 0
    }

    /// Opens a repository's log for appending: creates the folder and a first segment when there is none,
    /// otherwise scans the last segment and cuts it at the first short, damaged or out-of-sequence record
    /// (logging and counting the non-zero bytes cut), or where its zero-filled reserve starts. A last
    /// segment of an older format version is sealed and a new one started after it: records are encoded
    /// before the writer knows its segment, so every segment appended to must be of the current version.
    static func recover(directory: SegmentDirectory, fs: any SegmentFileSystem, repository: String,
                        metrics: RepositoryMetrics, logger: Logger) throws(SegmentIOError) -> Recovered {
        try fs.createDirectories(directory.path)
        var segments = try directory.segments(fs)
        guard let last = segments.popLast() else {
            let file = try createSegment(directory: directory, fs: fs, firstSequence: 0)
            return Recovered(file: file, segmentFirstSequence: 0, endOffset: WALFormat.segmentHeaderSize, nextSequence: 0, sealed: [])
        }
        let file = try fs.open(last.path, create: false)
        do throws(SegmentIOError) {
            let size = try file.size()
            let header = try SegmentScanner.readHeader(file)
            guard case .complete(let parsed) = header, parsed.firstSequence == last.firstSequence else {
                // A crash while the segment was being created, or a damaged header: start it again empty
                // (unless a later build wrote it).
                let reason: String
                switch header {
                case .complete: reason = "segment header names another first sequence"
                case .needMore: reason = "segment shorter than its header"
                case .invalid(let why): reason = why
                case .newer(let version):
                    // Written by a later build: refuse to open the repository rather than cut what it wrote.
                    throw SegmentIOError(call: SegmentHeader.newerVersionReason(version) + "; not recovering", path: last.path, code: ENOTSUP)
                }
                try cut(file, at: 0, bytes: size, path: last.path, reason: reason, repository: repository, metrics: metrics, logger: logger)
                try file.writeAll(SegmentHeader.encode(firstSequence: last.firstSequence), at: 0)
                try file.sync()
                return Recovered(file: file, segmentFirstSequence: last.firstSequence, endOffset: WALFormat.segmentHeaderSize,
                                 nextSequence: last.firstSequence, sealed: segments)
            }
            var scanner = SegmentScanner(file: file, fileSize: size, version: parsed.version)
            var expected = last.firstSequence
            var ingestBytes = 0
            func resume(at offset: Int, cutting reason: String?) throws(SegmentIOError) -> Recovered {
                if offset < size {
                    let dataEnd = try scanner.dataEnd(from: offset)
                    try cut(file, at: offset, bytes: dataEnd - offset, path: last.path, reason: reason ?? "data after the reserve started",
                            repository: repository, metrics: metrics, logger: logger)
                }
                guard parsed.version < WALFormat.formatVersion else {
                    return Recovered(file: file, segmentFirstSequence: last.firstSequence, endOffset: offset,
                                     nextSequence: expected, sealed: segments, ingestBytes: ingestBytes)
                }
                if offset == WALFormat.segmentHeaderSize {
                    // No records: rewrite it as an empty segment of the current version.
                    try file.writeAll(SegmentHeader.encode(firstSequence: last.firstSequence), at: 0)
                    try file.sync()
                    return Recovered(file: file, segmentFirstSequence: last.firstSequence, endOffset: offset,
                                     nextSequence: expected, sealed: segments)
                }
                try file.sync()
                let next = try createSegment(directory: directory, fs: fs, firstSequence: expected)
                file.close()
                var sealedLast = last
                sealedLast.ingestBytes = ingestBytes
                return Recovered(file: next, segmentFirstSequence: expected, endOffset: WALFormat.segmentHeaderSize,
                                 nextSequence: expected, sealed: segments + [sealedLast])
            }
            while true {
                switch try scanner.next() {
                case .record(let record, let offset):
                    if record.firstSequence != expected {
                        return try resume(at: offset, cutting: "record sequence \(record.firstSequence), expected \(expected)")
                    }
                    expected = record.nextSequence
                    ingestBytes += record.uncompressedLength
                case .end(let offset), .reserve(let offset):
                    return try resume(at: offset, cutting: nil)
                case .torn(let offset, let reason), .corrupt(let offset, let reason):
                    return try resume(at: offset, cutting: reason)
                }
            }
        } catch {
            file.close()
            throw error
        }
    }

    /// Truncates the segment at `offset` (dropping the reserve too) and, when `bytes` of data went with it,
    /// logs and counts them.
    private static func cut(_ file: any SegmentFile, at offset: Int, bytes: Int, path: String, reason: String,
                            repository: String, metrics: RepositoryMetrics, logger: Logger) throws(SegmentIOError) {
        try file.truncate(to: offset)
        try file.sync()
        guard bytes > 0 else { return }
        metrics.truncatedBytes.add(bytes, ordering: .relaxed)
        logger.warning("WAL recovery cut the tail of the last segment", metadata: [
            "repository": "\(repository)", "segment": "\(path)", "offset": "\(offset)",
            "bytes_cut": "\(bytes)", "reason": "\(reason)",
        ])
    }

    /// Creates an empty segment (header only) and makes its directory entry durable.
    static func createSegment(directory: SegmentDirectory, fs: any SegmentFileSystem,
                              firstSequence: UInt64) throws(SegmentIOError) -> any SegmentFile {
        let path = directory.segmentPath(firstSequence)
        let file = try fs.open(path, create: true)
        do throws(SegmentIOError) {
            try file.writeAll(SegmentHeader.encode(firstSequence: firstSequence), at: 0)
            try fs.syncDirectory(directory.path)
            return file
        } catch {
            file.close()
            try? fs.remove(path)
            throw error
        }
    }
}
