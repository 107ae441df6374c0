#if canImport(Glibc)
import Glibc
#endif
import EventModel
import Testing
@testable import WAL

/// Model-based test: a seeded random mix of appends, injected faults, clearing them and restarts; after
/// every restart and at the end the log must hold exactly the acknowledged events, densely numbered.
struct WALModelTests {
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    /// (seed, policy, reserve bytes)
    @Test(arguments: [(UInt64(1), FsyncPolicy.always, 0), (2, .always, 0), (3, .none, 0), (4, .interval(milliseconds: 1), 0),
                      (5, .always, 0), (6, .always, 256), (7, .always, 512), (8, .interval(milliseconds: 1), 256)])
    func randomFaultsNeverLoseOrCorruptAcknowledgedEvents(_ seed: UInt64, _ policy: FsyncPolicy, _ reserve: Int) throws {
        let dir = TemporaryDirectory()
        let plan = FaultPlan()
        var options = WALOptions(dataDirectory: dir.path)
        options.fsync = policy
        options.reserveBytes = reserve
        options.segmentBytes = 900
        func open() throws -> WALStore {
            try WALStore(options: options, logger: testLogger, fileSystem: FaultInjectingFileSystem(plan: plan))
        }
        var random = Generator(state: seed)
        var store = try open()
        var acknowledged: [SampleEvent] = []
        var faulty = false
        var failures = 0, restarts = 0
        for step in 0..<150 {
            switch random.next(10) {
            case 0:
                let choice = random.next(4)
                let space = random.next(400)
                plan.set { faults in
                    switch choice {
                    case 0: faults.diskSpace = space
                    case 1: faults.writeErrno = EIO
                    case 2: faults.syncErrno = EIO
                    default: faults.maxBytesPerWrite = 1 + space % 40
                    }
                }
                faulty = choice != 3 || faulty
            case 1:
                plan.set { $0 = Faults() }
                faulty = false
            case 2:
                store.shutdown()
                plan.set { $0 = Faults() }
                faulty = false
                store = try open()
                restarts += 1
                let read = try readAll(dir.path, "model")
                #expect(read.corruption.isEmpty, "step \(step)")
                #expect(read.events.map(\.1) == acknowledged, "step \(step): after restart")
            default:
                let samples = logLines("s\(step)", count: 1 + random.next(6))
                switch try store.log(for: "model").appendAndWait(samples) {
                case .success(let position):
                    #expect(position.firstSequence == UInt64(acknowledged.count), "step \(step)")
                    acknowledged += samples
                case .failure(let error):
                    failures += 1
                    guard case .unavailable = error, faulty else {
                        Issue.record("step \(step): unexpected \(error) (faulty: \(faulty))")
                        return
                    }
                }
            }
        }
        store.shutdown()
        #expect(failures > 0 && restarts > 0 && acknowledged.count > 100, "the mix exercised faults, restarts and appends")
        #expect(dir.segments("model").count > 1, "and rotation")
        let read = try readAll(dir.path, "model")
        #expect(read.corruption.isEmpty)
        #expect(read.events.map(\.1) == acknowledged)
        #expect(read.events.map(\.0) == Array(0..<UInt64(acknowledged.count)))
        #expect(WALVerifier.verify(dataDirectory: dir.path, repository: nil).isClean)
    }
}
