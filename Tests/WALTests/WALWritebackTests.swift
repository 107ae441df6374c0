import EventModel
import Testing
@testable import WAL
@testable import WALFormat

/// Write-back pacing of the active segment (``WritebackPacer`` wired into ``SegmentWriter``): under `none` and
/// `interval=MS` the written records are handed to the kernel's write-back chunk by chunk, in order; under
/// `always` never (every round's fdatasync writes them).
struct WALWritebackTests {
    static let chunk = 8192

    /// Appends `rounds` records of 40 events one after another, shuts down, and returns the write-back ranges
    /// started and the segment's data size.
    func run(_ policy: FsyncPolicy, rounds: Int) throws -> (ranges: [Range<Int>], written: Int) {
        let dir = TemporaryDirectory()
        let plan = FaultPlan()
        var options = WALOptions(dataDirectory: dir.path)
        options.fsync = policy
        options.writebackChunkBytes = Self.chunk
        let store = try WALStore(options: options, logger: testLogger, fileSystem: FaultInjectingFileSystem(plan: plan))
        let log = try store.log(for: "w")
        for round in 0..<rounds { _ = try log.appendAndWait(logLines("round-\(round)-", count: 40)).get() }
        store.shutdown()
        let path = dir.walPath("w") + "/" + WALFormat.segmentFileName(firstSequence: 0)
        let ranges = plan.writebacks.withLock { list in list.filter { $0.0 == path }.map(\.1) }
        return (ranges, dir.size(path))
    }

    @Test(arguments: [FsyncPolicy.none, .interval(milliseconds: 60_000)])
    func writtenRecordsAreHandedToWritebackInOrder(_ policy: FsyncPolicy) throws {
        let (ranges, written) = try run(policy, rounds: 200)
        #expect(written > 8 * Self.chunk, "the test writes several chunks")
        #expect(ranges.first?.lowerBound == 0)
        for (a, b) in zip(ranges, ranges.dropFirst()) { #expect(a.upperBound == b.lowerBound, "contiguous, no overlap") }
        for range in ranges {
            #expect(range.count >= Self.chunk && range.lowerBound % 4096 == 0 && range.upperBound % 4096 == 0)
        }
        // The first chunk's write-back always starts (nothing else is in flight then); later ones may be
        // skipped while one runs, so how far they reach depends on the sync queue's thread, not asserted.
        #expect(!ranges.isEmpty)
        #expect((ranges.last?.upperBound ?? 0) <= written)
    }

    @Test func alwaysStartsNoWriteback() throws {
        let (ranges, written) = try run(.always, rounds: 200)
        #expect(written > 8 * Self.chunk)
        #expect(ranges.isEmpty)
    }
}
