import EventModel
import Foundation
import Testing
@testable import WAL
@testable import WALFormat

struct WALReaderTests {
    /// (segment bytes, reserve bytes): with a reserve, records land in zeros already in the file, so the
    /// reader must see them although the size does not change, and must follow the reserve's cut at sealing.
    @Test(arguments: [(64, 0), (1 << 20, 0), (1 << 20, 4096), (1200, 512)])
    func followingSeesAppendsAcrossRotations(_ segmentBytes: Int, _ reserveBytes: Int) throws {
        let dir = TemporaryDirectory()
        var options = WALOptions(dataDirectory: dir.path)
        options.segmentBytes = segmentBytes
        options.reserveBytes = reserveBytes
        let store = try WALStore(options: options, logger: testLogger)
        let log = try store.log(for: "follow")
        var reader = try WALReader(dataDirectory: dir.path, repository: "follow")
        var batch = EventBatch()
        for round in 0..<12 {
            let samples = logLines("f\(round)", count: 2 + round)
            let position = try log.appendAndWait(samples).get()
            batch.removeAll()
            guard case .record(let header, 0) = reader.next(into: &batch) else {
                Issue.record("round \(round): no record")
                return
            }
            #expect(header.firstSequence == position.firstSequence)
            #expect(batch.samples == samples)
            batch.removeAll()
            #expect(reader.next(into: &batch) == .endOfLog)
        }
        store.shutdown()
    }

    /// A record not wholly below the durable watermark is left for later, then returned once it is; the
    /// stored bytes handed out are the record as written, and decode to its events.
    @Test func leavesRecordsAtOrPastTheLimitForLater() throws {
        let dir = TemporaryDirectory()
        let store = try WALStore(options: WALOptions(dataDirectory: dir.path), logger: testLogger)
        let log = try store.log(for: "limit")
        _ = try log.appendAndWait(logLines("a", count: 3)).get()
        _ = try log.appendAndWait(logLines("b", count: 4)).get()
        #expect(log.durableNextSequence == 7)
        var reader = try WALReader(dataDirectory: dir.path, repository: "limit")
        var batch = EventBatch()
        guard case .record(let first, 0) = reader.nextRecord(upTo: 5) else { Issue.record("no first record"); return }
        #expect(first.firstSequence == 0 && reader.position == 3)
        let stored = reader.withRecordBytes { Array($0) }
        #expect(stored.count == first.recordLength)
        var decoder = WALRecordDecoder()
        var fromBytes = EventBatch()
        #expect(stored.withUnsafeBytes { decoder.decode($0, into: &fromBytes) } == .complete(first))
        #expect(fromBytes.samples == logLines("a", count: 3))
        #expect(reader.next(into: &batch, upTo: 5) == .endOfLog)
        #expect(reader.next(into: &batch, upTo: 6) == .endOfLog)
        guard case .record(let second, 0) = reader.next(into: &batch, upTo: 7) else { Issue.record("no second record"); return }
        #expect(second.firstSequence == 3 && batch.samples == logLines("b", count: 4) && reader.position == 7)
        store.shutdown()
    }

    @Test func startsInsideARecord() throws {
        let dir = TemporaryDirectory()
        let store = try WALStore(options: WALOptions(dataDirectory: dir.path), logger: testLogger)
        _ = try store.log(for: "mid").appendAndWait(logLines("a", count: 10)).get()
        store.shutdown()
        var reader = try WALReader(dataDirectory: dir.path, repository: "mid", from: 4)
        var batch = EventBatch()
        let header = try #require(try firstHeader(dir, "mid"))
        #expect(reader.next(into: &batch) == .record(header, firstIncluded: 4))
        #expect(reader.logExists)
        #expect(try WALReader(dataDirectory: dir.path, repository: "absent").logExists == false)
    }

    func firstHeader(_ dir: TemporaryDirectory, _ repository: String) throws -> WALRecordHeader? {
        let path = dir.walPath(repository) + "/" + WALFormat.segmentFileName(firstSequence: 0)
        var scanner = SegmentScanner(file: try PosixFileSystem().openForReading(path), fileSize: dir.size(path), version: WALFormat.formatVersion)
        if case .record(let header, _) = try scanner.next() { return header }
        return nil
    }

    @Test func verifyAndStatsDescribeACleanLog() throws {
        let dir = TemporaryDirectory()
        var options = WALOptions(dataDirectory: dir.path)
        options.segmentBytes = 64
        let store = try WALStore(options: options, logger: testLogger)
        for name in ["a", "b/c"] {
            let log = try store.log(for: name)
            for round in 0..<3 { _ = try log.appendAndWait(logLines("\(name)\(round)", count: 2, base: 1000 * Int64(round))).get() }
        }
        store.shutdown()
        let report = WALVerifier.verify(dataDirectory: dir.path, repository: nil)
        #expect(report.isClean, "\(report.problems)")
        #expect(report.repositories == 2 && report.segments == 6 && report.records == 6 && report.events == 12)
        let stats = WALStats.collect(dataDirectory: dir.path)
        #expect(stats.map(\.repository) == ["a", "b/c"])
        #expect(stats[1].segments == 3 && stats[1].events == 6 && stats[1].firstSequence == 0 && stats[1].lastSequence == 5)
        #expect(stats[1].minTimestamp == 0 && stats[1].maxTimestamp == 2001 && stats[1].damaged == 0)
        #expect(stats[1].bytesUncompressed > 0 && stats[1].bytesOnDisk > stats[1].segments * WALFormat.segmentHeaderSize)
    }

    @Test func verifyReportsAMissingSegmentAsASequenceGap() throws {
        let dir = TemporaryDirectory()
        var options = WALOptions(dataDirectory: dir.path)
        options.segmentBytes = 64
        let store = try WALStore(options: options, logger: testLogger)
        let log = try store.log(for: "gap")
        for round in 0..<3 { _ = try log.appendAndWait(logLines("g\(round)", count: 2)).get() }
        store.shutdown()
        try FileManager.default.removeItem(atPath: dir.walPath("gap") + "/" + WALFormat.segmentFileName(firstSequence: 2))
        let report = WALVerifier.verify(dataDirectory: dir.path, repository: "gap")
        #expect(report.problems.count == 1)
        #expect(report.problems.first?.reason.contains("previous one ended at 2") == true)
    }
}
