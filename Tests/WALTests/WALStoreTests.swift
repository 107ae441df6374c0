import Dispatch
import EventModel
import Foundation
import Synchronization
import Testing
@testable import WAL

struct WALStoreTests {
    func makeStore(_ dir: TemporaryDirectory, _ plan: FaultPlan? = nil, configure: (inout WALOptions) -> Void = { _ in }) throws -> WALStore {
        var options = WALOptions(dataDirectory: dir.path)
        configure(&options)
        let fs: any SegmentFileSystem = plan.map { FaultInjectingFileSystem(plan: $0) } ?? PosixFileSystem()
        return try WALStore(options: options, logger: testLogger, fileSystem: fs)
    }

    @Test func appendsAreReadBackInOrderAndSequencesResumeAfterReopen() throws {
        let dir = TemporaryDirectory()
        var expected: [SampleEvent] = []
        do {
            let store = try makeStore(dir)
            let log = try store.log(for: "web")
            for round in 0..<5 {
                let samples = logLines("r\(round)", count: 3 + round)
                let result = log.appendAndWait(samples)
                #expect(result == .success(WALPosition(firstSequence: UInt64(expected.count), eventCount: samples.count)))
                expected += samples
            }
            store.shutdown()
            #expect(log.appendAndWait(logLines("late", count: 1)) == .failure(.closed))
            #expect(throws: WALError.closed) { try store.log(for: "web") }
        }
        let reopened = try makeStore(dir)
        #expect(reopened.repositories == ["web"])
        let more = logLines("after", count: 2)
        #expect(try reopened.log(for: "web").appendAndWait(more) == .success(WALPosition(firstSequence: UInt64(expected.count), eventCount: 2)))
        reopened.shutdown()
        expected += more
        let read = try readAll(dir.path, "web")
        #expect(read.corruption.isEmpty)
        #expect(read.events.map(\.0) == Array(0..<UInt64(expected.count)))
        #expect(read.events.map(\.1) == expected)
        let from = try readAll(dir.path, "web", from: 7)
        #expect(from.events.map(\.0) == Array(7..<UInt64(expected.count)))
    }

    /// Records larger than the reader's first buffer (64 KiB) are read back, and a reopen's recovery keeps
    /// them: growing that buffer once lost the header already read and cut such records as corrupt.
    @Test(arguments: [60_000, 70_000, 300_000, 2_000_000])
    func recordsOfAnySizeSurviveReopen(_ bytes: Int) throws {
        let dir = TemporaryDirectory()
        var generator: UInt64 = 0x9E37_79B9_7F4A_7C15
        let incompressible = (0..<bytes).map { _ -> UInt8 in
            generator ^= generator << 13
            generator ^= generator >> 7
            generator ^= generator << 17
            return UInt8(97 + generator % 26)
        }
        let samples = [SampleEvent(timestamp: 1_700_000_000_000, ingest: 1_700_000_000_001, rawstring: incompressible)]
            + logLines("after", count: 2)
        do {
            let store = try makeStore(dir)
            let log = try store.log(for: "big")
            #expect(log.appendAndWait(Array(samples.prefix(1))) == .success(WALPosition(firstSequence: 0, eventCount: 1)))
            store.shutdown()
        }
        let reopened = try makeStore(dir)
        #expect(try reopened.log(for: "big").appendAndWait(Array(samples.dropFirst())) == .success(WALPosition(firstSequence: 1, eventCount: 2)))
        reopened.shutdown()
        let read = try readAll(dir.path, "big")
        #expect(read.corruption.isEmpty)
        #expect(read.events.map(\.1) == samples)
    }

