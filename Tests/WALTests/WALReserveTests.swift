import EventModel
import Foundation
import POSIX
import Testing
@testable import WAL
@testable import WALFormat

/// The zero-filled reserve of format version 2 (`docs/wal.md`): kept ahead of the records under
/// `--fsync always`, cut off at sealing and shutdown, and told apart from torn records by recovery,
/// readers and `wal verify`.
struct WALReserveTests {
    func options(_ dir: TemporaryDirectory, reserve: Int = 4096) -> WALOptions {
        var options = WALOptions(dataDirectory: dir.path)
        options.reserveBytes = reserve
        return options
    }

    func segmentPath(_ dir: TemporaryDirectory, _ repository: String, _ firstSequence: UInt64 = 0) -> String {
        dir.walPath(repository) + "/" + WALFormat.segmentFileName(firstSequence: firstSequence)
    }

    /// What the scanner finds after the last record of the segment at `path`: `.end` when the file ends
    /// there, `.reserve` when zeros follow.
    func stepAfterRecords(_ dir: TemporaryDirectory, _ path: String) throws -> SegmentScanner.Step {
        var scanner = SegmentScanner(file: try PosixFileSystem().openForReading(path), fileSize: dir.size(path), version: WALFormat.formatVersion)
        var step = try scanner.next()
        while case .record = step { step = try scanner.next() }
        return step
    }

    /// Appends `rounds` records of five events and returns the events and the data end after each.
    func appendRounds(_ log: RepositoryLog, _ rounds: Int, prefix: String) throws -> [SampleEvent] {
        var events: [SampleEvent] = []
        for round in 0..<rounds {
            let samples = logLines("\(prefix)\(round)", count: 5)
            _ = try log.appendAndWait(samples).get()
            events += samples
        }
        return events
    }

    /// Reopens the log (recovery), appends one event, and checks where it landed, the bytes recovery
    /// reported cutting, and that every event reads back.
    func expectRecovery(_ dir: TemporaryDirectory, _ repository: String, resumesAfter kept: [SampleEvent], cutting cut: Int) throws {
        let store = try WALStore(options: options(dir), logger: testLogger)
        let next = try store.log(for: repository).appendAndWait(logLines("next", count: 1)).get()
        let text = store.metricsText()
        store.shutdown()
        #expect(next.firstSequence == UInt64(kept.count))
        #expect(text.contains("sluice_wal_truncated_bytes_total{repository=\"\(repository)\"} \(cut)"))
        #expect(try readAll(dir.path, repository).events.map(\.1) == kept + logLines("next", count: 1))
    }

    @Test func reserveIsKeptWhileWritingAndCutAtShutdown() throws {
        let dir = TemporaryDirectory()
        let store = try WALStore(options: options(dir), logger: testLogger)
        let log = try store.log(for: "r")
        let events = try appendRounds(log, 3, prefix: "r")
        let path = segmentPath(dir, "r")
        let running = dir.size(path)
        let dataEnd = WALFormat.segmentHeaderSize + dir.dataBytes(path, from: WALFormat.segmentHeaderSize)
        #expect(running >= dataEnd + 4096 / 2, "zeros are kept ahead of the records")
        #expect(try readAll(dir.path, "r").events.map(\.1) == events, "readers stop where the reserve starts")
        #expect(WALVerifier.verify(dataDirectory: dir.path, repository: "r").isClean)
        store.shutdown()
        #expect(dir.size(path) == dataEnd, "shutdown cuts the reserve off")
        #expect(try readAll(dir.path, "r").events.map(\.1) == events)
    }

    /// Under `--fsync interval` too, while each sync covers little (many repositories, a few records each
    /// per interval), so that the interval's fdatasync writes the data only; under `none` (no syncs) never.
    @Test func reserveIsKeptUnderIntervalButNotWithoutSyncs() throws {
        for (fsync, keeps) in [(FsyncPolicy.interval(milliseconds: 5), true), (.none, false)] {
            let dir = TemporaryDirectory()
            var options = options(dir)
            options.fsync = fsync
            let store = try WALStore(options: options, logger: testLogger)
            let log = try store.log(for: "i")
            var events = try appendRounds(log, 2, prefix: "i")
            if keeps {
                // Past the first interval sync, whose size now counts in the average group.
                let deadline = MonotonicClock.nanoseconds() + 10_000_000_000
                while log.metrics.fsyncs.load(ordering: .relaxed) == 0, MonotonicClock.nanoseconds() < deadline { usleep(1000) }
                events += try appendRounds(log, 1, prefix: "j")
            }
            let path = segmentPath(dir, "i")
            let dataEnd = WALFormat.segmentHeaderSize + dir.dataBytes(path, from: WALFormat.segmentHeaderSize)
            if keeps {
                #expect(dir.size(path) >= dataEnd + 4096 / 2, "zeros are kept ahead of the records under \(fsync)")
            } else {
                #expect(dir.size(path) == dataEnd, "no reserve under \(fsync)")
            }
            #expect(try readAll(dir.path, "i").events.map(\.1) == events)
            store.shutdown()
            #expect(dir.size(path) == dataEnd, "shutdown cuts the reserve off")
            #expect(try readAll(dir.path, "i").events.map(\.1) == events)
        }
    }

