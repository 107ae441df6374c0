/// Write-back pacing of the active segment under `--fsync none` and `interval=MS`: which range of the file
/// to hand to the kernel's write-back next (`sync_file_range`, see ``SegmentFile/startWriteback(from:count:)``).
///
/// Without it the segment's dirty pages pile up in the page cache until something forces them out all at
/// once: the fdatasync that seals the segment at rotation (on the writer thread, with every append behind
/// it waiting), or the kernel's flusher every few seconds. Started a chunk at a time as the records are
/// written, each write-back is small and the seal finds little left to flush.
///
/// Guarantees: pure (no I/O, no clock); a range is offered only once at least `chunkBytes` past the end of
/// the last started range are written; ranges start and end on page boundaries (the page still being
/// appended to is left for later), never overlap, never pass the written end, and follow each other without
/// gaps except over what an fdatasync already wrote (``covered(upTo:)``).
struct WritebackPacer: Equatable {
    static let pageBytes = 4096

    let chunkBytes: Int
    /// End of the last range write-back was started for.
    private(set) var startedEnd: Int

    init(chunkBytes: Int, from offset: Int) {
        precondition(chunkBytes >= Self.pageBytes)
        self.chunkBytes = chunkBytes
        startedEnd = Self.pageFloor(offset)
    }

    /// The file starts over at `offset` (a new segment, a segment reopened, or cut back after a failure).
    mutating func restart(at offset: Int) {
        startedEnd = Self.pageFloor(offset)
    }

    /// The range to start write-back for now that the file is written up to `writtenEnd`; nil until a
    /// whole chunk waits.
    func due(writtenEnd: Int) -> Range<Int>? {
        let end = Self.pageFloor(writtenEnd)
        guard end - startedEnd >= chunkBytes else { return nil }
        return startedEnd..<end
    }

    /// Write-back was started for `range` (the one ``due(writtenEnd:)`` offered). A range that could not
    /// be started is not recorded, so the next one covers it too.
    mutating func started(_ range: Range<Int>) {
        startedEnd = max(startedEnd, range.upperBound)
    }

    /// An fdatasync wrote everything up to `offset`: no write-back is needed below it, and the next chunk
    /// counts from there (under `interval=MS` the syncs keep the backlog short, and pacing then stays out of
    /// their way).
    mutating func covered(upTo offset: Int) {
        startedEnd = max(startedEnd, Self.pageFloor(offset))
    }

    private static func pageFloor(_ offset: Int) -> Int { max(0, offset) & ~(pageBytes - 1) }
}
