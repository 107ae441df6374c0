import Testing
import EventModel

@Suite struct ScratchRetentionTests {
    /// The answers to requests of (capacity, used), in order.
    static func answers(_ retention: ScratchRetention, _ requests: [(Int, Int)]) -> [Bool] {
        var retention = retention
        return requests.map { retention.shouldRelease(capacity: $0.0, used: $0.1) }
    }

    @Test func releasesAfterPatienceSmallRequestsInARow() {
        // The large request itself, then three small ones (at the limit counts as small).
        let answers = Self.answers(ScratchRetention(limit: 100, patience: 3), [(400, 300), (400, 10), (400, 100), (400, 0)])
        #expect(answers == [false, false, false, true])
    }

    @Test func aLargeRequestStartsTheCountAgain() {
        let answers = Self.answers(ScratchRetention(limit: 100, patience: 2),
                                   [(400, 10), (400, 101), (400, 10), (400, 10), (400, 10)])
        #expect(answers == [false, false, false, true, false], "and counting starts over after a release")
    }

    @Test func neverReleasesABufferWithinTheLimit() {
        let answers = Self.answers(ScratchRetention(limit: 100, patience: 1), [(100, 0), (100, 50), (100, 100), (101, 0)])
        #expect(answers == [false, false, false, true])
    }
}

@Suite struct EventBatchCapacityTests {
    static func filled(events: Int, bytesEach: Int) -> EventBatch {
        var batch = EventBatch()
        let line = [UInt8](repeating: UInt8(ascii: "x"), count: bytesEach)
        for _ in 0..<events {
            line.withUnsafeBytes { _ = batch.beginEvent(rawstring: $0, ingestMillis: 1) }
            batch.addField(name: ByteSpan(start: 0, count: 1), value: ByteSpan(start: 0, count: 1))
        }
        return batch
    }

    @Test func removeAllUpToALimitDropsOnlyBuffersOverIt() {
        var batch = Self.filled(events: 1000, bytesEach: 1000)
        #expect(batch.usedBytes >= 1_000_000)
        #expect(batch.capacityBytes >= batch.usedBytes)
        let before = batch.capacityBytes
        batch.removeAll(keepingCapacityUpTo: 1 << 30)
        #expect(batch.isEmpty && batch.usedBytes == 0)
        #expect(batch.capacityBytes == before, "all within the limit: kept")
        batch = Self.filled(events: 1000, bytesEach: 1000)
        let limit = 256 * 1024
        batch.removeAll(keepingCapacityUpTo: limit)
        #expect(batch.isEmpty)
        #expect(batch.capacityBytes > 0 && batch.capacityBytes <= 2 * limit,
                "the arena (1 MB) is released; events and fields (each under the limit) are kept")
        #expect(batch.arenaCapacity == 0)
        let line = Array("after".utf8)
        line.withUnsafeBytes { _ = batch.beginEvent(rawstring: $0, ingestMillis: 2) }
        #expect(batch.bytes(batch.lastEvent.rawstring).elementsEqual(line), "a released batch grows again")
    }
}
