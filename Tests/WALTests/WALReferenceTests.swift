import EventModel
import Testing
@testable import WAL
@testable import WALFormat

/// Format version 3's references (`docs/wal.md`, event layout): field values cut out of `@rawstring` and
/// names repeated from the previous event are written as references, decode to the same events, and a
/// reference outside its target is rejected.
struct WALReferenceTests {
    /// Access-log-like events whose parsed fields are spans of the event's own rawstring (what the parser
    /// stages produce), plus a tag stored on its own.
    static func parsedLines(_ count: Int) -> EventBatch {
        let names = ["client", "", "", "method", "url", "", "statuscode", "size"]
        var batch = EventBatch()
        for index in 0..<count {
            let line = "10.0.\(index % 250).\(index % 7) - - \"GET /api/items/\(index) HTTP/1.1\" \(200 + index % 3) \(index * 37)"
            _ = Array(line.utf8).withUnsafeBytes { batch.beginEvent(rawstring: $0, ingestMillis: 1_700_000_000_000) }
            batch.setTimestamp(millis: 1_700_000_000_000 + Int64(index))
            let raw = batch.lastEvent.rawstring
            for (slot, word) in line.split(separator: " ").enumerated() where !names[slot].isEmpty {
                let start = line.utf8.distance(from: line.utf8.startIndex, to: word.utf8.startIndex)
                let value = ByteSpan(start: raw.start + Int32(start), count: Int32(word.utf8.count))
                batch.addField(name: batch.store(Array(names[slot].utf8)), value: value)
            }
            batch.addField(name: batch.store(Array("#env".utf8)), value: batch.store(Array("prod".utf8)))
        }
        return batch
    }

    func decode(_ record: WALRecord) -> (WALRecordDecoder.Result, EventBatch) {
        var decoder = WALRecordDecoder()
        var batch = EventBatch()
        let result = record.bytes.withUnsafeBytes { decoder.decode($0, into: &batch) }
        return (result, batch)
    }

    @Test(arguments: [1, 2, 1000])
    func parsedFieldsBecomeReferencesAndDecodeToTheSameEvents(_ count: Int) throws {
        let batch = Self.parsedLines(count)
        var referencing = WALRecordEncoder()
        var literal = WALRecordEncoder(references: false)
        let withReferences = try referencing.encode(batch)
        let without = try literal.encode(batch)
        #expect(withReferences.bytes[20] & 2 == 2 && without.bytes[20] & 2 == 0, "flag bit 1 marks the layout")
        // From the second event on, the names are references too; the literal tag stays.
        let ceiling = count < 1000 ? 0.9 : 0.7
        #expect(Double(withReferences.uncompressedBytes) < ceiling * Double(without.uncompressedBytes),
                "\(withReferences.uncompressedBytes) vs \(without.uncompressedBytes)")
        for record in [withReferences, without] {
            let (result, decoded) = decode(record)
            guard case .complete = result else {
                Issue.record("\(result)")
                continue
            }
            #expect(decoded.samples == batch.samples)
        }
    }

    /// Names change between events: other names at the same index, fewer and more fields, empty names, a
    /// name seen two events back. Every layout decodes to the events that were encoded.
    @Test func changingNamesDecodeToTheSameEvents() throws {
        let shapes: [[String]] = [["host", "status", "path"], ["host", "path"], ["status", "host", "path", "extra", ""],
                                  [], ["host", "status", "path"], ["", "", "host"], ["host", "status", "path", "extra", "more"]]
        let samples = shapes.enumerated().map { index, names in
            SampleEvent(timestamp: Int64(index), ingest: 9, rawstring: Array("line \(index) host=web status=200".utf8),
                        fields: names.map { (Array($0.utf8), Array("value-\(index)".utf8)) })
        }
        var encoder = WALRecordEncoder()
        let record = try encoder.encode(EventBatch(samples: samples + samples))
        let (result, decoded) = decode(record)
        guard case .complete = result else {
            Issue.record("\(result)")
            return
        }
        #expect(decoded.samples == samples + samples)
    }

    /// Two events: `abc` with field `n` = `v`, then `xyz` with one field whose name and value items are given.
    func handMadeRecord(name: [UInt8], value: [UInt8]) -> [UInt8] {
        let first: [UInt8] = [0, 0, 0, 0, 3] + Array("abc".utf8) + [1, 2, UInt8(ascii: "n"), 2, UInt8(ascii: "v")]
        let layout = first + [0, 0, 0, 0, 3] + Array("xyz".utf8) + [1] + name + value
        let header = WALRecordHeader(recordLength: WALFormat.recordHeaderSize + layout.count, checksum: 0, firstSequence: 0,
                                     eventCount: 2, flags: WALFormat.flagReferences, minTimestamp: 0, maxTimestamp: 0,
                                     uncompressedLength: layout.count)
        var bytes = [UInt8](repeating: 0, count: WALFormat.recordHeaderSize) + layout
        bytes.withUnsafeMutableBytes { all in
            header.write(into: all)
            let payload = UnsafeRawBufferPointer(rebasing: all[WALFormat.recordHeaderSize...])
            WALRecordHeader.finish(record: all, firstSequence: 0, payloadCRC: WALRecordHeader.payloadChecksum(payload))
        }
        return bytes
    }

    @Test(arguments: [
        ([UInt8(1)], [UInt8(5), 1], "n", "yz"),     // the previous event's field 0; 2 bytes at offset 1
        ([1], [7, 0], "n", "xyz"),                  // the whole rawstring
        ([1], [1, 3], "n", ""),                     // empty, at the end
        ([2, UInt8(ascii: "m")], [3, 2], "m", "z"), // a literal name
    ])
    func referencesDecode(_ name: [UInt8], _ value: [UInt8], _ expectedName: String, _ expectedValue: String) {
        var decoder = WALRecordDecoder()
        var batch = EventBatch()
        let result = handMadeRecord(name: name, value: value).withUnsafeBytes { decoder.decode($0, into: &batch) }
        guard case .complete = result else {
            Issue.record("\(result)")
            return
        }
        #expect(batch.samples.map(\.fields.count) == [1, 1])
        #expect(Array(batch.bytes(batch.fields[1].name)) == Array(expectedName.utf8))
        #expect(Array(batch.bytes(batch.fields[1].value)) == Array(expectedValue.utf8))
    }

    @Test(arguments: [
        ([UInt8(3)], [UInt8(2), 0x76]),   // the previous event has no field 1
        ([1], [7, 1]),                    // 3 bytes at offset 1 of a 3-byte rawstring
        ([1], [3, 3]),                    // 1 byte at offset 3
        ([1], [3, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]),  // offset 2^63
        ([1], [5]),                       // offset missing
        ([0x81], [2, 0x76]),              // name varint runs on
        ([1], [2]),                       // literal value runs past the end
    ])
    func referencesOutsideTheirTargetAreRejected(_ name: [UInt8], _ value: [UInt8]) {
        var decoder = WALRecordDecoder()
        var batch = EventBatch(samples: logLines("kept", count: 1))
        let before = batch.samples
        let result = handMadeRecord(name: name, value: value).withUnsafeBytes { decoder.decode($0, into: &batch) }
        guard case .invalid = result else {
            Issue.record("accepted: \(result)")
            return
        }
        #expect(batch.samples == before)
    }
}
