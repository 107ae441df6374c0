import Testing
import EventModel

/// A source copied into the arena hands out spans of its runs.
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
}
