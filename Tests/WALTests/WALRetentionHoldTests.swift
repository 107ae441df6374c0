import Foundation
import Synchronization
import Testing
@testable import WAL
@testable import WALFormat

/// Retention keeps sealed segments holding events a forwarding target still needs, up to the hard cap.
struct WALRetentionHoldTests {
    /// One 2-event record per segment (sequences 0, 2, 4, …), retention by size deleting every sealed one.
    func run(hold: UInt64?, maxBytes: Int?) throws -> (firstSequences: [UInt64], dropped: Int) {
        let dir = TemporaryDirectory()
        var options = WALOptions(dataDirectory: dir.path)
        options.segmentBytes = 64
        options.retentionBytes = 1
        options.retentionMaxBytes = maxBytes
        options.retentionHold = { _ in hold }
        let store = try WALStore(options: options, logger: testLogger)
        let log = try store.log(for: "held")
        for round in 0..<6 { _ = try log.appendAndWait(logLines("r\(round)", count: 2)).get() }
        let dropped = log.metrics.forwardDroppedRecords.load(ordering: .relaxed)
        store.shutdown()
        return (dir.segments("held").compactMap { WALFormat.firstSequence(fromFileName: $0) }, dropped)
    }

    @Test func withoutAHoldRetentionDeletesAsBefore() throws {
        #expect(try run(hold: nil, maxBytes: nil).firstSequences == [10])
    }

    @Test func segmentsOwedToATargetStay() throws {
        let result = try run(hold: 4, maxBytes: nil)
        #expect(result.firstSequences == [4, 6, 8, 10])
        #expect(result.dropped == 0)
    }

    @Test func pastTheHardCapTheOldestGoAnywayAndAreCounted() throws {
        let result = try run(hold: 4, maxBytes: 1)
        #expect(result.firstSequences == [10])
        #expect(result.dropped == 6, "events 4..<10 were deleted before delivery")
    }
}
