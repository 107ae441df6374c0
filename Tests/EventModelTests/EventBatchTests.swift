import Testing
import EventModel

@Suite struct EventBatchTests {
    func text(_ batch: EventBatch, _ span: ByteSpan) -> String {
        String(decoding: batch.bytes(span), as: UTF8.self)
    }

    @Test func buildsEventsWithContiguousFields() {
        var batch = EventBatch()
        Array("first line".utf8).withUnsafeBytes { batch.beginEvent(rawstring: $0, ingestMillis: 5) }
        batch.addField(name: "a", value: "1")
        batch.addField(name: "b", value: "2")
        Array("second".utf8).withUnsafeBytes { batch.beginEvent(rawstring: $0, ingestMillis: 6) }
        batch.addField(name: "c", value: "3")
        #expect(batch.count == 2)
        #expect(batch.fields(of: 0).map { text(batch, $0.name) } == ["a", "b"])
        #expect(batch.fields(of: 1).map { text(batch, $0.value) } == ["3"])
        #expect(text(batch, batch.events[0].rawstring) == "first line")
        #expect(batch.events[1].timestampMillis == 6)
        #expect(batch.events[1].timestampNanos == -1)
    }

    @Test func editsOnlyTheLastEvent() {
        var batch = EventBatch()
        batch.beginEvent(rawstring: batch.store("x"), ingestMillis: 1)
        batch.addField(name: "z", value: "1")
        batch.addField(name: "a", value: "2")
        batch.addField(name: "m", value: "3")
        batch.sortLastEventFields()
        #expect(batch.fields(of: 0).map { text(batch, $0.name) } == ["a", "m", "z"])
        let index = batch.lastEventFieldIndex(named: "m")
        #expect(index == 1)
        batch.removeField(at: 1)
        batch.truncateFields(toCount: 1)
        #expect(batch.fields(of: 0).map { text(batch, $0.name) } == ["a"])
        batch.removeLastEvent()
        #expect(batch.isEmpty && batch.fields.isEmpty)
    }

    @Test func copiesEventsBetweenBatches() {
        var source = EventBatch()
        source.beginEvent(rawstring: source.store("raw"), ingestMillis: 9)
        source.setTimestamp(millis: 1000, nanos: 5)
        source.setTimezone(source.store("+02:00"))
        source.addField(name: "#repo", value: "web")
        var target = EventBatch()
        target.appendCopy(of: 0, from: source)
        #expect(target.events[0].timestampMillis == 1000)
        #expect(target.events[0].timestampNanos == 5)
        #expect(text(target, target.events[0].timezone) == "+02:00")
        #expect(target.equals(target.fields[0].name, "#repo"))
    }

    @Test func storesBytesOfEveryShapeAcrossGrowth() {
        var batch = EventBatch()
        var expected: [UInt8] = []
        for round in 0..<2000 {
            let chunk = Array(repeating: UInt8(round % 251), count: round % 37)
            let span = chunk.withUnsafeBytes { batch.store($0) }
            #expect(Array(batch.bytes(span)) == chunk)
            batch.appendByte(7)
            batch.appendBytes(chunk[...])
            expected += chunk + [7] + chunk
        }
        #expect(Array(batch.arena) == expected)
        batch.truncateArena(to: 10)
        #expect(batch.arenaCount == 10)
    }

    @Test func removeAllKeepsCapacity() {
        var batch = EventBatch()
        for _ in 0..<100 {
            batch.beginEvent(rawstring: batch.store("some event text"), ingestMillis: 0)
            batch.addField(name: "k", value: "v")
        }
        let capacity = batch.arenaCapacity
        batch.removeAll()
        #expect(batch.isEmpty && batch.arena.isEmpty && batch.arenaCapacity == capacity)
        batch.beginEvent(rawstring: batch.store("after reuse"), ingestMillis: 0)
        #expect(text(batch, batch.events[0].rawstring) == "after reuse")
        #expect(batch.arenaCapacity == capacity)
    }
}
