import Testing
import EventModel

/// `addFields(copying:from:)` leaves the batch exactly as one `addField(copyingName:value:)` per field does.
@Suite struct EventBatchCopiedTests {
    /// Fields as (name, value) texts; a source buffer is built with junk between the runs.
    @Test(arguments: [
        [],
        [("host", "web-01")],
        [("", ""), ("a", ""), ("", "b")],
        [("host", "web-07"), ("service", "checkout"), ("level", "info"), ("status", "200"), ("duration_ms", "17.5"),
         ("trace_id", "c5e818fac0433cbd")],
        [("long", String(repeating: "x", count: 5000)), ("after", "the arena grew")],
        (0..<40).map { ("name\($0)", String(repeating: "v", count: $0 * 3)) },
    ])
    func sameAsOneCallPerField(_ pairs: [(String, String)]) {
        var source: [UInt8] = Array("{junk}".utf8)
        var runs: [SourceField] = []
        for (name, value) in pairs {
            let nameStart = source.count
            source += Array(name.utf8) + Array("\":\"".utf8)
            let valueStart = source.count
            source += Array(value.utf8) + Array("\",\"".utf8)
            runs.append(SourceField(nameStart: nameStart, nameCount: name.utf8.count, valueStart: valueStart, valueCount: value.utf8.count))
        }
        var gathered = EventBatch()
        var oneByOne = EventBatch()
        for batchIndex in [0, 1] {
            // Two events, so that the second's fields follow the first's.
            for event in 0..<2 {
                Array("line \(event)".utf8).withUnsafeBytes {
                    if batchIndex == 0 { gathered.beginEvent(rawstring: $0, ingestMillis: 1) } else { oneByOne.beginEvent(rawstring: $0, ingestMillis: 1) }
                }
                source.withUnsafeBytes { body in
                    if batchIndex == 0 {
                        runs.withUnsafeBufferPointer { gathered.addFields(copying: $0, from: body) }
                    } else {
                        for run in runs {
                            oneByOne.addField(
                                copyingName: UnsafeRawBufferPointer(rebasing: body[Int(run.nameStart)..<Int(run.nameStart + run.nameCount)]),
                                value: UnsafeRawBufferPointer(rebasing: body[Int(run.valueStart)..<Int(run.valueStart + run.valueCount)]))
                        }
                    }
                }
            }
        }
        #expect(gathered.events == oneByOne.events)
        #expect(gathered.fields == oneByOne.fields)
        #expect(gathered.arena == oneByOne.arena)
        #expect(gathered.fields(of: 1).map { String(decoding: gathered.bytes($0.name), as: UTF8.self) } == pairs.map(\.0))
        #expect(gathered.fields(of: 1).map { String(decoding: gathered.bytes($0.value), as: UTF8.self) } == pairs.map(\.1))
    }
}
