import Foundation
import Testing
@testable import IngestFormats
import EventModel

struct LineDecodingTests {
    @Test(arguments: [
        ("a\nb\r\nc\rd", ["a", "b", "c", "d"]),
        ("\n\nonly\n\n", ["only"]),
        ("x\r\n\r\ny\r", ["x", "y"]),
        ("  spaced  \n\t", ["  spaced  ", "\t"]),
    ])
    func hecRawSplitsLines(_ body: String, _ lines: [String]) throws {
        let events = try Harness.decode(.hecRaw, body)
        #expect(events == lines.map { Rendered(raw: $0, millis: Harness.ingest, fields: ["#type=kv"]) })
    }

    /// Without a token parser a HEC raw line goes through `kv`, as a HEC `event` string does.
    @Test func hecRawLinesAreParsedAsHECEventStrings() throws {
        let line = #"2023-11-14T21:00:00Z k=v msg="a b""#
        let raw = try Harness.decode(.hecRaw, line)
        #expect(raw == [Rendered(raw: #"2023-11-14T21:00:00Z k=v msg="a b""#, millis: 1_699_995_600_000, zone: "Z",
                                 fields: ["#type=kv", "k=v", "msg=a b"])])
        let escaped = line.replacingOccurrences(of: "\"", with: "\\\"")
        #expect(try Harness.decode(.hec, #"{"event":"\#(escaped)"}"#) == raw)
    }

    @Test(arguments: [IngestFormat.hecRaw, .raw])
    func aTokenParserRunsOnLines(_ format: IngestFormat) throws {
        let events = try Harness.decode(format, "one", Harness.context(token: "tok", custom: ["tok"]))
        #expect(events.map(\.fields) == [["#type=tok"]])
    }

    @Test func rawKeepsTheWholeBodyAsOneEvent() throws {
        let body = "line one\nline two\r\n"
        #expect(try Harness.decode(.raw, body) == [Rendered(raw: body, millis: Harness.ingest)])
    }

    @Test(arguments: [
        ([0x61, 0xFF, 0x62], "a\u{FFFD}b"),
        ([0x61, 0x00, 0x62], "a\u{0}b"),
        ([0xE6, 0x97, 0xA5, 0xE6, 0x97], "日\u{FFFD}"),
        ([0xED, 0xA0, 0x80, 0x41], "\u{FFFD}\u{FFFD}\u{FFFD}A"),
        ([0xF0, 0x9F, 0x98, 0x80, 0xC0, 0xAF], "😀\u{FFFD}\u{FFFD}"),
        (Array("0123456789abcdef".utf8) + [0x80], "0123456789abcdef\u{FFFD}"),
    ] as [([UInt8], String)])
    func storesValidUTF8Only(_ body: [UInt8], _ expected: String) throws {
        for format in [IngestFormat.raw, .hecRaw] {
            var batch = EventModel.EventBatch()
            var decoder = IngestDecoder()
            try Harness.decode(format, body, into: &batch, decoder: &decoder)
            #expect(Harness.render(batch).map(\.raw) == [expected])
            #expect(Array(batch.bytes(batch.events[0].rawstring)) == Array(expected.utf8))
        }
    }

    @Test(arguments: [IngestFormat.raw, .hecRaw])
    func refusesEmptyBodies(_ format: IngestFormat) {
        #expect(Harness.failure(format, []) == .noData)
    }

    @Test func hecRawWithOnlyLineBreaksHasNoData() {
        #expect(Harness.failure(.hecRaw, Array("\n\r\n\r".utf8)) == .noData)
    }
}
