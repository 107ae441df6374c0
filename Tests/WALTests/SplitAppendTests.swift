#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import EventModel
import Synchronization
import Testing
@testable import WAL
@testable import WALFormat

/// The parts of one request for several repositories are stored all or none (``SplitAppend``).
struct SplitAppendTests {
    func makeStore(_ dir: TemporaryDirectory, _ plan: FaultPlan, policy: FsyncPolicy = .always) throws -> WALStore {
        var options = WALOptions(dataDirectory: dir.path)
        options.fsync = policy
        options.writerThreads = 2
        return try WALStore(options: options, logger: testLogger, fileSystem: FaultInjectingFileSystem(plan: plan))
    }

    func split(_ parts: [(RepositoryLog, [SampleEvent])]) -> Result<[WALPosition], WALError> {
        let done = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<[WALPosition], WALError>?>(nil)
        SplitAppend.append(parts.map { ($0.0, EventBatch(samples: $0.1)) }) { result in
            outcome.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        return outcome.withLock { $0! }
    }

    func stored(_ dir: TemporaryDirectory, _ repository: String) throws -> [SampleEvent] {
        let read = try readAll(dir.path, repository)
        #expect(read.corruption.isEmpty)
        return read.events.map(\.1)
    }

    @Test(arguments: [FsyncPolicy.always, .interval(milliseconds: 5), .none])
    func everyPartIsStoredWhenEveryLogCanTakeIt(_ policy: FsyncPolicy) throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir, FaultPlan(), policy: policy)
        let names = ["web", "api", "db"]
        let logs = try names.map { try store.log(for: $0) }
        #expect(try logs[1].appendAndWait(logLines("first", count: 2)).get().eventCount == 2)
        let positions = try split(zip(logs, names).map { ($0, logLines($1, count: 3)) }).get()
        #expect(positions == [WALPosition(firstSequence: 0, eventCount: 3), WALPosition(firstSequence: 2, eventCount: 3),
                              WALPosition(firstSequence: 0, eventCount: 3)])
        store.shutdown()
        #expect(try stored(dir, "web") == logLines("web", count: 3))
        #expect(try stored(dir, "api") == logLines("first", count: 2) + logLines("api", count: 3))
        #expect(try stored(dir, "db") == logLines("db", count: 3))
    }

    static let faults: [(String, Faults)] = [
        ("a full disk", Faults(growthSpace: 0)),
        ("a full disk after a few bytes", Faults(growthSpace: 100)),
        ("EIO on write", Faults(writeErrno: EIO)),
    ]

    /// One repository's log cannot take its part: the append is refused with that part's error, the
    /// healthy repository stores none of it, and once the fault is gone the same append stores every part
    /// exactly once.
    @Test(arguments: faults)
    func aPartOneLogCannotTakeRefusesTheWholeAppend(_ name: String, _ faults: Faults) throws {
        let dir = TemporaryDirectory()
        let plan = FaultPlan(pathFilter: "/repos/full/")
        let store = try makeStore(dir, plan)
        let healthy = try store.log(for: "healthy")
        let full = try store.log(for: "full")
        // Plain appends: the logs keep no room beyond their records (no reserve is configured).
        for log in [healthy, full] { #expect(try log.appendAndWait(logLines("before", count: 2)).get().eventCount == 2) }

        plan.set { $0 = faults }
        let parts = [(healthy, logLines("request", count: 40)), (full, logLines("request", count: 40))]
        for _ in 0..<3 {
            let refused = split(parts)
            guard case .failure(.unavailable(let reason)) = refused else {
                Issue.record("\(name): expected unavailable, got \(refused)")
                return
            }
            #expect(reason == (faults.writeErrno == nil ? "disk full" : "storage error"))
        }
        // The healthy log gave its reservation back and takes appends.
        #expect(try healthy.appendAndWait(logLines("alone", count: 1)).get().firstSequence == 2)

        plan.set { $0 = Faults() }
        #expect(split(parts).isSuccess)
        store.shutdown()
        #expect(try stored(dir, "healthy") == logLines("before", count: 2) + logLines("alone", count: 1) + logLines("request", count: 40))
        #expect(try stored(dir, "full") == logLines("before", count: 2) + logLines("request", count: 40))
    }

    /// A record whose room was reserved is written over that room even when the disk filled meanwhile,
    /// and an ordinary record staged in between cannot take the room: it needs room of its own, and is
    /// refused when there is none.
    @Test func aReservedRecordIsWrittenIntoItsRoomAfterTheDiskFilled() throws {
        let dir = TemporaryDirectory()
        let plan = FaultPlan()
        let store = try makeStore(dir, plan)
        let log = try store.log(for: "r")
        #expect(try log.appendAndWait(logLines("before", count: 1)).get().eventCount == 1)
        var encoder = WALRecordEncoder()
        let reservedEvents = logLines("reserved", count: 50)
        let record = try encoder.encode(EventBatch(samples: reservedEvents))

        let completions = Completions()
        log.enqueue(PendingAppend(record: .empty, completion: completions.callback(0), target: log.target,
                                  claim: .reserve(bytes: record.bytes.count)))
        completions.wait(1)
        #expect(completions.all[0]?.isSuccess == true)

        plan.set { $0.growthSpace = 0 }
        // Incompressible, and larger than the reservation's rounding: it needs blocks the file lacks.
        let noise = (0..<200).map { _ in
            SampleEvent(timestamp: 1_700_000_000_000, ingest: 1_700_000_000_000,
                        rawstring: (0..<1000).map { _ in UInt8.random(in: 97...122) })
        }
        guard case .failure(.unavailable("disk full")) = log.appendAndWait(noise) else {
            Issue.record("the ordinary record took the reserved room")
            return
        }
        log.enqueue(PendingAppend(record: record, completion: completions.callback(1), target: log.target, claim: .reserved))
        completions.wait(1)
        #expect(try completions.all[1]?.get() == WALPosition(firstSequence: 1, eventCount: 50))
        plan.set { $0 = Faults() }
        store.shutdown()
        #expect(try stored(dir, "r") == logLines("before", count: 1) + reservedEvents)
    }

    /// An empty part is stored nowhere and holds nothing up.
    @Test func anEmptyPartIsStoredNowhereAndTheOthersAreStored() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir, FaultPlan())
        let a = try store.log(for: "a")
        let b = try store.log(for: "b")
        let positions = try split([(a, []), (b, logLines("b", count: 2))]).get()
        #expect(positions[1] == WALPosition(firstSequence: 0, eventCount: 2))
        store.shutdown()
        #expect(try stored(dir, "a").isEmpty)
        #expect(try stored(dir, "b") == logLines("b", count: 2))
    }
}

extension Result {
    var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }
}
