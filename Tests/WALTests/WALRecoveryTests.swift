#if canImport(Glibc)
import Glibc
#endif
import EventModel
import Foundation
import Testing
@testable import WAL
@testable import WALFormat

struct WALRecoveryTests {
    enum Damage: Sendable, CustomStringConvertible {
        /// Cut this many bytes off the end of the last segment.
        case truncateTail(Int)
        /// Flip a byte this far before the end of the last segment (inside the last record).
        case flipFromEnd(Int)
        /// Append garbage after the last record.
        case appendGarbage(Int)

        var description: String {
            switch self {
            case .truncateTail(let n): "truncate \(n)"
            case .flipFromEnd(let n): "flip at end-\(n)"
            case .appendGarbage(let n): "garbage \(n)"
            }
        }
    }

    static let damages: [Damage] = [.truncateTail(1), .truncateTail(30), .truncateTail(47), .flipFromEnd(1), .flipFromEnd(20),
                                    .flipFromEnd(60), .appendGarbage(1), .appendGarbage(47), .appendGarbage(100)]

    /// Writes four records, damages the tail, and returns the segment path, good events, and the last record's size.
    func writeLog(_ dir: TemporaryDirectory) throws -> (path: String, good: [SampleEvent], lastRecordBytes: Int, sizeBefore: Int) {
        let store = try WALStore(options: WALOptions(dataDirectory: dir.path), logger: testLogger)
        let log = try store.log(for: "torn")
        var good: [SampleEvent] = []
        var sizes: [Int] = []
        let path = dir.walPath("torn") + "/" + WALFormat.segmentFileName(firstSequence: 0)
        for round in 0..<4 {
            let samples = logLines("t\(round)", count: 5)
            _ = try log.appendAndWait(samples).get()
            sizes.append(dir.size(path))
            if round < 3 { good += samples }
        }
        store.shutdown()
        return (path, good, sizes[3] - sizes[2], sizes[3])
    }

    @Test(arguments: damages)
    func tornTailRecoversToTheLastGoodRecord(_ damage: Damage) throws {
        let dir = TemporaryDirectory()
        let (path, good, lastRecordBytes, size) = try writeLog(dir)
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        var expectedEvents = good
        switch damage {
        case .truncateTail(let n):
            try handle.truncate(atOffset: UInt64(size - n))
        case .flipFromEnd(let n):
            try handle.seek(toOffset: UInt64(size - n))
            let byte = try handle.read(upToCount: 1)![0]
            try handle.seek(toOffset: UInt64(size - n))
            try handle.write(contentsOf: [byte ^ 0x40])
        case .appendGarbage(let n):
            try handle.seekToEnd()
            try handle.write(contentsOf: [UInt8](repeating: 0xA5, count: n))
            expectedEvents += logLines("t3", count: 5)
        }
        try handle.close()
        let damagedSize = dir.size(path)
        let goodEnd: Int
        if case .appendGarbage = damage { goodEnd = size } else { goodEnd = size - lastRecordBytes }
        let cutBytes = dir.dataBytes(path, from: goodEnd)

        let store = try WALStore(options: WALOptions(dataDirectory: dir.path), logger: testLogger)
        let log = try store.log(for: "torn")
        let next = try log.appendAndWait(logLines("resumed", count: 2)).get()
        let text = store.metricsText()
        store.shutdown()
        #expect(next.firstSequence == UInt64(expectedEvents.count))
        #expect(text.contains("sluice_wal_truncated_bytes_total{repository=\"torn\"} \(cutBytes)"))
        #expect(cutBytes > 0 && cutBytes <= damagedSize - goodEnd)
        let read = try readAll(dir.path, "torn")
        #expect(read.corruption.isEmpty)
        #expect(read.events.map(\.1) == expectedEvents + logLines("resumed", count: 2))
    }

    @Test(arguments: [0, 10, 31])
    func segmentCutInsideItsHeaderStartsAgainEmpty(_ keep: Int) throws {
        let dir = TemporaryDirectory()
        var options = WALOptions(dataDirectory: dir.path)
        options.segmentBytes = 64
        var good: [SampleEvent] = []
        do {
            let store = try WALStore(options: options, logger: testLogger)
            let log = try store.log(for: "h")
            for round in 0..<3 {
                let samples = logLines("h\(round)", count: 2)
                _ = try log.appendAndWait(samples).get()
                good += samples
            }
            store.shutdown()
        }
        // A crash right after the next segment's creation: a file with part of a header.
        let path = dir.walPath("h") + "/" + WALFormat.segmentFileName(firstSequence: 6)
        let header = SegmentHeader.encode(firstSequence: 6)
        #expect(FileManager.default.createFile(atPath: path, contents: Data(header.prefix(keep))))
        let store = try WALStore(options: options, logger: testLogger)
        #expect(try store.log(for: "h").appendAndWait(logLines("after", count: 1)).get().firstSequence == 6)
        store.shutdown()
        #expect(try readAll(dir.path, "h").events.map(\.1) == good + logLines("after", count: 1))
    }

    @Test func corruptionInASealedSegmentIsSkippedByReaders() throws {
        let dir = TemporaryDirectory()
        var options = WALOptions(dataDirectory: dir.path)
        options.segmentBytes = 64
        let store = try WALStore(options: options, logger: testLogger)
        let log = try store.log(for: "s")
        for round in 0..<3 { _ = try log.appendAndWait(logLines("s\(round)", count: 2)).get() }
        store.shutdown()
        let middle = dir.walPath("s") + "/" + WALFormat.segmentFileName(firstSequence: 2)
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: middle))
        try handle.seek(toOffset: UInt64(WALFormat.segmentHeaderSize + 60))
        try handle.write(contentsOf: [0xFF, 0x00, 0xFF])
        try handle.close()
        let read = try readAll(dir.path, "s")
        #expect(read.corruption.count == 1)
        #expect(read.corruption.first?.contains("checksum mismatch") == true)
        #expect(read.events.map(\.1) == logLines("s0", count: 2) + logLines("s2", count: 2))
        let report = WALVerifier.verify(dataDirectory: dir.path, repository: nil)
        #expect(report.problems.count == 1)
        #expect(report.problems.first?.segment == middle)
    }
}
