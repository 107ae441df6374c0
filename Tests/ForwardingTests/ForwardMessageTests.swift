import EventModel
import Testing
@testable import Forwarding
@testable import WAL
@testable import WALFormat

/// Message ids are deterministic and parts join back into the body, each under the payload limit.
struct ForwardMessageTests {
    @Test(arguments: [1, 7, 64, 1000])
    func partsJoinIntoTheBodyAndStayUnderTheLimit(_ maxBody: Int) {
        let body = Array((0..<300).map { "line \($0) " + String(repeating: "x", count: $0 % 13) + "\n" }.joined().utf8)
        for lines in [false, true] {
            let ranges = ForwardMessageBuilder.partRanges(body, maxBody: maxBody, lines: lines)
            #expect(ranges.allSatisfy { $0.count <= maxBody && !$0.isEmpty })
            #expect(ranges.flatMap { body[$0] } == body)
            if lines && maxBody >= 30 { #expect(ranges.dropLast().allSatisfy { body[$0.upperBound - 1] == 10 }) }
        }
    }

    @Test func idsAndHeadersNameTheRecord() {
        let header = WALRecordHeader(recordLength: 100, checksum: 0, firstSequence: 42, eventCount: 3, flags: 0,
                                     minTimestamp: 10, maxTimestamp: 20, uncompressedLength: 52)
        let body = [UInt8](repeating: 65, count: 2500)
        let messages = ForwardMessageBuilder.messages(gateway: "g", repository: "web", header: header, format: .wal, body: body,
                                                      maxPayload: 1024 + 1000)
        #expect(messages.map(\.id) == ["g/web/42/0", "g/web/42/1", "g/web/42/2"])
        #expect(messages.flatMap { body[$0.body] } == body)
        let names = messages[0].headers.map(\.name)
        #expect(names.starts(with: ["Sluice-Repository", "Sluice-Events", "Sluice-First-Sequence", "Sluice-Min-Timestamp", "Sluice-Max-Timestamp"]))
        #expect(messages[1].headers.last == ForwardMessage.Header(name: "Sluice-Part", value: "1/3"))
        #expect(messages[0].headers.contains(ForwardMessage.Header(name: "Sluice-Gateway", value: "g")), "the sending gateway is named")
        #expect(ForwardMessageBuilder.messages(gateway: "g", repository: "web", header: header, format: .wal, body: body,
                                               maxPayload: 1 << 20) == [ForwardMessage(id: "g/web/42/0", headers: Array(messages[0].headers.dropLast()), body: 0..<2500)])
    }

    @Test func ndjsonBodyIsWhatWalCatPrintsInAReusedBuffer() {
        var batch = EventBatch()
        for index in 0..<50 {
            let raw = batch.store(Array("line \(index) \"quoted\"\n".utf8))
            _ = batch.beginEvent(rawstring: raw, ingestMillis: 1000 + Int64(index))
        }
        var expected: [UInt8] = []
        for index in 0..<batch.count { WALEventJSON.appendLine(batch, event: index, to: &expected) }
        var buffer = [UInt8](repeating: 7, count: 10)
        let count = ForwardMessageBuilder.ndjson(batch, into: &buffer)
        #expect(Array(buffer[0..<count]) == expected)
        let grown = buffer.count
        var small = EventBatch()
        let x = small.store(Array("x".utf8))
        _ = small.beginEvent(rawstring: x, ingestMillis: 5)
        let second = ForwardMessageBuilder.ndjson(small, into: &buffer)
        #expect(buffer.count == grown)
        #expect(String(decoding: buffer[0..<second], as: UTF8.self) == #"{"@timestamp":5,"@timezone":"Z","@rawstring":"x","@ingesttimestamp":5}"# + "\n")
    }

    @Test func checkpointParsesOnlyDigits() {
        #expect(ForwardCheckpoint.parse(Array("123\n".utf8)) == 123)
        #expect(ForwardCheckpoint.parse(Array("0".utf8)) == 0)
        for bad in ["", "\n", "12a\n", "-1\n", "99999999999999999999999\n"] { #expect(ForwardCheckpoint.parse(Array(bad.utf8)) == nil) }
    }
}
