import Foundation
import Synchronization
import Testing
@testable import WAL
@testable import WALFormat

/// Per-repository retention: a repository's own limits win over the server's, kind by kind, and a change
/// applies to the running log.
struct RetentionLimitsTests {
    @Test func eachKindARepositorySetsWinsAndTheOthersComeFromTheServer() {
        let server = RetentionLimits(hours: 48, bytes: 5_000)
        #expect(RetentionLimits().overriding(server) == server)
        #expect(RetentionLimits(hours: 1).overriding(server) == RetentionLimits(hours: 1, bytes: 5_000))
        #expect(RetentionLimits(bytes: 10, ingestBytes: 7).overriding(server) == RetentionLimits(hours: 48, bytes: 10, ingestBytes: 7))
        #expect(RetentionLimits(hours: 100).overriding(RetentionLimits()) == RetentionLimits(hours: 100))
        #expect(RetentionLimits().overriding(RetentionLimits()).isUnlimited)
    }

    @Test func optionsResolveARepositoryFromItsOwnSettingsThenTheFlags() {
        var options = WALOptions(dataDirectory: "/unused")
        options.retentionHours = 24
        options.retentionBytes = 1_000
        #expect(options.retention(for: "any") == RetentionLimits(hours: 24, bytes: 1_000))
        options.repositoryRetention = { $0 == "short" ? RetentionLimits(hours: 1) : nil }
        #expect(options.retention(for: "short") == RetentionLimits(hours: 1, bytes: 1_000))
        #expect(options.retention(for: "other") == RetentionLimits(hours: 24, bytes: 1_000))
    }

    /// Two repositories with sealed segments aged two days; only `short` gets a one-day limit, while the
    /// store runs: its aged segments go at once, its neighbour keeps all of them.
    @Test func aRepositorysAgeLimitDeletesItsSegmentsWhileItsNeighbourKeepsThem() throws {
        let dir = TemporaryDirectory()
        let settings = Settings()
        var options = WALOptions(dataDirectory: dir.path)
        options.segmentBytes = 512
        options.repositoryRetention = { settings.limits($0) }
        let store = try WALStore(options: options, logger: testLogger)
        defer { store.shutdown() }
        for name in ["short", "long"] {
            let log = try store.log(for: name)
            for round in 0..<12 { _ = try log.appendAndWait(logLines("\(name)\(round)", count: 3)).get() }
        }
        let before = ["short": dir.segments("short"), "long": dir.segments("long")]
        #expect(before["short"]!.count >= 4 && before["long"]!.count >= 4)
        let old = Date(timeIntervalSinceNow: -2 * 86_400)
        for (name, segments) in before {
            for segment in segments.dropLast() {
                try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: dir.walPath(name) + "/" + segment)
            }
        }

        settings.set("short", RetentionLimits(hours: 24))
        store.enforceRetentionSoon()
        // The pass runs before the writer's next round, so this completion comes after it.
        _ = try store.log(for: "short").appendAndWait(logLines("after", count: 1)).get()
        _ = try store.log(for: "long").appendAndWait(logLines("after", count: 1)).get()

