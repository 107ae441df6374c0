import Testing
import EventModel

/// The fused appends and the short copy they use: same bytes, spans and fields as the separate calls.
@Suite struct EventBatchAppendsTests {
    func text(_ batch: EventBatch, _ span: ByteSpan) -> String {
        String(decoding: batch.bytes(span), as: UTF8.self)
    }

    /// Every length around the copy's word boundaries, at offsets that break alignment: exactly the run is
    /// written (guard bytes on both sides stay), and exactly the source run is read (it is checked by value).
    @Test(arguments: Array(0...72))
    func shortCopyWritesExactlyTheRun(_ count: Int) {
        let source = (0..<(count + 3)).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        for offset in 0..<3 {
            var target = [UInt8](repeating: 0xEE, count: count + 6)
            source.withUnsafeBytes { from in
                target.withUnsafeMutableBytes { to in
                    ShortCopy.copy(from.baseAddress! + offset, to: to.baseAddress! + 3, count: count)
                }
            }
            #expect(Array(target[3..<(3 + count)]) == Array(source[offset..<(offset + count)]))
            #expect(target[0..<3].allSatisfy { $0 == 0xEE } && target[(3 + count)...].allSatisfy { $0 == 0xEE })
        }
    }

    @Test(arguments: [("", ""), ("a", "1"), ("host", "web-01.example.com"), ("", "value"), ("name", ""),
                      ("a.rather.long.flattened[12].name", String(repeating: "v", count: 300))])
    func addFieldCopyingNameAndValue(_ name: String, _ value: String) {
        var fused = EventBatch()
        var separate = EventBatch()
        for batch in [0, 1] {
            Array("line".utf8).withUnsafeBytes {
                if batch == 0 { fused.beginEvent(rawstring: $0, ingestMillis: 1) } else { separate.beginEvent(rawstring: $0, ingestMillis: 1) }
            }
        }
        Array(name.utf8).withUnsafeBytes { n in
            Array(value.utf8).withUnsafeBytes { v in
                fused.addField(copyingName: n, value: v)
                separate.addField(name: n, value: v)
            }
        }
        #expect(fused.fields(of: 0).map { text(fused, $0.name) } == [name])
        #expect(fused.fields(of: 0).map { text(fused, $0.value) } == [value])
        #expect(fused.events == separate.events)
        #expect(fused.fields == separate.fields)
        #expect(fused.arena == separate.arena)
    }

    @Test func addFieldCopyingNameWithStoredValueAndStoreShort() {
        var batch = EventBatch()
        Array("raw".utf8).withUnsafeBytes { batch.beginEvent(rawstring: $0, ingestMillis: 1) }
        let value = Array("200".utf8).withUnsafeBytes { batch.storeShort($0) }
        let empty = Array<UInt8>().withUnsafeBytes { batch.storeShort($0) }
        Array("status".utf8).withUnsafeBytes { batch.addField(copyingName: $0, value: value) }
        #expect(empty.count == 0 && Int(empty.start) == batch.arenaCount - 6)
        #expect(text(batch, batch.fields[0].name) == "status" && text(batch, batch.fields[0].value) == "200")
        #expect(batch.events[0].fieldCount == 1)
    }

    @Test(arguments: [0, 1, 11])
    func addFieldsAppendsToTheLastEvent(_ count: Int) {
        var batch = EventBatch()
        Array("first".utf8).withUnsafeBytes { batch.beginEvent(rawstring: $0, ingestMillis: 1) }
        batch.addField(name: "kept", value: "1")
        Array("second line".utf8).withUnsafeBytes { batch.beginEvent(rawstring: $0, ingestMillis: 2) }
        let raw = batch.events[1].rawstring
        let prepared = (0..<count).map { index in
            Field(nameSpan: ByteSpan(start: raw.start, count: Int32(index % 6)), valueSpan: ByteSpan(start: raw.start + 7, count: 4))
        }
        prepared.withUnsafeBufferPointer { batch.addFields($0) }
        #expect(batch.fields(of: 0).count == 1)
        #expect(Array(batch.fields(of: 1)) == prepared)
        #expect(batch.events[1].fieldCount == Int32(count) && batch.events[1].firstField == 1)
    }

    @Test func lastEventGettersMatchTheLastEvent() {
        var batch = EventBatch()
        Array("first".utf8).withUnsafeBytes { batch.beginEvent(rawstring: $0, ingestMillis: 7) }
        Array("second line".utf8).withUnsafeBytes { batch.beginEvent(rawstring: $0, ingestMillis: 8) }
        batch.setTimestamp(millis: 1_700_000_000_123, nanos: 456_789)
        batch.addField(name: "a", value: "1")
        batch.addField(name: "b", value: "2")
        let last = batch.lastEvent
        #expect(batch.lastEventTime.millis == last.timestampMillis && batch.lastEventTime.nanos == last.timestampNanos)
        #expect(batch.lastEventRawstring == last.rawstring && batch.lastEventFieldCount == Int(last.fieldCount))
        #expect(batch.lastEventFieldCount == 2 && text(batch, batch.lastEventRawstring) == "second line")
    }
}
