import Testing
import EventModel

/// A source copied into the arena hands out spans of its runs; the last event's field bytes count every
/// field, wherever its bytes are.
@Suite struct EventBatchSourceTests {
    @Test(arguments: [0, 1, 4096, 70_000])
    func runsOfTheCopyAreTheSourceBytes(_ storedBefore: Int) {
        var batch = EventBatch()
        Array(repeating: UInt8(ascii: "."), count: storedBefore).withUnsafeBytes { _ = batch.store($0) }
        let source = Array(#"{"host":"web-01","status":200}"#.utf8)
        let copy = source.withUnsafeBytes { batch.appendSource($0) }
        #expect(Int(copy.base) == storedBefore)
        #expect(Int(copy.count) == source.count)
        #expect(Array(batch.bytes(copy.span(start: 2, count: 4))) == Array("host".utf8))
        #expect(Array(batch.bytes(copy.span(start: 9, count: 6))) == Array("web-01".utf8))
        #expect(Array(batch.bytes(copy.span(start: source.count - 4, count: 3))) == Array("200".utf8))
        #expect(batch.bytes(copy.span(start: source.count, count: 0)).isEmpty)
    }

    @Test func lastEventFieldBytesCountsOnlyTheLastEventsNamesAndValues() {
        var batch = EventBatch()
        let copy = Array("hostweb-01levelinfo".utf8).withUnsafeBytes { batch.appendSource($0) }
        batch.beginEvent(rawstring: .empty, ingestMillis: 1)
        batch.addField(name: copy.span(start: 0, count: 4), value: copy.span(start: 4, count: 6))
        #expect(batch.lastEventFieldBytes == 10)
        batch.beginEvent(rawstring: .empty, ingestMillis: 1)
        #expect(batch.lastEventFieldBytes == 0)
        // The same runs twice (shared by the events) and a stored field.
        batch.addField(name: copy.span(start: 0, count: 4), value: copy.span(start: 4, count: 6))
        batch.addField(name: copy.span(start: 10, count: 5), value: copy.span(start: 15, count: 4))
        batch.addField(name: batch.store("@error"), value: batch.store("true"))
        #expect(batch.lastEventFieldBytes == 10 + 9 + 10)
    }
}
