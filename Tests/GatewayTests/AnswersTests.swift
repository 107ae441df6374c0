import Foundation
import Testing
import IngestFormats
import WAL
@testable import Gateway

@Suite struct AnswersTests {
    func body(_ output: [UInt8]) throws -> [String: Any] {
        let text = String(decoding: output, as: UTF8.self)
        let json = try #require(text.range(of: "\r\n\r\n")).upperBound
        return try #require(try JSONSerialization.jsonObject(with: Data(text[json...].utf8)) as? [String: Any])
    }

    @Test func hecRefusalsCarrySplunkCodesAndEventNumbers() throws {
        var output: [UInt8] = []
        let refusal = IngestRefusal(.malformedJSON, message: "long text", invalidEventNumber: 3)
        Answers.refusal(refusal, style: .hec, keepAlive: true, into: &output)
        let object = try body(output)
        #expect(object["text"] as? String == "Invalid data format")
        #expect(object["code"] as? Int == 6)
        #expect(object["invalid-event-number"] as? Int == 3)
    }

    @Test func retryableRefusalsSayWhenAndClose() {
        var output: [UInt8] = []
        Answers.refusal(IngestRefusal(WALError.unavailable(.diskFull)), style: .logScale, keepAlive: true, into: &output)
        let text = String(decoding: output, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 503"))
        #expect(text.contains("Retry-After: 1\r\n"))
        #expect(text.contains("Connection: close\r\n"))
    }

    @Test func bulkAnswersListItemsInOrder() throws {
        var output: [UInt8] = []
        Answers.success(.elastic, bulk: [.created(action: .index), .refused(action: .delete, .deleteUnsupported)],
                        tookMillis: 5, keepAlive: true, into: &output)
        #expect(String(decoding: output, as: UTF8.self).contains("X-Elastic-Product: Elasticsearch"))
        let object = try body(output)
        #expect(object["errors"] as? Bool == true)
        let items = try #require(object["items"] as? [[String: [String: Any]]])
        #expect(items[0]["index"]?["status"] as? Int == 201)
        #expect(items[1]["delete"]?["status"] as? Int == 400)
    }

    @Test func jsonStringsAreEscaped() throws {
        var bytes: [UInt8] = []
        Answers.appendJSONString("a\"b\\c\n\u{1}", &bytes)
        #expect(try JSONSerialization.jsonObject(with: Data(bytes), options: .fragmentsAllowed) as? String == "a\"b\\c\n\u{1}")
    }
}
