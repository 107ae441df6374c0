@testable import Forwarding
import Synchronization
import Testing

@Suite struct ReplicationWatermarksTests {
    final class Recorder: ReplicationWaiter {
        let outcomes = Mutex<[ReplicationOutcome]>([])
        func replicationSettled(_ outcome: ReplicationOutcome) { outcomes.withLock { $0.append(outcome) } }
        var seen: [ReplicationOutcome] { outcomes.withLock { $0 } }
    }

    @Test func aRequestIsReleasedOnlyWhenEveryTargetPassedItsRecords() {
        let marks = ReplicationWatermarks(timeoutSeconds: 60)
        marks.setTargets(repository: "web", targets: ["a", "b"]) { _ in 10 }
        let early = Recorder(), late = Recorder()
        marks.park(repository: "web", end: 10, waiter: early)
        #expect(early.seen == [.replicated], "already below the watermark")
        marks.park(repository: "web", end: 25, waiter: late)
        marks.advance(repository: "web", target: "a", to: 30)
        #expect(late.seen.isEmpty, "b has not acknowledged it")
        marks.advance(repository: "web", target: "b", to: 24)
        #expect(late.seen.isEmpty)
        marks.advance(repository: "web", target: "b", to: 25)
        #expect(late.seen == [.replicated])
        #expect(marks.watermark("web") == 25)
        // A report going backwards (a session resuming from an older checkpoint) moves nothing.
        marks.advance(repository: "web", target: "b", to: 5)
        #expect(marks.watermark("web") == 25)
        #expect(marks.parkedCount == 0)
    }

    @Test func waitsPastTheTimeoutAreToldSoInOrder() {
        let marks = ReplicationWatermarks(timeoutSeconds: 1)
        marks.setTargets(repository: "web", targets: ["a"]) { _ in 0 }
        let first = Recorder(), second = Recorder()
        marks.park(repository: "web", end: 5, waiter: first)
        marks.park(repository: "web", end: 9, waiter: second)
        marks.expire(nowNanos: 0)
        #expect(first.seen.isEmpty && second.seen.isEmpty)
        marks.expire(nowNanos: .max)
        #expect(first.seen == [.timedOut] && second.seen == [.timedOut])
        // Told once: a later acknowledgement does not tell them again.
        marks.advance(repository: "web", target: "a", to: 9)
        #expect(first.seen == [.timedOut] && second.seen == [.timedOut])
    }

    @Test func aRepositoryWithoutTargetIsToldSoAndShutdownStopsTheRest() {
        let marks = ReplicationWatermarks(timeoutSeconds: 60)
        let orphan = Recorder()
        marks.park(repository: "nowhere", end: 1, waiter: orphan)
        #expect(orphan.seen == [.noTarget])
        #expect(!marks.hasTarget("nowhere"))
        marks.setTargets(repository: "web", targets: ["a"]) { _ in 0 }
        marks.setTargets(repository: "api", targets: ["a"]) { _ in 0 }
        let dropped = Recorder(), stopped = Recorder()
        marks.park(repository: "api", end: 3, waiter: dropped)
        marks.park(repository: "web", end: 3, waiter: stopped)
        marks.retain(repositories: ["web"])
        #expect(dropped.seen == [.noTarget], "its repository no longer forwards to JetStream")
        marks.stopAll()
        #expect(stopped.seen == [.stopped])
    }
}

extension ReplicationWatermarksTests {
    @Test func aParkPokesTheRepositorysForwarderSessionsUntilTheyLeave() {
        let marks = ReplicationWatermarks(timeoutSeconds: 60)
        marks.setTargets(repository: "web", targets: ["a"]) { _ in 0 }
        let session = AckTracker()
        marks.wake(repository: "web", with: session)
        var seen = session.observe()
        marks.park(repository: "web", end: 7, waiter: Recorder())
        #expect(session.observe() != seen, "the park changed what the forwarder waits on")
        seen = session.observe()
        marks.stopWaking(repository: "web", session)
        marks.park(repository: "web", end: 9, waiter: Recorder())
        #expect(session.observe() == seen, "a session that left is not poked")
    }
}