    @Test func groupCommitCoversEveryWaitingRecordWithOneFsync() throws {
        let dir = TemporaryDirectory()
        let plan = FaultPlan(gateFirstSync: true)
        let store = try makeStore(dir, plan)
        let log = try store.log(for: "busy")
        let completions = Completions()
        let threads = 8, perThread = 50
        // The first record's fsync is held until every other append is queued.
        log.append(EventBatch(samples: logLines("first", count: 1)), completion: completions.callback(-1))
        plan.firstSyncStarted.wait()
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            for index in 0..<perThread {
                log.append(EventBatch(samples: logLines("t\(thread)-\(index)", count: 2)), completion: completions.callback(thread * perThread + index))
            }
        }
        plan.firstSyncGate!.signal()
        completions.wait(threads * perThread + 1)
        let results = completions.all
        #expect(results.count == threads * perThread + 1)
        #expect(results.values.allSatisfy { if case .success = $0 { true } else { false } })
        #expect(plan.syncs.load(ordering: .relaxed) == 2, "one fsync for the first record, one for all the others")
        let positions = results.values.compactMap { try? $0.get() }.sorted { $0.firstSequence < $1.firstSequence }
        var next: UInt64 = 0
        for position in positions {
            #expect(position.firstSequence == next)
            next += UInt64(position.eventCount)
        }
        store.shutdown()
        #expect(try readAll(dir.path, "busy").events.count == 1 + threads * perThread * 2)
    }

    static let policies: [(FsyncPolicy, Bool)] = [(.always, true), (.interval(milliseconds: 3_600_000), false), (.none, false)]

    @Test(arguments: policies)
    func completionWaitsForFsyncOnlyUnderAlways(_ policy: FsyncPolicy, _ syncedBeforeCompletion: Bool) throws {
        let dir = TemporaryDirectory()
        let plan = FaultPlan()
        let store = try makeStore(dir, plan) { $0.fsync = policy }
        let log = try store.log(for: "p")
        for round in 0..<10 {
            let completions = Completions()
            let syncsBefore = plan.syncs.load(ordering: .relaxed)
            let observed = Mutex<Int>(0)
            log.append(EventBatch(samples: logLines("p\(round)", count: 2)),
                       completion: completions.callback(0) { observed.withLock { $0 = plan.syncs.load(ordering: .relaxed) } })
            completions.wait(1)
            #expect(try completions.all[0]!.get().firstSequence == UInt64(round * 2))
            #expect((observed.withLock { $0 } > syncsBefore) == syncedBeforeCompletion)
        }
        store.shutdown()
        #expect(plan.syncs.load(ordering: .relaxed) == (syncedBeforeCompletion ? 10 : 1), "shutdown syncs what was written")
        #expect(try readAll(dir.path, "p").events.count == 20)
    }

    @Test func intervalPolicySyncsWithoutFurtherAppends() throws {
        let dir = TemporaryDirectory()
        let plan = FaultPlan()
        let store = try makeStore(dir, plan) { $0.fsync = .interval(milliseconds: 1) }
        let log = try store.log(for: "i")
        #expect(try log.appendAndWait(logLines("i", count: 1)).get().eventCount == 1)
        plan.synced.wait()   // the writer's interval timer syncs; no further append is needed
        #expect(plan.syncs.load(ordering: .relaxed) >= 1)
        store.shutdown()
    }

    @Test(arguments: ["always", "none", "interval=10"])
    func parsesPolicies(_ argument: String) {
        #expect(FsyncPolicy(argument: argument) != nil)
    }

    @Test(arguments: ["", "sometimes", "interval=", "interval=0", "interval=x"])
    func refusesBadPolicies(_ argument: String) {
        #expect(FsyncPolicy(argument: argument) == nil)
    }

    @Test func escapedRepositoryNamesStayUnderTheirFolder() throws {
        let dir = TemporaryDirectory()
        let names = ["../x", "a/b", "日志", ".hidden", "plain"]
        let store = try makeStore(dir)
        for name in names {
            #expect(try store.log(for: name).appendAndWait(logLines(name, count: 1)).get().eventCount == 1)
        }
        #expect(throws: WALError.invalidRepositoryName) { try store.log(for: "") }
        store.shutdown()
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["repos"])
        let folders = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/repos").sorted()
        #expect(folders == names.map { RepositoryName.escape($0)! }.sorted())
        let reopened = try makeStore(dir)
        #expect(reopened.repositories == names.sorted())
        reopened.shutdown()
        for name in names {
            #expect(try readAll(dir.path, name).events.map(\.1) == logLines(name, count: 1))
        }
    }

    @Test func metricsTextCountsAppends() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        _ = try store.log(for: "m\"x").appendAndWait(logLines("m", count: 4))
        let text = store.metricsText()
        store.shutdown()
        #expect(text.contains("sluice_wal_events_appended_total{repository=\"m\\\"x\"} 4"))
        #expect(text.contains("sluice_wal_fsyncs_total{repository=\"m\\\"x\"} 1"))
        #expect(text.contains("sluice_wal_fsync_seconds_count{repository=\"m\\\"x\"} 1"))
        #expect(text.contains("# TYPE sluice_wal_fsync_seconds histogram"))
    }
}

struct WALAppendEdgeTests {
    @Test func emptyBatchCompletesAtOnceWithoutARecord() throws {
        let dir = TemporaryDirectory()
        let store = try WALStore(options: WALOptions(dataDirectory: dir.path), logger: testLogger)
        let log = try store.log(for: "empty")
        #expect(log.appendAndWait([]) == .success(WALPosition(firstSequence: 0, eventCount: 0)))
        #expect(try log.appendAndWait(logLines("x", count: 1)).get().firstSequence == 0)
        store.shutdown()
        #expect(try readAll(dir.path, "empty").events.count == 1)
    }
}
