#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import EventModel
import Foundation
import Synchronization
import Testing
@testable import WAL
import POSIX

struct WriterPoolTests {
    /// A repository always maps to the same writer, and names spread over the writers.
    @Test func assignmentIsStableAndSpread() {
        let names = (0..<3000).map { "team\($0)" }
        var perWriter = [Int](repeating: 0, count: 4)
        for name in names {
            let index = WriterPool.writerIndex(for: name, writers: 4)
            #expect(index == WriterPool.writerIndex(for: name, writers: 4))
            perWriter[index] += 1
        }
        #expect(perWriter.allSatisfy { $0 > 600 && $0 < 900 }, "\(perWriter)")
        #expect(WriterPool.writerIndex(for: "sandbox", writers: 1) == 0)
    }

    private static func threadCount() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? 0
    }

    /// 60 repositories written at once cost the pool's two threads, not one each; every record lands in
    /// its own repository, and each writer's round syncs every file it wrote.
    @Test func manyRepositoriesShareTheWriters() throws {
        let dir = TemporaryDirectory()
        var options = WALOptions(dataDirectory: dir.path)
        options.writerThreads = 2
        let before = Self.threadCount()
        let store = try WALStore(options: options, logger: testLogger)
        let logs = try (0..<60).map { try store.log(for: "repo\($0)") }
        #expect(Self.threadCount() - before <= 4, "threads grew from \(before) to \(Self.threadCount())")
        let completions = Completions()
        var batch = AppendBatch()
        for (index, log) in logs.enumerated() {
            batch.add(EventBatch(samples: logLines("r\(index)", count: 2)), to: log, completion: completions.callback(index))
        }
        batch.submit()
        completions.wait(logs.count)
        #expect(completions.all.values.allSatisfy { if case .success = $0 { true } else { false } })
        let metrics = store.metricsText()
        #expect(metrics.contains("sluice_wal_writer_records_total{writer=\"0\"}"))
        #expect(metrics.contains("sluice_wal_open_repositories 60"))
        store.shutdown()
        for (index, log) in logs.enumerated() {
            let read = try readAll(dir.path, log.repository)
            #expect(read.events.map(\.1) == logLines("r\(index)", count: 2))
            #expect(log.metrics.fsyncs.load(ordering: .relaxed) >= 1)
        }
    }

    /// An idle repository closes its descriptor (sealing nothing); the next record reopens the same
    /// segment and continues the sequence.
    @Test func idleRepositoryClosesAndReopens() throws {
        let dir = TemporaryDirectory()
        var options = WALOptions(dataDirectory: dir.path)
        options.writerThreads = 1
        options.idleCloseMillis = 20
        options.reserveBytes = 64 << 10
        let store = try WALStore(options: options, logger: testLogger)
        let log = try store.log(for: "quiet")
        guard case .success(let first) = log.appendAndWait(logLines("a", count: 3)) else { Issue.record("first append failed"); return }
        try waitUntil { store.openRepositories == 0 }
        guard case .success(let second) = log.appendAndWait(logLines("b", count: 2)) else { Issue.record("append after idle close failed"); return }
        #expect(second.firstSequence == first.firstSequence + 3)
        #expect(dir.segments("quiet").count == 1)
        #expect(store.metricsText().contains("sluice_wal_writer_idle_closes_total{writer=\"0\"} 1"))
        store.shutdown()
        let read = try readAll(dir.path, "quiet")
        #expect(read.corruption.isEmpty)
        #expect(read.events.map(\.1) == logLines("a", count: 3) + logLines("b", count: 2))
        #expect(read.events.map(\.0) == Array(0..<5))
    }

    /// Writes racing the idle close (1 ms idle time, writers pausing around it): every record succeeds,
    /// once, in a gap-free sequence, with the descriptor closed and reopened along the way.
    @Test func writesRacingTheIdleClose() throws {
        let dir = TemporaryDirectory()
        var options = WALOptions(dataDirectory: dir.path)
        options.writerThreads = 1
        options.idleCloseMillis = 1
        options.reserveBytes = 16 << 10
        let store = try WALStore(options: options, logger: testLogger)
        let log = try store.log(for: "racy")
        let failures = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 4) { thread in
            var pause = SplitMix(seed: UInt64(thread + 1))
            for round in 0..<60 {
                if case .failure = log.appendAndWait(logLines("t\(thread)-\(round)", count: 1)) { failures.add(1, ordering: .relaxed) }
                usleep(UInt32(pause.next() % 2500))
            }
        }
        #expect(failures.load(ordering: .relaxed) == 0)
        let closes = Int(store.metricsText().split(separator: "\n").first { $0.hasPrefix("sluice_wal_writer_idle_closes_total") }?
            .split(separator: " ").last ?? "0") ?? 0
        #expect(closes > 0, "the descriptor was never closed while idle")
        store.shutdown()
        let read = try readAll(dir.path, "racy")
        #expect(read.corruption.isEmpty)
        #expect(read.events.map(\.0) == Array(0..<240))
        #expect(Set(read.events.map { String(decoding: $0.1.rawstring, as: UTF8.self) }).count == 240)
        #expect(dir.segments("racy").count == 1)
    }

    /// With room for 3 descriptors, 20 repositories written one after another all succeed: the least
    /// recently written quiescent repository gives its descriptor up for the next.
    @Test func descriptorCapClosesTheLeastRecentlyWritten() throws {
        let dir = TemporaryDirectory()
        var options = WALOptions(dataDirectory: dir.path)
        options.writerThreads = 1
        options.maxOpenSegments = 3
        let store = try WALStore(options: options, logger: testLogger)
        for round in 0..<2 {
            for index in 0..<20 {
                let log = try store.log(for: "r\(index)")
                guard case .success = log.appendAndWait(logLines("\(round)-\(index)", count: 1)) else {
                    Issue.record("append to r\(index) failed")
                    return
                }
                #expect(store.openRepositories <= 3)
            }
        }
        store.shutdown()
        for index in 0..<20 {
            let read = try readAll(dir.path, "r\(index)")
            #expect(read.events.map(\.1) == logLines("0-\(index)", count: 1) + logLines("1-\(index)", count: 1))
        }
    }

    /// Appends one 2-event batch to each of `logs` in one submit (one round of a single writer).
    private func appendToEach(_ logs: [RepositoryLog], tag: String) -> [Int: Result<WALPosition, WALError>] {
        let completions = Completions()
        var batch = AppendBatch()
        for (index, log) in logs.enumerated() {
            batch.add(EventBatch(samples: logLines("\(tag)\(index)", count: 2)), to: log, completion: completions.callback(index))
        }
        batch.submit()
        completions.wait(logs.count)
        return completions.all
    }

    /// A round that wrote 40 files is made durable by one syncfs instead of 40 fdatasyncs, and every
    /// acknowledged record survives a crash right after (each file keeps only what a sync covered).
    @Test func manyFilesOfOneRoundAreDurableAfterOneSyncfs() throws {
        let dir = TemporaryDirectory()
        let plan = FaultPlan()
        var options = WALOptions(dataDirectory: dir.path)
        options.writerThreads = 1
        options.syncfsRounds = true
        let store = try WALStore(options: options, logger: testLogger, fileSystem: FaultInjectingFileSystem(plan: plan))
        let logs = try (0..<40).map { try store.log(for: "many\($0)") }
        let results = appendToEach(logs, tag: "d")
        #expect(results.values.allSatisfy { if case .success = $0 { true } else { false } })
        #expect(plan.syncfsCalls.load(ordering: .relaxed) >= 1)
        #expect(plan.syncs.load(ordering: .relaxed) < logs.count, "the round's files were synced one by one")
        #expect(store.metricsText().contains("sluice_wal_writer_syncfs_total{writer=\"0\"} 1"))
        try plan.crashEveryFile()
        store.shutdown()
        for index in logs.indices {
            let read = try readAll(dir.path, "many\(index)")
            #expect(read.events.map(\.1) == logLines("d\(index)", count: 2), "repository \(index) lost acknowledged records")
        }
    }

    /// Without a syncfs handle (or for a file system that has none), or without `--wal-syncfs`, the round
    /// syncs file by file, and the acknowledged records survive the crash all the same.
    @Test(arguments: [false, true]) func withoutSyncfsEveryFileIsSyncedOnItsOwn(optedIn: Bool) throws {
        let dir = TemporaryDirectory()
        let plan = FaultPlan()
        if optedIn { plan.set { $0.syncfsAvailable = false } }
        var options = WALOptions(dataDirectory: dir.path)
        options.writerThreads = 1
        options.syncfsRounds = optedIn
        let store = try WALStore(options: options, logger: testLogger, fileSystem: FaultInjectingFileSystem(plan: plan))
        let logs = try (0..<10).map { try store.log(for: "own\($0)") }
        let results = appendToEach(logs, tag: "o")
        #expect(results.values.allSatisfy { if case .success = $0 { true } else { false } })
        #expect(plan.syncfsCalls.load(ordering: .relaxed) == 0)
        #expect(plan.syncs.load(ordering: .relaxed) >= logs.count)
        try plan.crashEveryFile()
        store.shutdown()
        for index in logs.indices {
            #expect(try readAll(dir.path, "own\(index)").events.map(\.1) == logLines("o\(index)", count: 2))
        }
    }

    /// A syncfs that fails says not whose file failed: each file of the round is then synced on its own,
    /// the failing repository's appends are refused and every other one's are acknowledged and durable.
    /// With `syncfsErrno` only (an error of some file outside the round), nobody is refused.
    @Test(arguments: [true, false])
    func failedSyncfsRefusesOnlyTheFailingRepository(_ oneFileFails: Bool) throws {
        let dir = TemporaryDirectory()
        let plan = FaultPlan(pathFilter: "/sick/")
        var options = WALOptions(dataDirectory: dir.path)
        options.writerThreads = 1
        options.syncfsRounds = true
        let store = try WALStore(options: options, logger: testLogger, fileSystem: FaultInjectingFileSystem(plan: plan))
        let logs = try [store.log(for: "sick")] + (0..<20).map { try store.log(for: "well\($0)") }
        plan.set {
            $0.syncfsErrno = EIO
            if oneFileFails { $0.syncErrno = EIO }
        }
        let results = appendToEach(logs, tag: "f")
        if oneFileFails {
            guard case .failure(.unavailable) = results[0] else { Issue.record("the failing repository acknowledged: \(String(describing: results[0]))"); return }
        } else {
            #expect((try? results[0]?.get()) != nil)
        }
        for index in 1..<logs.count {
            #expect((try? results[index]?.get()) != nil, "repository \(index) was refused: \(String(describing: results[index]))")
        }
        #expect(plan.syncfsCalls.load(ordering: .relaxed) == 0)
        plan.set { $0 = Faults() }
        try plan.crashEveryFile()
        store.shutdown()
        for index in 1..<logs.count {
            #expect(try readAll(dir.path, "well\(index - 1)").events.map(\.1) == logLines("f\(index)", count: 2))
        }
        #expect(try readAll(dir.path, "sick").events.map(\.1) == (oneFileFails ? [] : logLines("f0", count: 2)))
    }

    /// Under `--fsync interval`, the files due for a sync are synced together by one syncfs off the
    /// writer thread, and what it covered survives a crash.
    @Test func intervalSyncsOfManyFilesShareOneSyncfs() throws {
        let dir = TemporaryDirectory()
        let plan = FaultPlan()
        var options = WALOptions(dataDirectory: dir.path)
        options.writerThreads = 1
        options.syncfsRounds = true
        options.fsync = .interval(milliseconds: 5)
        let store = try WALStore(options: options, logger: testLogger, fileSystem: FaultInjectingFileSystem(plan: plan))
        let logs = try (0..<30).map { try store.log(for: "tick\($0)") }
        let results = appendToEach(logs, tag: "i")
        #expect(results.values.allSatisfy { if case .success = $0 { true } else { false } })
        try waitUntil { logs.allSatisfy { $0.metrics.fsyncs.load(ordering: .relaxed) >= 1 } }
        #expect(plan.syncfsCalls.load(ordering: .relaxed) >= 1)
        #expect(plan.syncs.load(ordering: .relaxed) < logs.count, "the due files were synced one by one")
        try plan.crashEveryFile()
        store.shutdown()
        for index in logs.indices {
            #expect(try readAll(dir.path, "tick\(index)").events.map(\.1) == logLines("i\(index)", count: 2))
        }
    }

    /// Under `--fsync interval`, the writer looks through its waiting logs only once one can be due; a log
    /// whose sync is due now is not held behind one that waits for a later deadline, whether it starts its
    /// sync as it is written (per-file syncs) or waits for the writer's look-through (`--wal-syncfs`, whose
    /// `syncfs` then covers the later log too).
    @Test(arguments: [false, true]) func intervalSyncDueNowIsNotHeldBehindALaterOne(_ syncfs: Bool) throws {
        let dir = TemporaryDirectory()
        var options = WALOptions(dataDirectory: dir.path)
        options.writerThreads = 1
        options.syncfsRounds = syncfs
        options.fsync = .interval(milliseconds: 1000)
        let store = try WALStore(options: options, logger: testLogger)
        let due = try store.log(for: "due")
        // Opening counts as its last sync: after an interval, its next record is due for a sync at once.
        usleep(1_100_000)
        let later = try store.log(for: "later")
        _ = try later.appendAndWait(logLines("l", count: 1)).get()
        _ = try due.appendAndWait(logLines("d", count: 1)).get()
        try waitUntil { due.metrics.fsyncs.load(ordering: .relaxed) >= 1 }
        // A `syncfs` covers every waiting log of the file system, due or not yet, so only per-file syncs leave it.
        if !syncfs {
            #expect(later.metrics.fsyncs.load(ordering: .relaxed) == 0, "the later log's sync is due an interval after its opening")
        }
        store.shutdown()
        #expect(later.metrics.fsyncs.load(ordering: .relaxed) >= 1, "shutdown syncs what waits")
    }

    /// Under `--fsync interval` with two sync queues per writer, one repository's fdatasync runs while
    /// another's (on the other queue) is held; with one queue it would wait behind it.
    @Test func intervalSyncsOverlapOnSeveralSyncQueues() throws {
        let dir = TemporaryDirectory()
        let plan = FaultPlan(pathFilter: "held", gateFirstSync: true)
        var options = WALOptions(dataDirectory: dir.path)
        options.writerThreads = 1
        options.syncQueuesPerWriter = 2
        options.fsync = .interval(milliseconds: 5)
        let store = try WALStore(options: options, logger: testLogger, fileSystem: FaultInjectingFileSystem(plan: plan))
        let held = try store.log(for: "held")
        let free = try store.log(for: "free")
        usleep(10_000)
        _ = try held.appendAndWait(logLines("h", count: 1)).get()
        plan.firstSyncStarted.wait()
        _ = try free.appendAndWait(logLines("f", count: 1)).get()
        try waitUntil { free.metrics.fsyncs.load(ordering: .relaxed) >= 1 }
        #expect(held.metrics.fsyncs.load(ordering: .relaxed) == 0, "the held sync is still at the gate")
        plan.firstSyncGate?.signal()
        try waitUntil { held.metrics.fsyncs.load(ordering: .relaxed) >= 1 }
        store.shutdown()
        #expect(try readAll(dir.path, "held").events.map(\.1) == logLines("h", count: 1))
        #expect(try readAll(dir.path, "free").events.map(\.1) == logLines("f", count: 1))
    }

    /// Under `--fsync interval` with per-file syncs, a record written while its log's sync is late (a sync
    /// held at the gate for longer than the interval) is answered only once a sync covers it, not after its
    /// write; the records written while the log was on time are answered at once. When the late sync fails,
    /// the held record is refused and cut away (it was never acknowledged), the acknowledged ones stay.
    @Test(arguments: [false, true]) func lateLogHoldsAppendsUntilTheirSync(_ syncFails: Bool) throws {
        let dir = TemporaryDirectory()
        let plan = FaultPlan(pathFilter: "late", gateFirstSync: true)
        var options = WALOptions(dataDirectory: dir.path)
        options.writerThreads = 1
        options.syncfsRounds = false
        options.fsync = .interval(milliseconds: 20)
        let store = try WALStore(options: options, logger: testLogger, fileSystem: FaultInjectingFileSystem(plan: plan))
        let log = try store.log(for: "late")
        usleep(30_000)
        // Due at once: its sync starts and waits at the gate.
        _ = try log.appendAndWait(logLines("a", count: 1)).get()
        plan.firstSyncStarted.wait()
        // On time: the first write no sync covers, answered after the write.
        _ = try log.appendAndWait(logLines("b", count: 1)).get()
        // Two intervals later that write is still uncovered (the sync ahead of it still runs): held.
        usleep(40_000)
        let held = Completions()
        log.append(EventBatch(samples: logLines("c", count: 1)), completion: held.callback(0))
        usleep(60_000)
        #expect(held.all.isEmpty, "answered before a sync covered it")
        #expect(store.metricsText().contains("sluice_wal_writer_held_appends_total{writer=\"0\"} 1\n"))
        if syncFails { plan.set { $0.syncErrno = EIO } }
        plan.firstSyncGate?.signal()
        held.wait(1)
        if syncFails {
            guard case .failure(.unavailable) = held.all[0]! else { Issue.record("\(held.all[0]!)"); return }
            plan.set { $0.syncErrno = nil }
        } else {
            guard case .success(let position) = held.all[0]! else { Issue.record("\(held.all[0]!)"); return }
            #expect(position.firstSequence == 2)
            #expect(plan.syncs.load(ordering: .relaxed) >= 2, "the held record waited for a second sync")
            #expect(log.metrics.fsyncs.load(ordering: .relaxed) >= 2)
        }
        let metrics = store.metricsText()
        #expect(metrics.contains("sluice_wal_writer_sync_lag_seconds_count{writer=\"0\"}"))
        store.shutdown()
        let read = try readAll(dir.path, "late")
        #expect(read.corruption.isEmpty)
        #expect(read.events.map(\.1) == logLines("a", count: 1) + logLines("b", count: 1) + (syncFails ? [] : logLines("c", count: 1)))
    }

    /// Under `--fsync interval` by default on a shared file system (a temporary folder on the root file
    /// system), a log whose per-file sync is late does not hold its next record: its writer falls back to one
    /// `syncfs` per interval there (counted), the record is answered after its write, and once the late
    /// sync is done everything written is durable. (`--no-wal-syncfs` holds it instead:
    /// ``lateLogHoldsAppendsUntilTheirSync(_:)``.)
    @Test func lateLogFallsBackToSyncfsOnASharedFileSystem() throws {
        let dir = TemporaryDirectory()
        let plan = FaultPlan(pathFilter: "late", gateFirstSync: true)
        var options = WALOptions(dataDirectory: dir.path)
        options.writerThreads = 1
        options.fsync = .interval(milliseconds: 20)
        let store = try WALStore(options: options, logger: testLogger, fileSystem: FaultInjectingFileSystem(plan: plan))
        let log = try store.log(for: "late")
        let others = try (0..<3).map { try store.log(for: "other\($0)") }
        usleep(30_000)
        _ = try log.appendAndWait(logLines("a", count: 1)).get()
        plan.firstSyncStarted.wait()
        _ = try log.appendAndWait(logLines("b", count: 1)).get()
        #expect(store.metricsText().contains("sluice_wal_writer_syncfs_fallbacks_total{writer=\"0\"} 0\n"), "no pressure yet")
        usleep(40_000)
        // Late now: answered after the write all the same, because a syncfs per interval takes over.
        let answered = Completions()
        log.append(EventBatch(samples: logLines("c", count: 1)), completion: answered.callback(0))
        answered.wait(1)
        guard case .success(let position) = answered.all[0]! else { Issue.record("\(answered.all[0]!)"); return }
        #expect(position.firstSequence == 2)
        let metrics = store.metricsText()
        #expect(metrics.contains("sluice_wal_writer_syncfs_fallbacks_total{writer=\"0\"} 1\n"))
        #expect(metrics.contains("sluice_wal_writer_held_appends_total{writer=\"0\"} 0\n"))
        // The other logs' interval syncs are now one syncfs.
        let results = appendToEach(others, tag: "o")
        #expect(results.values.allSatisfy { if case .success = $0 { true } else { false } })
        // The late sync at the gate holds the sync queue the syncfs runs on.
        plan.firstSyncGate?.signal()
        try waitUntil { plan.syncfsCalls.load(ordering: .relaxed) >= 1 }
        try waitUntil { log.metrics.fsyncs.load(ordering: .relaxed) >= 2 }
        try waitUntil { others.allSatisfy { $0.metrics.fsyncs.load(ordering: .relaxed) >= 1 } }
        try plan.crashEveryFile()
        store.shutdown()
        #expect(try readAll(dir.path, "late").events.map(\.1) == logLines("a", count: 1) + logLines("b", count: 1) + logLines("c", count: 1))
        for index in others.indices {
            #expect(try readAll(dir.path, "other\(index)").events.map(\.1) == logLines("o\(index)", count: 2))
        }
    }

    /// Under `--fsync interval`, logs that fall due while the writer's interval syncfs runs wait for it and
    /// share the next one, instead of queueing one syncfs per tick behind it.
    @Test func intervalSyncfsWaitsForTheRunningOne() throws {
        let dir = TemporaryDirectory()
        let plan = FaultPlan(gateSyncfs: true)
        var options = WALOptions(dataDirectory: dir.path)
        options.writerThreads = 1
        options.syncfsRounds = true
        options.fsync = .interval(milliseconds: 5)
        let store = try WALStore(options: options, logger: testLogger, fileSystem: FaultInjectingFileSystem(plan: plan))
        let first = try (0..<10).map { try store.log(for: "first\($0)") }
        let second = try (0..<10).map { try store.log(for: "second\($0)") }
        usleep(10_000)
        #expect(appendToEach(first, tag: "a").values.allSatisfy { if case .success = $0 { true } else { false } })
        try waitUntil { plan.syncfsEntered.load(ordering: .relaxed) >= 1 }
        #expect(appendToEach(second, tag: "b").values.allSatisfy { if case .success = $0 { true } else { false } })
        // Ten intervals with the second logs due and the first syncfs held at the gate.
        usleep(50_000)
        #expect(store.metricsText().contains("sluice_wal_writer_syncfs_total{writer=\"0\"} 1\n"))
        plan.syncfsGate?.signal()
        try waitUntil { (first + second).allSatisfy { $0.metrics.fsyncs.load(ordering: .relaxed) >= 1 } }
        #expect(plan.syncfsCalls.load(ordering: .relaxed) == 2, "the due logs shared the next syncfs")
        store.shutdown()
    }

    /// The choice between one syncfs and per-file fdatasyncs follows their running costs; a probe retries
    /// syncfs while per-file syncs look cheaper.
    @Test func syncDeviceChoosesTheCheaperSync() throws {
        let dir = TemporaryDirectory()
        let handle = try #require(try PosixFileSystem().openFileSystemSync(dir.path))
        defer { handle.close() }
        #expect(!SyncDevice(id: 1, handle: nil).prefersSyncfs(files: 100))
        let device = SyncDevice(id: 1, handle: handle)
        #expect(!device.prefersSyncfs(files: 1))
        #expect(device.prefersSyncfs(files: 2), "an unknown cost is tried")
        device.recordSyncfs(nanos: 1_000_000)
        #expect(!device.prefersSyncfs(files: 2), "fdatasync's cost is unknown: measure it first")
        device.recordFdatasync(nanos: 100_000)
        #expect(device.prefersSyncfs(files: 10))
        #expect(!device.prefersSyncfs(files: 9))
        let probes = (0..<(2 * SyncDevice.probeEvery)).filter { _ in device.prefersSyncfs(files: 3) }.count
        #expect(probes == 2)
    }

    /// Polls `condition` (the pool's state changes on its own thread) for up to 10 s.
    private func waitUntil(_ condition: () -> Bool) throws {
        let deadline = MonotonicClock.nanoseconds() + 10_000_000_000
        while !condition() {
            guard MonotonicClock.nanoseconds() < deadline else { throw WALTestTimeout() }
            usleep(1000)
        }
    }
}

private struct WALTestTimeout: Error {}

/// A small seeded generator for the racing writers' pauses.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
