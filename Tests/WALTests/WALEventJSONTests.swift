import EventModel
import Foundation
import Testing
@testable import WAL

struct WALEventJSONTests {
    static let strings: [([UInt8], String)] = [
        (Array("plain".utf8), #""plain""#),
        (Array("q\"b\\n\n\t\r".utf8), #""q\"b\\n\n\t\r""#),
        ([0x01, 0x1F, 0x7F], #""\u0001\u001f\#u{7F}""#),
        (Array("café 日志 😀".utf8), "\"café 日志 😀\""),
        ([0xC3, 0x28], #""\ufffd(""#),
        ([0xFF, 0x41], #""\ufffdA""#),
        ([0xED, 0xA0, 0x80], #""\ufffd\ufffd\ufffd""#),   // a UTF-16 surrogate is not UTF-8
        ([0xE2, 0x82], #""\ufffd\ufffd""#),              // truncated sequence
        ([0xC0, 0xAF], #""\ufffd\ufffd""#),              // overlong
    ]

    @Test(arguments: strings)
    func escapesStrings(_ bytes: [UInt8], _ expected: String) {
        var out: [UInt8] = []
        bytes.withUnsafeBytes { WALEventJSON.appendString($0, to: &out) }
        #expect(String(decoding: out, as: UTF8.self) == expected)
    }

    /// The same strings inside runs of plain bytes of every length around the sixteen-byte step, so each sits
    /// at every position of a step and in the tail.
    @Test(arguments: strings)
    func escapesStringsAtEveryOffset(_ bytes: [UInt8], _ expected: String) {
        let inner = expected.dropFirst().dropLast()
        for before in 0..<34 {
            for after in [0, 1, 15, 16, 17] {
                let prefix = String(repeating: "a", count: before), suffix = String(repeating: "z", count: after)
                var out: [UInt8] = []
                (Array(prefix.utf8) + bytes + Array(suffix.utf8)).withUnsafeBytes { WALEventJSON.appendString($0, to: &out) }
                #expect(String(decoding: out, as: UTF8.self) == "\"" + prefix + inner + suffix + "\"", "\(before) + \(after)")
            }
        }
    }

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

    /// Long strings take the sixteen-bytes-at-a-time path: every special byte at every position of runs
    /// longer than one block escapes as the short cases above do.
    @Test func escapesSpecialBytesAtEveryPositionOfLongStrings() {
        let specials: [[UInt8]] = [[0x22], [0x5C], [0x0A], [0x01], [0xC3, 0xA9], [0xFF], [0xF0, 0x9F, 0x98, 0x80], [0xE2, 0x82]]
        for length in [15, 16, 17, 31, 32, 33, 47] {
            for position in 0..<length {
                for special in specials {
                    var bytes = (0..<length).map { UInt8(ascii: "a") + UInt8($0 % 26) }
                    let end = min(length, position + special.count)
                    bytes.replaceSubrange(position..<end, with: special.prefix(end - position))
                    var out: [UInt8] = []
                    bytes.withUnsafeBytes { WALEventJSON.appendString($0, to: &out) }
                    // Plain letters as they are around the special bytes escaped alone (a short string,
                    // checked byte by byte in escapesStrings).
                    var alone: [UInt8] = []
                    Array(bytes[position..<end]).withUnsafeBytes { WALEventJSON.appendString($0, to: &alone) }
                    let expected = [0x22] + bytes[..<position] + alone.dropFirst().dropLast() + bytes[end...] + [0x22]
                    #expect(out == expected, "length \(length), \(special) at \(position)")
                }
            }
        }
    }
}
