#if canImport(Glibc)
import Glibc
#endif
import EventModel
import Foundation
import Testing
@testable import WAL
@testable import WALFormat

struct WALRotationTests {
    @Test(arguments: [512, 1024, 4096])
    func rotatesAtSegmentBytesWithoutSplittingRecords(_ segmentBytes: Int) throws {
        let dir = TemporaryDirectory()
        var options = WALOptions(dataDirectory: dir.path)
        options.segmentBytes = segmentBytes
        options.fsync = .none
        let store = try WALStore(options: options, logger: testLogger)
        let log = try store.log(for: "rot")
        var expected: [SampleEvent] = []
        for round in 0..<60 {
            let samples = logLines("rot\(round)", count: 1 + round % 9)
            _ = try log.appendAndWait(samples).get()
            expected += samples
        }
        store.shutdown()
        let segments = dir.segments("rot")
        #expect(segments.count > 1)
        // Each file is named after its first record's sequence, and none passes the limit unless it holds a single record.
        var next: UInt64 = 0
        for name in segments {
            #expect(WALFormat.firstSequence(fromFileName: name) == next)
            let path = dir.walPath("rot") + "/" + name
            let file = try PosixFileSystem().openForReading(path)
            var scanner = SegmentScanner(file: file, fileSize: dir.size(path), version: WALFormat.formatVersion)
            var records = 0
            while case .record(let header, _) = try scanner.next() {
                #expect(header.firstSequence == next)
                next = header.nextSequence
                records += 1
            }
            #expect(records >= 1)
            #expect(dir.size(path) <= segmentBytes || records == 1)
        }
        #expect(try readAll(dir.path, "rot").events.map(\.1) == expected)
    }

    @Test func retentionBytesDeletesOldestSealedSegments() throws {
        let dir = TemporaryDirectory()
        var options = WALOptions(dataDirectory: dir.path)
        options.segmentBytes = 1024
        options.retentionBytes = 4096
        options.fsync = .none
        let store = try WALStore(options: options, logger: testLogger)
        let log = try store.log(for: "keep")
        var last: WALPosition?
        for round in 0..<80 {
            last = try log.appendAndWait(logLines("k\(round)", count: 4)).get()
        }
        store.shutdown()
        let segments = dir.segments("keep")
        let total = segments.reduce(0) { $0 + dir.size(dir.walPath("keep") + "/" + $1) }
        #expect(total <= 4096 + 1024)
        #expect(segments.first != "00000000000000000000.seg", "the oldest segments were deleted")
        let read = try readAll(dir.path, "keep")
        #expect(read.corruption.isEmpty)
        let firstKept = try #require(WALFormat.firstSequence(fromFileName: segments[0]))
        #expect(read.events.first?.0 == firstKept)
        #expect(read.events.last?.0 == last!.firstSequence + UInt64(last!.eventCount) - 1)
        #expect(read.events.map(\.0) == Array(firstKept...(last!.firstSequence + 3)))
    }

    @Test func retentionHoursDeletesSealedSegmentsLastWrittenTooLongAgo() throws {
        let dir = TemporaryDirectory()
        var options = WALOptions(dataDirectory: dir.path)
        options.segmentBytes = 512
        do {
            let store = try WALStore(options: options, logger: testLogger)
            let log = try store.log(for: "age")
            for round in 0..<12 { _ = try log.appendAndWait(logLines("a\(round)", count: 3)).get() }
            store.shutdown()
        }
        let segments = dir.segments("age")
        #expect(segments.count >= 4)
        // Age the first two segments by two days.
        let old = Date(timeIntervalSinceNow: -2 * 86_400)
        for name in segments.prefix(2) {
            try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: dir.walPath("age") + "/" + name)
        }
        options.retentionHours = 24
        let store = try WALStore(options: options, logger: testLogger)
        // The writer applies retention before its first commit, so this completion comes after it.
        _ = try store.log(for: "age").appendAndWait(logLines("late", count: 1)).get()
        store.shutdown()
        let remaining = dir.segments("age")
        #expect(!remaining.contains(segments[0]) && !remaining.contains(segments[1]))
        #expect(Set(segments.dropFirst(2)).isSubset(of: remaining))
    }

    @Test func activeSegmentIsNeverDeletedByRetention() throws {
        let dir = TemporaryDirectory()
        var options = WALOptions(dataDirectory: dir.path)
        options.retentionBytes = 1
        let store = try WALStore(options: options, logger: testLogger)
        _ = try store.log(for: "one").appendAndWait(logLines("x", count: 10)).get()
        store.shutdown()
        #expect(try readAll(dir.path, "one").events.count == 10)
    }
}