    @Test func crashLeavingTheReserveLosesNothingAndCutsNoData() throws {
        let dir = TemporaryDirectory()
        let path = segmentPath(dir, "c")
        var acknowledged: [SampleEvent] = []
        var crashImage = Data()
        do {
            let store = try WALStore(options: options(dir), logger: testLogger)
            acknowledged = try appendRounds(try store.log(for: "c"), 4, prefix: "c")
            crashImage = try #require(FileManager.default.contents(atPath: path))   // the file as a crash leaves it
            store.shutdown()
        }
        #expect(crashImage.count > dir.size(path))
        try crashImage.write(to: URL(fileURLWithPath: path))
        let report = WALVerifier.verify(dataDirectory: dir.path, repository: "c")
        #expect(report.isClean, "a reserve after the last record is not damage: \(report.problems)")
        #expect(WALStats.collect(dataDirectory: dir.path).first?.damaged == 0)

        try expectRecovery(dir, "c", resumesAfter: acknowledged, cutting: 0)
    }

    /// A record torn inside the reserve (its first bytes written, the rest still zeros), and data after a
    /// zero length (a later page of an unsynced write that reached the disk before the record's first page).
    @Test(arguments: [false, true])
    func tornWritesInsideTheReserveAreCutAtTheLastGoodRecord(_ dataAfterZeroLength: Bool) throws {
        let dir = TemporaryDirectory()
        let path = segmentPath(dir, "t")
        let store = try WALStore(options: options(dir, reserve: 0), logger: testLogger)
        let log = try store.log(for: "t")
        let good = try appendRounds(log, 2, prefix: "t")
        let goodEnd = dir.size(path)
        _ = try log.appendAndWait(logLines("lost", count: 5)).get()
        store.shutdown()
        var bytes = try #require(FileManager.default.contents(atPath: path))
        let lost = Data(bytes[goodEnd...])
        bytes.removeSubrange(goodEnd...)
        var reserve = Data(count: 4096)
        if dataAfterZeroLength {
            reserve.replaceSubrange(100..<(100 + lost.count - 8), with: lost[8...])
        } else {
            reserve.replaceSubrange(0..<(lost.count / 2), with: lost.prefix(lost.count / 2))
        }
        bytes += reserve
        try bytes.write(to: URL(fileURLWithPath: path))
        let cut = dir.dataBytes(path, from: goodEnd)

        let report = WALVerifier.verify(dataDirectory: dir.path, repository: "t")
        #expect(report.problems.map(\.offset) == [goodEnd])
        if dataAfterZeroLength {
            #expect(report.problems.first?.reason.contains("after the start of the zero-filled reserve") == true)
        }
        try expectRecovery(dir, "t", resumesAfter: good, cutting: cut)
        #expect(WALVerifier.verify(dataDirectory: dir.path, repository: "t").isClean)
    }

    @Test func sealedSegmentsHaveNoReserve() throws {
        let dir = TemporaryDirectory()
        var options = options(dir, reserve: 512)
        options.segmentBytes = 1024
        let store = try WALStore(options: options, logger: testLogger)
        let events = try appendRounds(try store.log(for: "s"), 20, prefix: "s")
        let segments = dir.segments("s")
        #expect(segments.count > 2)
        for name in segments.dropLast() {
            let path = dir.walPath("s") + "/" + name
            #expect(try stepAfterRecords(dir, path) == .end(offset: dir.size(path)), "\(name) ends exactly after its last record")
        }
        store.shutdown()
        #expect(try readAll(dir.path, "s").events.map(\.1) == events)
    }

    /// Groups averaging over ``SegmentWriter/reserveWorthGroupBytes`` per fdatasync stop the reserve: once
    /// the running average passes it no zeros are added, and the records use up what is left.
    @Test func largeGroupsStopTheReserve() throws {
        let dir = TemporaryDirectory()
        let store = try WALStore(options: options(dir, reserve: 64 << 10), logger: testLogger)
        let log = try store.log(for: "big")
        let path = segmentPath(dir, "big")
        var state: UInt64 = 42
        func incompressible(_ count: Int) -> [UInt8] {
            (0..<count).map { _ in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return UInt8(ascii: "a") + UInt8((state >> 33) % 16)
            }
        }
        var sawReserve = false
        for round in 0..<16 {
            let samples = (0..<20).map { index in
                SampleEvent(timestamp: 1_700_000_000_000 + Int64(index), ingest: 1_700_000_000_005, rawstring: incompressible(5000))
            }
            _ = try log.appendAndWait(samples).get()
            if round == 0, case .reserve = try stepAfterRecords(dir, path) { sawReserve = true }
            if round == 15 {
                #expect(try stepAfterRecords(dir, path) == .end(offset: dir.size(path)), "no reserve once groups of ~100 KB are the average")
            }
        }
        #expect(sawReserve, "small average at first: the reserve was kept")
        store.shutdown()
    }
}
