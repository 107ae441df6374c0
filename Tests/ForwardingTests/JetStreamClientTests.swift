import Foundation
import Synchronization
import Testing
@testable import Forwarding

/// The tracker of a session's publishes: acknowledgements move the progress past whole records in order,
/// from the answering thread; a poke or a failure wakes the forwarder's wait, an answer only a wait for answers.
struct AckTrackerTests {
    final class Advances: Sendable {
        let seen = Mutex<[UInt64]>([])
        var all: [UInt64] { seen.withLock { $0 } }
    }

    @Test func progressPassesOnlyWholeRecordsAcknowledgedInOrder() {
        let tracker = AckTracker()
        let advances = Advances()
        tracker.reset(acknowledged: 100) { end in advances.seen.withLock { $0.append(end) } }
        tracker.willPublish(id: "g/r/100/0", recordEnd: nil)   // a record in two parts: 100..<110
        tracker.willPublish(id: "g/r/100/1", recordEnd: 110)
        tracker.willPublish(id: "g/r/110/0", recordEnd: 125)
        tracker.willPublish(id: "g/r/125/0", recordEnd: 130)
        #expect(tracker.inFlight == 4)
        tracker.record(id: "g/r/100/0", error: nil)
        #expect(tracker.acknowledged == 100, "half a record is not delivered")
        tracker.record(id: "g/r/110/0", error: nil)
        #expect(tracker.acknowledged == 100, "an answer ahead of an earlier publish's waits for it")
        tracker.record(id: "g/r/100/1", error: nil)
        #expect(tracker.acknowledged == 125)
        tracker.record(id: "g/r/125/0", error: nil)
        #expect(tracker.acknowledged == 130)
        #expect(tracker.inFlight == 0)
        #expect(advances.all == [125, 130], "told once per move, with the new end")
        #expect(tracker.firstFailure == nil)
    }

    @Test func aFailureStopsTheProgressAndIsKept() {
        let tracker = AckTracker()
        tracker.reset(acknowledged: 0)
        tracker.willPublish(id: "a", recordEnd: 5)
        tracker.willPublish(id: "b", recordEnd: 9)
        tracker.record(id: "a", error: nil)
        tracker.record(id: "b", error: "timeout")
        tracker.record(id: "c", error: "later")
        #expect(tracker.acknowledged == 5)
        #expect(tracker.firstFailure == "timeout")
        tracker.reset(acknowledged: 5)
        #expect(tracker.firstFailure == nil && tracker.inFlight == 0 && tracker.acknowledged == 5)
    }

    @Test func aPokeOrAnAnswerWakesTheWaitAndNothingElseDoes() {
        let tracker = AckTracker()
        tracker.reset()
        var seen = tracker.observe()
        var started = Date()
        tracker.wait(seconds: 0.05, unchangedSince: seen, wakeOnAnswers: true)
        #expect(Date().timeIntervalSince(started) >= 0.04, "nothing happened: the wait runs its course")

        seen = tracker.observe()
        tracker.poke()
        tracker.poke()   // one burst, one wake
        started = Date()
        tracker.wait(seconds: 10, unchangedSince: seen, wakeOnAnswers: false)
        #expect(Date().timeIntervalSince(started) < 5, "a poke after observe() is not lost")

        seen = tracker.observe()
        tracker.willPublish(id: "x", recordEnd: 3)
        let answered = Thread { tracker.record(id: "x", error: nil) }
        answered.start()
        started = Date()
        tracker.wait(seconds: 10, unchangedSince: seen, wakeOnAnswers: true)
        while tracker.acknowledged != 3 { usleep(1000) }
        #expect(Date().timeIntervalSince(started) < 5, "an answer from another thread wakes it")
    }

    @Test func anAnswerDoesNotWakeAWaitForNewRecordsButAFailureDoes() {
        let tracker = AckTracker()
        tracker.reset()
        tracker.willPublish(id: "x", recordEnd: 3)
        tracker.willPublish(id: "y", recordEnd: 5)
        var seen = tracker.observe()
        tracker.record(id: "x", error: nil)   // before the wait: still not a reason to wake
        var started = Date()
        tracker.wait(seconds: 0.2, unchangedSince: seen, wakeOnAnswers: false)
        #expect(Date().timeIntervalSince(started) >= 0.15, "an answer leaves a wait for new records asleep")
        #expect(tracker.acknowledged == 3)

        seen = tracker.observe()
        let failed = Thread { usleep(20_000); tracker.record(id: "y", error: "timeout") }
        failed.start()
        started = Date()
        tracker.wait(seconds: 10, unchangedSince: seen, wakeOnAnswers: false)
        #expect(Date().timeIntervalSince(started) < 5, "a failure wakes every wait")
        #expect(tracker.firstFailure == "timeout")
    }

    @Test func anAnswerBeforeAWaitForAnswersIsNotLost() {
        let tracker = AckTracker()
        tracker.reset()
        tracker.willPublish(id: "x", recordEnd: 3)
        let seen = tracker.observe()
        tracker.record(id: "x", error: nil)
        let started = Date()
        tracker.wait(seconds: 10, unchangedSince: seen, wakeOnAnswers: true)
        #expect(Date().timeIntervalSince(started) < 5)
    }
}
