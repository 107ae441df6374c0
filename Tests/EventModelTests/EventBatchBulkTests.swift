import Testing
import EventModel

/// The bulk appends a decoder uses: arena bytes written in place, prepared events and fields appended after
/// what the batch already holds.
@Suite struct EventBatchBulkTests {
    func text(_ batch: EventBatch, _ span: ByteSpan) -> String {
        String(decoding: batch.bytes(span), as: UTF8.self)
    }

    /// Appended after 0, 1 or 3 existing events (with fields), at arena sizes that do and do not force growth.
    @Test(arguments: [0, 1, 3], [16, 5000])
    func appendsPreparedEventsAfterExistingOnes(_ existing: Int, _ payload: Int) {
        var batch = EventBatch()
        for index in 0..<existing {
            Array("old \(index)".utf8).withUnsafeBytes { batch.beginEvent(rawstring: $0, ingestMillis: Int64(index)) }
            batch.addField(name: "k", value: "v")
        }
        let arenaBefore = batch.arenaCount
        let fieldsBefore = batch.fields.count
        let bytes = Array("host" + "web-1" + String(repeating: "x", count: payload)).map { UInt8($0.asciiValue!) }
        let written = batch.appendArenaBytes(count: bytes.count) { out in
            bytes.withUnsafeBytes { out.copyMemory(from: $0) }
            return out.count
        }
        #expect(written == bytes.count)
        #expect(batch.arenaCount == arenaBefore + bytes.count)
        let base = Int32(arenaBefore)
        let name = ByteSpan(start: base, count: 4), value = ByteSpan(start: base + 4, count: 5)
        let raw = ByteSpan(start: base + 9, count: Int32(payload))
        let events = [Event(rawstring: raw, timezone: .empty, millis: 7, nanos: 12, ingestMillis: 8,
                            firstField: Int32(fieldsBefore), fieldCount: 2),
                      Event(rawstring: name, timezone: value, millis: 9, nanos: -1, ingestMillis: 10,
                            firstField: Int32(fieldsBefore + 2), fieldCount: 0)]
        let fields = [Field(nameSpan: name, valueSpan: value), Field(nameSpan: value, valueSpan: name)]
        events.withUnsafeBufferPointer { e in fields.withUnsafeBufferPointer { f in batch.append(events: e, fields: f) } }
        #expect(batch.count == existing + 2)
        #expect(batch.fields(of: existing).map { text(batch, $0.name) } == ["host", "web-1"])
        #expect(batch.fields(of: existing + 1).isEmpty)
        #expect(text(batch, batch.events[existing].rawstring) == String(repeating: "x", count: payload))
        #expect(batch.events[existing].timestampNanos == 12)
        #expect(text(batch, batch.events[existing + 1].timezone) == "web-1")
        for index in 0..<existing {
            #expect(text(batch, batch.events[index].rawstring) == "old \(index)")
            #expect(batch.fields(of: index).map { text(batch, $0.value) } == ["v"])
        }
    }

    @Test func aFillThatGivesUpIsCutAgain() {
        var batch = EventBatch()
        batch.beginEvent(rawstring: batch.store("kept"), ingestMillis: 1)
        let before = batch.arenaCount
        let accepted = batch.appendArenaBytes(count: 100) { _ in false }
        #expect(!accepted)
        batch.truncateArena(to: before)
        #expect(batch.arenaCount == before)
        #expect(text(batch, batch.events[0].rawstring) == "kept")
    }
}
