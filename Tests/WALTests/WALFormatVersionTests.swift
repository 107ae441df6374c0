import EventModel
import Foundation
import Testing
@testable import WAL
@testable import WALFormat

/// Segments of older format versions (`docs/wal.md`, versions): still read and verified by their own
/// version's rules, and never appended to again: recovery seals an older last segment and starts a new one.
struct WALFormatVersionTests {
    /// Writes a segment of `version` holding one record (no references) of `samples`, first sequence 0.
    func writeOldSegment(_ dir: TemporaryDirectory, _ repository: String, version: UInt16, _ samples: [SampleEvent],
                         references: Bool = false) throws -> String {
        var encoder = WALRecordEncoder(references: references)
        let record = try encoder.encode(EventBatch(samples: samples))
        var bytes = record.bytes
        bytes.withUnsafeMutableBytes { WALRecordHeader.finish(record: $0, firstSequence: 0, payloadCRC: record.payloadCRC) }
        try FileManager.default.createDirectory(atPath: dir.walPath(repository), withIntermediateDirectories: true)
        let path = dir.walPath(repository) + "/" + WALFormat.segmentFileName(firstSequence: 0)
        #expect(FileManager.default.createFile(atPath: path, contents: Data(SegmentHeader.encode(firstSequence: 0, version: version) + bytes)))
        return path
    }

    @Test(arguments: [UInt16(1), 2])
    func olderSegmentsAreReadThenSealedAtStart(_ version: UInt16) throws {
        let dir = TemporaryDirectory()
        let old = logLines("old", count: 5)
        let path = try writeOldSegment(dir, "r", version: version, old)
        let image = FileManager.default.contents(atPath: path)
        #expect(try readAll(dir.path, "r").events.map(\.1) == old)

        let store = try WALStore(options: WALOptions(dataDirectory: dir.path), logger: testLogger)
        let newer = logLines("new", count: 3)
        let position = try store.log(for: "r").appendAndWait(newer).get()
        store.shutdown()
        #expect(position.firstSequence == 5)
        #expect(dir.segments("r") == [WALFormat.segmentFileName(firstSequence: 0), WALFormat.segmentFileName(firstSequence: 5)])
        #expect(FileManager.default.contents(atPath: path) == image, "the old segment is left as it was")
        #expect(try readAll(dir.path, "r").events.map(\.1) == old + newer)
        #expect(WALVerifier.verify(dataDirectory: dir.path, repository: "r").problems.isEmpty)
    }

    /// An older segment with no records is rewritten as an empty segment of the current version.
    @Test func emptyOlderSegmentIsRewrittenInPlace() throws {
        let dir = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.walPath("e"), withIntermediateDirectories: true)
        let path = dir.walPath("e") + "/" + WALFormat.segmentFileName(firstSequence: 0)
        #expect(FileManager.default.createFile(atPath: path, contents: Data(SegmentHeader.encode(firstSequence: 0, version: 2))))
        let store = try WALStore(options: WALOptions(dataDirectory: dir.path), logger: testLogger)
        _ = try store.log(for: "e").appendAndWait(logLines("e", count: 2)).get()
        store.shutdown()
        #expect(dir.segments("e") == [WALFormat.segmentFileName(firstSequence: 0)])
        let header = try SegmentScanner.readHeader(PosixFileSystem().openForReading(path))
        guard case .complete(let parsed) = header else {
            Issue.record("\(header)")
            return
        }
        #expect(parsed.version == WALFormat.formatVersion)
    }

    /// Each version's own rules: zeros after the last record are damage before version 2, and a record with
    /// references is damage before version 3.
    @Test(arguments: [(UInt16(1), false, true), (1, true, false), (2, true, false), (3, true, false)])
    func featuresNewerThanTheSegmentAreDamage(_ version: UInt16, _ references: Bool, _ trailingZeros: Bool) throws {
        let dir = TemporaryDirectory()
        let path = try writeOldSegment(dir, "v", version: version, logLines("v", count: 4), references: references)
        if trailingZeros {
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(count: 100))
            try handle.close()
        }
        let problems = WALVerifier.verify(dataDirectory: dir.path, repository: "v").problems
        let damaged = trailingZeros || (references && version < WALFormat.referencesVersion)
        #expect(problems.isEmpty == !damaged, "\(problems)")
    }

    /// A segment of a later format version (a downgrade after an upgrade) is never cut: opening the log
    /// fails with a message naming the version, the file stays as it was, verify reports it, readers skip it.
    @Test func newerSegmentsAreRefusedNotCut() throws {
        let dir = TemporaryDirectory()
        let path = try writeOldSegment(dir, "n", version: WALFormat.formatVersion, logLines("n", count: 3), references: true)
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        try handle.write(contentsOf: SegmentHeader.encode(firstSequence: 0, version: WALFormat.formatVersion + 1))
        try handle.close()
        let image = FileManager.default.contents(atPath: path)
        #expect(throws: WALError.self) { try WALStore(options: WALOptions(dataDirectory: dir.path), logger: testLogger) }
        #expect(FileManager.default.contents(atPath: path) == image, "nothing was cut or rewritten")
        let problems = WALVerifier.verify(dataDirectory: dir.path, repository: "n").problems
        #expect(problems.count == 1 && problems.first?.reason.contains("newer") == true, "\(problems)")
        let read = try readAll(dir.path, "n")
        #expect(read.events.isEmpty && read.corruption.count == 1)
    }
}
