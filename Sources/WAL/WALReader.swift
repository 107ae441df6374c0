import WALFormat
import EventModel

/// Reads a repository's log record by record, from a sequence on, following it as it grows if asked.
///
/// Guarantees: never traps on damaged files; a damaged record in a sealed segment is reported once as
/// ``Step/corruption(segment:offset:reason:)`` and the rest of that segment skipped; in the active (last)
/// segment a damaged or incomplete tail, or the start of the zero-filled reserve, is reported as the end of
/// the log (it is either being written or will be cut by recovery), so following it simply waits, and the
/// next call reads that part of the file afresh.
public struct WALReader {
    /// What ``next(into:)`` found.
    public enum Step: Sendable, Equatable {
        /// A record; its events were appended to the batch. Events before `firstIncluded` (an index into
        /// the record's events) lie before the requested start sequence and should be skipped.
        case record(WALRecordHeader, firstIncluded: Int)
        /// Nothing more for now; calling again later picks up what was appended since.
        case endOfLog
        /// A damaged sealed segment; reading continues with the next segment.
        case corruption(segment: String, offset: Int, reason: String)
    }

    private let fs: any SegmentFileSystem
    private let directory: SegmentDirectory
    /// The sequence the next record returned must reach past: the start sequence, then the end of the last
    /// record returned.
    public private(set) var position: UInt64
    private var current: SegmentRef?
    private var file: (any SegmentFile)?
    private var scanner: SegmentScanner?
    private var decoder = WALRecordDecoder()

    /// A reader of `repository` under `dataDirectory` starting at sequence `from`.
    public init(dataDirectory: String, repository: String, from: UInt64 = 0) throws(WALError) {
        try self.init(dataDirectory: dataDirectory, repository: repository, from: from, fileSystem: PosixFileSystem())
    }

    init(dataDirectory: String, repository: String, from: UInt64, fileSystem: any SegmentFileSystem) throws(WALError) {
        guard let folder = RepositoryName.escape(repository) else { throw .invalidRepositoryName }
        fs = fileSystem
        directory = SegmentDirectory(dataDirectory: dataDirectory, escapedRepository: folder)
        position = from
    }

    /// True when the repository has at least one segment.
    public var logExists: Bool {
        ((try? directory.segments(fs)) ?? []).isEmpty == false
    }

    /// The next record at or after the start sequence, its events appended to `batch`. A record whose
    /// events are not all below `limit` (the log's durable watermark, for a reader that must not see what
    /// a crash could still take back) is left for a later call, as if not yet written.
    public mutating func next(into batch: inout EventBatch, upTo limit: UInt64 = .max) -> Step {
        switch nextRecord(upTo: limit) {
        case .endOfLog: return .endOfLog
        case .corruption(let segment, let offset, let reason): return .corruption(segment: segment, offset: offset, reason: reason)
        case .record(let header, let firstIncluded):
            if let failure = decodeRecord(header, into: &batch) {
                let offset = scanner?.recordOffset ?? 0
                let segment = current?.path ?? ""
                closeSegment()
                return .corruption(segment: segment, offset: offset, reason: failure)
            }
            return .record(header, firstIncluded: firstIncluded)
        }
    }

