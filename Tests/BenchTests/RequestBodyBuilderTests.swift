import Foundation
import Testing
@testable import Bench

@Suite struct RequestBodyBuilderTests {
    func body(_ format: BenchFormat, batch: Int, seed: UInt64 = 11) -> [UInt8] {
        var generator = PayloadGenerator(seed: seed)
        return RequestBodyBuilder(format: format, batch: batch).build(&generator)
    }

    func json(_ bytes: some Sequence<UInt8>) -> Any? {
        try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
    }

    @Test(arguments: [1, 7, 100])
    func structuredHoldsOneEventPerLine(_ batch: Int) throws {
        let envelope = try #require(json(body(.structured, batch: batch)) as? [[String: Any]])
        let events = try #require(envelope.first?["events"] as? [[String: Any]])
        #expect(events.count == batch)
        #expect(events.allSatisfy { $0["rawstring"] is String && $0["timestamp"] is String })
    }

    @Test(arguments: [1, 7, 100])
    func unstructuredAndJSONHoldOneEventPerLine(_ batch: Int) throws {
        let envelope = try #require(json(body(.unstructured, batch: batch)) as? [[String: Any]])
        #expect((envelope.first?["messages"] as? [String])?.count == batch)
        #expect((json(body(.json, batch: batch)) as? [[String: Any]])?.count == batch)
    }

    @Test(arguments: [BenchFormat.hec, .bulk], [1, 5, 50])
    func concatenatedAndNDJSONFormatsParseObjectByObject(_ format: BenchFormat, _ batch: Int) throws {
        let bytes = body(format, batch: batch)
        var objects = 0
        if format == .bulk {
            #expect(bytes.last == 0x0A)
            let lines = bytes.split(separator: 0x0A)
            #expect(lines.count == 2 * batch)
            for line in lines { #expect(json(line) is [String: Any]); objects += 1 }
            objects /= 2
        } else {
            // Concatenated objects: split where "}{" meets (lines never contain a raw "}{" after escaping? they
            // may, so count parsed "event" members through a decoder over the whole stream instead).
            let text = String(decoding: bytes, as: UTF8.self)
            objects = text.components(separatedBy: #"{"time":"#).count - 1
            for piece in text.components(separatedBy: #"{"time":"#).dropFirst() {
                #expect(json(Array((#"{"time":"# + piece).utf8)) is [String: Any])
            }
        }
        #expect(objects == batch)
        #expect(format.events(forLines: batch) == batch)
    }

    @Test func rawIsOneEventAndHECRawOneEventPerLine() {
        let raw = body(.raw, batch: 10)
        #expect(raw.split(separator: 0x0A).count == 10)
        #expect(BenchFormat.raw.events(forLines: 10) == 1)
        #expect(body(.hecRaw, batch: 10).split(separator: 0x0A).count == 10)
        #expect(BenchFormat.hecRaw.events(forLines: 10) == 10)
    }

    @Test(arguments: BenchFormat.allCases)
    func bodiesAreReproducible(_ format: BenchFormat) {
        #expect(body(format, batch: 20, seed: 3) == body(format, batch: 20, seed: 3))
        #expect(body(format, batch: 20, seed: 3) != body(format, batch: 20, seed: 4))
    }

    @Test func jsonStringsEscapeQuotesBackslashesAndControls() {
        var out: [UInt8] = []
        RequestBodyBuilder.appendJSONString(Array("a\"b\\c\nd\u{1}".utf8), &out)
        #expect(String(decoding: out, as: UTF8.self) == #""a\"b\\c\nd\u0001""#)
    }

    @Test func gzipRequestsAnnounceTheCompressedLength() throws {
        var generator = PayloadGenerator(seed: 1)
        let pool = try RequestPool(url: BenchURL(host: "h", port: 8080, path: ""), token: "T", format: .structured,
                                   batch: 50, gzip: true, generator: &generator, count: 2)
        for entry in pool.entries {
            let text = String(decoding: entry.request, as: UTF8.self)
            #expect(text.hasPrefix("POST /api/v1/ingest/humio-structured HTTP/1.1\r\nHost: h:8080\r\n"))
            #expect(text.contains("Authorization: Bearer T\r\n"))
            #expect(text.contains("Content-Encoding: gzip\r\n"))
            #expect(text.contains("Content-Length: \(entry.bodyBytes)\r\n\r\n"))
            #expect(entry.bodyBytes < entry.rawBodyBytes)
            #expect(Array(entry.request.suffix(entry.bodyBytes).prefix(2)) == [0x1F, 0x8B])
        }
    }

    @Test func tokenListIsSpreadRoundRobinOverTheRequests() throws {
        var generator = PayloadGenerator(seed: 1)
        let tokens = ["A1", "B2", "C3"]
        let pool = try RequestPool(url: BenchURL(host: "h", port: 8080, path: ""), token: nil, tokens: tokens, format: .structured,
                                   batch: 1, gzip: false, generator: &generator, count: 2)
        #expect(pool.entries.count == 3)
        for (index, entry) in pool.entries.enumerated() {
            let text = String(decoding: entry.request, as: UTF8.self)
            #expect(text.contains("Authorization: Bearer \(tokens[index])\r\n"))
            #expect(text.components(separatedBy: "Authorization:").count == 2)
        }
    }
}