        // The append sealed the then active segment (written just now, so it stays) and started another.
        let remaining = Set(dir.segments("short"))
        #expect(remaining.isDisjoint(with: before["short"]!.dropLast()), "every aged sealed segment is gone")
        #expect(remaining.contains(before["short"]!.last!))
        #expect(Set(before["long"]!).isSubset(of: Set(dir.segments("long"))))
        #expect(try store.log(for: "short").metrics.segmentsDeleted.load(ordering: .relaxed) == before["short"]!.count - 1)
    }

    @Test func aRepositorysStorageLimitBoundsItsBytesOnDiskOnly() throws {
        let dir = TemporaryDirectory()
        var options = WALOptions(dataDirectory: dir.path)
        options.segmentBytes = 1024
        options.fsync = .none
        options.repositoryRetention = { $0 == "small" ? RetentionLimits(bytes: 4096) : nil }
        let store = try WALStore(options: options, logger: testLogger)
        for name in ["small", "big"] {
            let log = try store.log(for: name)
            for round in 0..<80 { _ = try log.appendAndWait(logLines("\(name)\(round)", count: 4)).get() }
        }
        store.shutdown()
        func bytes(_ name: String) -> Int { dir.segments(name).reduce(0) { $0 + dir.size(dir.walPath(name) + "/" + $1) } }
        #expect(bytes("small") <= 4096 + 1024)
        #expect(bytes("big") > 4 * 4096)
        #expect(try readAll(dir.path, "big").events.count == 320)
        #expect(dir.segments("big").first == "00000000000000000000.seg")
    }

    /// The ingest limit counts the records' uncompressed bytes: as they are written, and, for segments an
    /// earlier process wrote, from their record headers.
    @Test func aRepositorysIngestLimitBoundsTheUncompressedBytesItHolds() throws {
        let dir = TemporaryDirectory()
        var options = WALOptions(dataDirectory: dir.path)
        options.segmentBytes = 1024
        options.fsync = .none
        do {
            let store = try WALStore(options: options, logger: testLogger)
            let log = try store.log(for: "ingest")
            for round in 0..<40 { _ = try log.appendAndWait(logLines("i\(round)", count: 4)).get() }
            store.shutdown()
        }
        let held = try uncompressedBytes(dir, "ingest")
        #expect(held.total > 10_000)
        // Reopened with a limit: the recovered sealed segments are counted from their headers.
        let limit = held.total / 2
        options.repositoryRetention = { _ in RetentionLimits(ingestBytes: limit) }
        let store = try WALStore(options: options, logger: testLogger)
        let log = try store.log(for: "ingest")
        _ = try log.appendAndWait(logLines("reopened", count: 1)).get()
        // Retention looks at open and at each rotation, so the sealed segments stay within the limit and
        // the active one grows past it until the next rotation.
        var after = try uncompressedBytes(dir, "ingest")
        #expect(after.sealed <= limit && after.total > limit - 2 * held.largestSegment)
        #expect(!dir.segments("ingest").contains("00000000000000000000.seg"))
        // Counted as written: more records keep it under the limit.
        for round in 0..<40 { _ = try log.appendAndWait(logLines("j\(round)", count: 4)).get() }
        store.shutdown()
        after = try uncompressedBytes(dir, "ingest")
        #expect(after.sealed <= limit && after.total > limit - 2 * held.largestSegment)
        #expect(try readAll(dir.path, "ingest").events.last?.1 == logLines("j39", count: 4).last)
    }

    @Test func headerWalkCountsWhatAFullScanCounts() throws {
        let dir = TemporaryDirectory()
        var options = WALOptions(dataDirectory: dir.path)
        options.segmentBytes = 4096
        let store = try WALStore(options: options, logger: testLogger)
        let log = try store.log(for: "walk")
        for round in 0..<20 { _ = try log.appendAndWait(logLines("w\(round)", count: 1 + round % 5)).get() }
        store.shutdown()
        for segment in dir.segments("walk") {
            let path = dir.walPath("walk") + "/" + segment
            #expect(SegmentScanner.ingestBytes(path: path, fs: PosixFileSystem()) == (try scannedBytes(path, dir)))
        }
        #expect(SegmentScanner.ingestBytes(path: dir.path + "/missing.seg", fs: PosixFileSystem()) == nil)
    }

    /// With a repository's own size limit, segments a forwarding target still needs stay as with the flag.
    @Test func theForwardingHoldStillKeepsSegmentsOwedToATarget() throws {
        let dir = TemporaryDirectory()
        var options = WALOptions(dataDirectory: dir.path)
        options.segmentBytes = 64
        options.repositoryRetention = { _ in RetentionLimits(bytes: 1) }
        options.retentionHold = { _ in 4 }
        let store = try WALStore(options: options, logger: testLogger)
        let log = try store.log(for: "held")
        for round in 0..<6 { _ = try log.appendAndWait(logLines("r\(round)", count: 2)).get() }
        store.shutdown()
        #expect(dir.segments("held").compactMap { WALFormat.firstSequence(fromFileName: $0) } == [4, 6, 8, 10])
    }

    // MARK: Helpers

    /// Limits a test changes while the store runs.
    final class Settings: Sendable {
        private let table = Mutex<[String: RetentionLimits]>([:])
        func set(_ repository: String, _ limits: RetentionLimits) { table.withLock { $0[repository] = limits } }
        func limits(_ repository: String) -> RetentionLimits? { table.withLock { $0[repository] } }
    }

    /// The uncompressed payload bytes of every record of `path`, by a full scan.
    func scannedBytes(_ path: String, _ dir: TemporaryDirectory) throws -> Int {
        let file = try PosixFileSystem().openForReading(path)
        defer { file.close() }
        var scanner = SegmentScanner(file: file, fileSize: dir.size(path), version: WALFormat.formatVersion)
        var total = 0
        while case .record(let header, _) = try scanner.next() { total += header.uncompressedLength }
        return total
    }

    /// Uncompressed bytes of all segments, of the sealed ones (all but the last), and of the largest.
    func uncompressedBytes(_ dir: TemporaryDirectory, _ repository: String) throws -> (total: Int, sealed: Int, largestSegment: Int) {
        let sizes = try dir.segments(repository).map { try scannedBytes(dir.walPath(repository) + "/" + $0, dir) }
        return (sizes.reduce(0, +), sizes.dropLast().reduce(0, +), sizes.max() ?? 0)
    }
}
