import EventModel
import Foundation
import Testing
@testable import WAL

struct WALEventJSONTests {
    /// Integers (written two digits at a time) are their decimal text, at every length and sign.
    @Test func writesIntegersAsDecimalDigits() {
        var values: [Int64] = [0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 1_765_000_000_123, .max, .min, -1, -10, -100]
        var power: Int64 = 1
        for _ in 0..<18 {
            power *= 10
            values += [power - 1, power, power + 1, -power]
        }
        for value in values {
            var batch = EventBatch()
            let raw = batch.store(Array("x".utf8))
            _ = batch.beginEvent(rawstring: raw, ingestMillis: value)
            var out: [UInt8] = []
            WALEventJSON.appendLine(batch, event: 0, sequence: value == .min ? .max : UInt64(value.magnitude), to: &out)
            let sequence = value == .min ? "18446744073709551615" : "\(value.magnitude)"
            #expect(String(decoding: out, as: UTF8.self) ==
                    #"{"@timestamp":\#(value),"@timezone":"Z","@rawstring":"x","@ingesttimestamp":\#(value),"@sequence":\#(sequence)}"# + "\n")
        }
    }

    @Test func linesOfARangeAreTheLinesOfItsEvents() {
        let samples = (0..<5).map { index in
            SampleEvent(timestamp: 1_700_000_000_000 + Int64(index), ingest: 1_700_000_000_500, rawstring: Array("line \(index) \"quoted\" é".utf8),
                        fields: [(Array("n".utf8), Array("\(index)".utf8))])
        }
        let batch = EventBatch(samples: samples)
        for ingestTimestamp in [true, false] {
            var one: [UInt8] = Array("kept ".utf8)
            for index in 1..<4 {
                WALEventJSON.appendLine(batch, event: index, sequence: 100 + UInt64(index - 1), ingestTimestamp: ingestTimestamp, to: &one)
            }
            var range: [UInt8] = Array("kept ".utf8)
            WALEventJSON.appendLines(batch, events: 1..<4, firstSequence: 100, ingestTimestamp: ingestTimestamp, to: &range)
            #expect(range == one)
            #expect(String(decoding: one, as: UTF8.self).contains(#""@sequence":102,"n":"3"}"#))
            #expect(String(decoding: one, as: UTF8.self).contains("@ingesttimestamp") == ingestTimestamp)
        }
        var empty: [UInt8] = []
        WALEventJSON.appendLines(batch, events: 2..<2, to: &empty)
        #expect(empty.isEmpty)
    }

    @Test func writesEventsAsParseableJSONLines() throws {
        let samples = [
            SampleEvent(timestamp: 1_700_000_000_123, nanos: 456, ingest: 1_700_000_000_200, rawstring: [0x61, 0xFF, 0x0A],
                        fields: [(Array("host".utf8), Array("web-1".utf8)), (Array("#env".utf8), Array("prod".utf8))]),
            SampleEvent(timestamp: -5, ingest: 7, timezone: Array("+02:00".utf8), rawstring: []),
        ]
        let batch = EventBatch(samples: samples)
        var out: [UInt8] = []
        for index in 0..<batch.count { WALEventJSON.appendLine(batch, event: index, sequence: UInt64(index), to: &out) }
        let lines = String(decoding: out, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 2)
        let first = try #require(JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["@timestamp"] as? Int == 1_700_000_000_123)
        #expect(first["@timestamp.nanos"] as? Int == 456)
        #expect(first["@timezone"] as? String == "Z")
        #expect(first["@rawstring"] as? String == "a\u{FFFD}\n")
        #expect(first["@ingesttimestamp"] as? Int == 1_700_000_000_200)
        #expect(first["host"] as? String == "web-1")
        #expect(first["#env"] as? String == "prod")
        let second = try #require(JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
        #expect(second["@timestamp.nanos"] == nil)
        #expect(second["@timezone"] as? String == "+02:00")
        #expect(second["@sequence"] as? Int == 1)
    }
}