    /// The next record like ``next(into:upTo:)``, without decoding it: its stored bytes (header and payload,
    /// as in the segment) are available through ``withRecordBytes(_:)`` until the next call, and
    /// ``decodeRecord(_:into:)`` decodes them.
    public mutating func nextRecord(upTo limit: UInt64 = .max) -> Step {
        var refreshed = false
        while true {
            if scanner == nil {
                switch openNextSegment() {
                case .opened: break
                case .none: return .endOfLog
                case .failed(let segment, let reason):
                    return .corruption(segment: segment.path, offset: 0, reason: reason)
                }
            }
            guard let segment = current else { return .endOfLog }
            let step: SegmentScanner.Step
            do throws(SegmentIOError) {
                step = try scanner!.next()
            } catch {
                // Unreadable now (deleted by retention, or an I/O error): open it afresh next time.
                reopenLater()
                return .corruption(segment: segment.path, offset: 0, reason: error.description)
            }
            switch step {
            case .record(let header, let offset):
                if header.nextSequence <= position { continue }
                if header.nextSequence > limit {
                    scanner!.unread(offset)
                    return .endOfLog
                }
                let skip = header.firstSequence < position ? Int(position - header.firstSequence) : 0
                position = header.nextSequence
                return .record(header, firstIncluded: skip)
            case .end, .torn, .corrupt, .reserve:
                // List before looking at the size: once a later segment exists this one is final (sealed,
                // its reserve cut off), so the size read after the listing is its last.
                let isLast = isLastSegment(segment)
                let size = (try? file?.size()) ?? scanner!.fileSize
                if size != scanner!.fileSize || (!isLast && !refreshed) {
                    // Appended to, sealed, or written into the reserve since the scanner read ahead.
                    scanner!.refresh(fileSize: size)
                    refreshed = true
                    continue
                }
                if isLast {
                    // Records written into the reserve do not change the size: read afresh next time.
                    scanner!.refresh(fileSize: size)
                    return .endOfLog
                }
                closeSegment()
                switch step {
                case .torn(let offset, let reason):
                    return .corruption(segment: segment.path, offset: offset, reason: "sealed segment ends inside a record: \(reason)")
                case .corrupt(let offset, let reason):
                    return .corruption(segment: segment.path, offset: offset, reason: reason)
                default:
                    continue
                }
            }
        }
    }

    /// The stored bytes (header and payload) of the record the last step returned.
    public func withRecordBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try scanner!.withRecord(body)
    }

    /// Decodes the record the last ``nextRecord(upTo:)`` returned into `batch`; nil on success, else the reason
    /// (the batch then unchanged).
    public mutating func decodeRecord(_ header: WALRecordHeader, into batch: inout EventBatch) -> String? {
        let eventsBefore = batch.count
        let failure = scanner!.withRecord { record in
            decoder.decodePayload(UnsafeRawBufferPointer(rebasing: record[WALFormat.recordHeaderSize...]), header: header, into: &batch)
        }
        if failure == nil { precondition(batch.count - eventsBefore == header.eventCount) }
        return failure
    }

    private enum Open {
        case opened
        case none
        case failed(SegmentRef, String)
    }

    /// Opens the segment after the current one (or, at first, the one holding `position`).
    private mutating func openNextSegment() -> Open {
        guard let segments = try? directory.segments(fs), !segments.isEmpty else { return .none }
        let candidate: SegmentRef?
        if let current {
            candidate = segments.first { $0.firstSequence > current.firstSequence }
        } else {
            candidate = segments.last { $0.firstSequence <= position } ?? segments.first
        }
        guard let segment = candidate else { return .none }
        current = segment
        do throws(SegmentIOError) {
            let opened = try fs.openForReading(segment.path)
            let size = try opened.size()
            switch try SegmentScanner.readHeader(opened) {
            case .complete(let header) where header.firstSequence == segment.firstSequence:
                file = opened
                scanner = SegmentScanner(file: opened, fileSize: size, version: header.version)
                return .opened
            case .needMore where isLastSegment(segment):
                // Being created right now: wait for its header.
                opened.close()
                current = segments.last { $0.firstSequence < segment.firstSequence }
                return .none
            case .complete:
                opened.close()
                return .failed(segment, "segment header names another first sequence")
            case .needMore:
                opened.close()
                return .failed(segment, "segment shorter than its header")
            case .invalid(let reason):
                opened.close()
                return .failed(segment, reason)
            case .newer(let version):
                opened.close()
                return .failed(segment, SegmentHeader.newerVersionReason(version))
            }
        } catch {
            // Deleted by retention while listing, or unreadable: report and move on.
            return .failed(segment, error.description)
        }
    }

    private func isLastSegment(_ segment: SegmentRef) -> Bool {
        guard let segments = try? directory.segments(fs) else { return true }
        return !segments.contains { $0.firstSequence > segment.firstSequence }
    }

    /// Forgets the open segment but not where reading stands, so the next call opens it (or, if it is gone,
    /// the one after it) afresh.
    private mutating func reopenLater() {
        closeSegment()
        current = nil
    }

    private mutating func closeSegment() {
        file?.close()
        file = nil
        scanner = nil
    }
}
