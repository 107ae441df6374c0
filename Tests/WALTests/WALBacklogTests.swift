import Dispatch
import EventModel
import Testing
@testable import WAL

/// ``WALOptions/maxPendingBytes``: the backlog of a repository's log, what it admits, and the refusing mark
/// the health answers read.
@Suite struct WALBacklogTests {
    @Test func aBacklogPastTheBoundRefusesUntilItDrains() throws {
        let dir = TemporaryDirectory()
        let plan = FaultPlan(gateFirstSync: true)
        var options = WALOptions(dataDirectory: dir.path)
        options.maxPendingBytes = 4096
        let store = try WALStore(options: options, logger: testLogger, fileSystem: FaultInjectingFileSystem(plan: plan))
        let log = try store.log(for: "slow")
        let completions = Completions()
        // Nothing pending: even a request larger than the bound is admitted.
        #expect(log.pendingBytes == 0 && log.admits(bytes: 1 << 20))
        // The first record's fsync is held: its bytes stay pending.
        log.append(EventBatch(samples: logLines("held", count: 20)), completion: completions.callback(0))
        plan.firstSyncStarted.wait()
        let pending = log.pendingBytes
        #expect(pending > 0)
        #expect(log.admits(bytes: 4096 - pending))
        #expect(!log.isRefusing && store.refusingRepositories.isEmpty)
        #expect(!log.admits(bytes: 4097 - pending))
        #expect(log.isRefusing && store.refusingRepositories == ["slow"])
        plan.firstSyncGate!.signal()
        completions.wait(1)
        #expect(log.pendingBytes == 0)
        #expect(!log.isRefusing && store.refusingRepositories.isEmpty, "cleared once the backlog is at most half the bound")
        store.shutdown()
    }

    @Test func failedAppendsLeaveNoBacklogBehind() throws {
        let dir = TemporaryDirectory()
        let plan = FaultPlan()
        var options = WALOptions(dataDirectory: dir.path)
        options.maxPendingBytes = 1 << 20
        let store = try WALStore(options: options, logger: testLogger, fileSystem: FaultInjectingFileSystem(plan: plan))
        let log = try store.log(for: "broken")
        plan.set { $0.writeErrno = 5 }
        let completions = Completions()
        for index in 0..<5 { log.append(EventBatch(samples: logLines("x\(index)", count: 3)), completion: completions.callback(index)) }
        completions.wait(5)
        #expect(completions.all.values.allSatisfy { if case .failure = $0 { true } else { false } })
        #expect(log.pendingBytes == 0)
        store.shutdown()
    }

    @Test func theDefaultBoundFollowsMemory() {
        #expect(WALOptions.defaultMaxPendingBytes(physicalMemory: 256 << 20) == 64 << 20)
        #expect(WALOptions.defaultMaxPendingBytes(physicalMemory: 4 << 30) == 512 << 20)
        #expect(WALOptions.defaultMaxPendingBytes(physicalMemory: 64 << 30) == 1 << 30)
    }
}
