#if canImport(Glibc)
import Glibc
#endif
import EventModel
import Foundation
import Testing
@testable import WAL
@testable import WALFormat

struct WALFaultTests {
    func makeStore(_ dir: TemporaryDirectory, _ plan: FaultPlan, policy: FsyncPolicy = .always) throws -> WALStore {
        var options = WALOptions(dataDirectory: dir.path)
        options.fsync = policy
        return try WALStore(options: options, logger: testLogger, fileSystem: FaultInjectingFileSystem(plan: plan))
    }

    /// A fault, whether the append hit by it fails, and a description for the test name.
    static let faults: [(String, Faults, Bool)] = [
        ("short writes of 7 bytes", Faults(maxBytesPerWrite: 7), false),
        ("ENOSPC after 100 bytes of the record", Faults(diskSpace: 100), true),
        ("ENOSPC before any byte", Faults(diskSpace: 0), true),
        ("EIO on write", Faults(writeErrno: EIO), true),
        ("EIO on fdatasync", Faults(syncErrno: EIO), true),
        ("short writes then ENOSPC", Faults(maxBytesPerWrite: 5, diskSpace: 33), true),
    ]

    @Test(arguments: faults)
    func faultFailsOnlyTheAffectedAppendAndLeavesNoHalfRecord(_ name: String, _ faults: Faults, _ fails: Bool) throws {
        let dir = TemporaryDirectory()
        let plan = FaultPlan()
        let store = try makeStore(dir, plan)
        let log = try store.log(for: "f")
        let before = logLines("before", count: 3)
        #expect(try log.appendAndWait(before).get() == WALPosition(firstSequence: 0, eventCount: 3))
        let segment = dir.walPath("f") + "/" + dir.segments("f")[0]
        let goodSize = dir.size(segment)

        plan.set { $0 = faults }
        let hit = log.appendAndWait(logLines("hit", count: 2))
        if fails {
            guard case .failure(.unavailable(let message)) = hit else {
                Issue.record("\(name): expected unavailable, got \(hit)")
                return
            }
            #expect(!message.isEmpty)
            #expect(dir.size(segment) == goodSize, "the half-written record is cut off")
            #expect(!log.isAvailable)
        } else {
            #expect(try hit.get() == WALPosition(firstSequence: 3, eventCount: 2))
        }

        plan.set { $0 = Faults() }
        let after = logLines("after", count: 4)
        let afterPosition = try log.appendAndWait(after).get()
        #expect(afterPosition.firstSequence == (fails ? 3 : 5), "a failed record consumes no sequence")
        #expect(log.isAvailable)
        store.shutdown()

        let read = try readAll(dir.path, "f")
        #expect(read.corruption.isEmpty)
        let expected = before + (fails ? [] : logLines("hit", count: 2)) + after
        #expect(read.events.map(\.1) == expected)
        #expect(read.events.map(\.0) == Array(0..<UInt64(expected.count)))
    }

    @Test func oneRepositoryFailingDoesNotStopAnother() throws {
        let dir = TemporaryDirectory()
        let plan = FaultPlan(pathFilter: "/sick/")
        let store = try makeStore(dir, plan)
        let sick = try store.log(for: "sick"), healthy = try store.log(for: "healthy")
        plan.set { $0.writeErrno = ENOSPC }
        for round in 0..<3 {
            guard case .failure(.unavailable) = sick.appendAndWait(logLines("s\(round)", count: 1)) else {
                Issue.record("sick repository accepted a write")
                return
            }
            #expect(try healthy.appendAndWait(logLines("h\(round)", count: 1)).get().firstSequence == UInt64(round))
        }
        let text = store.metricsText()
        #expect(text.contains("sluice_wal_write_errors_total{repository=\"sick\"} 3"))
        #expect(text.contains("sluice_wal_write_errors_total{repository=\"healthy\"} 0"))
        store.shutdown()
    }

    @Test func failedSegmentCreationAtRotationIsRetriedByTheNextAppend() throws {
        let dir = TemporaryDirectory()
        let plan = FaultPlan()
        var options = WALOptions(dataDirectory: dir.path)
        options.segmentBytes = 64  // every record beyond the first in a segment rotates
        let store = try WALStore(options: options, logger: testLogger, fileSystem: FaultInjectingFileSystem(plan: plan))
        let log = try store.log(for: "r")
        _ = try log.appendAndWait(logLines("one", count: 4)).get()
        plan.set { $0.createErrno = ENOSPC }
        guard case .failure(.unavailable) = log.appendAndWait(logLines("two", count: 4)) else {
            Issue.record("append needing a new segment succeeded although creating it failed")
            return
        }
        plan.set { $0 = Faults() }
        #expect(try log.appendAndWait(logLines("three", count: 4)).get().firstSequence == 4)
        store.shutdown()
        #expect(dir.segments("r") == ["00000000000000000000.seg", "00000000000000000004.seg"])
        #expect(try readAll(dir.path, "r").events.map(\.1) == logLines("one", count: 4) + logLines("three", count: 4))
    }

    @Test(arguments: [0, 1, 47, 48, 200])
    func crashBetweenWriteAndFsyncLosesOnlyUnacknowledgedRecords(_ keptBytes: Int) throws {
        let dir = TemporaryDirectory()
        let plan = FaultPlan()
        let acknowledged = logLines("acked", count: 5)
        let store = try makeStore(dir, plan)
        let log = try store.log(for: "c")
        #expect(try log.appendAndWait(acknowledged).get().eventCount == 5)
        plan.set { $0.crashKeepingUnsyncedBytes = keptBytes }
        guard case .failure(.unavailable) = log.appendAndWait(logLines("lost", count: 50)) else {
            Issue.record("append acknowledged although its fsync never happened")
            return
        }
        store.shutdown()
        let segment = dir.walPath("c") + "/" + WALFormat.segmentFileName(firstSequence: 0)
        let cutBytes = dir.dataBytes(segment, from: dir.size(segment) - keptBytes)

        // Restart on the real file system: recovery cuts the torn record.
        let restarted = try WALStore(options: WALOptions(dataDirectory: dir.path), logger: testLogger)
        let relog = try restarted.log(for: "c")
        #expect(try relog.appendAndWait(logLines("next", count: 1)).get().firstSequence == 5)
        let text = restarted.metricsText()
        restarted.shutdown()
        #expect(text.contains("sluice_wal_truncated_bytes_total{repository=\"c\"} \(cutBytes)"))
        #expect(keptBytes == 0 || cutBytes > 0)
        let read = try readAll(dir.path, "c")
        #expect(read.corruption.isEmpty)
        #expect(read.events.map(\.1) == acknowledged + logLines("next", count: 1))
    }
}
