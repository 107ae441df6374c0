import Testing
@testable import IngestFormats
import EventModel
import Parsers

struct BulkDecodingTests {
    static let body = """
        {"index":{"_index":"logs","_id":"1"}}
        {"@timestamp":"2023-11-14T21:00:00Z","message":"hi","n":{"x":1}}

        {"create":{}}\r
        {"message":"two"}\r
        {"delete":{"_id":"1"}}
        {"update":{"_id":"1"}}
        {"doc":{"a":1}}
        {"index":{}}
        "scalar"
        """

    @Test func decodesActionsInOrder() throws {
        var batch = EventBatch()
        var decoder = IngestDecoder()
        try Harness.decode(.elasticBulk, Array(Self.body.utf8), Harness.context(bulkIndex: "fallback"),
                           into: &batch, decoder: &decoder)
        #expect(Harness.render(batch) == [
            Rendered(raw: #"{"@timestamp":"2023-11-14T21:00:00Z","message":"hi","n":{"x":1}}"#, millis: 1_699_995_600_000,
                     fields: ["message=hi", "n.x=1", "#repo=logs"]),
            Rendered(raw: #"{"message":"two"}"#, millis: Harness.ingest, fields: ["message=two", "#repo=fallback"]),
        ])
        #expect(decoder.bulkOutcomes == [
            .created(action: .index),
            .created(action: .create),
            .refused(action: .delete, .deleteUnsupported),
            .refused(action: .update, .updateUnsupported),
            .refused(action: .index, .sourceNotObject),
        ])
    }

    /// An empty `_index` is not sent (the path's index applies), and a source's own `#repo` is content: not a
    /// field, the event marked.
    @Test func emptyIndexAndContentRepository() throws {
        var batch = EventBatch()
        var decoder = IngestDecoder()
        let body = "{\"index\":{\"_index\":\"\"}}\n{\"#repo\":\"humio-audit\",\"m\":1}\n"
        try Harness.decode(.elasticBulk, Array(body.utf8), Harness.context(bulkIndex: "fallback"), into: &batch, decoder: &decoder)
        #expect(Harness.render(batch) == [
            Rendered(raw: ##"{"#repo":"humio-audit","m":1}"##, millis: Harness.ingest,
                     fields: ["@error=true", "@error_msg=\(EventBatch.contentRepositoryMessage)", "m=1", "#repo=fallback"]),
        ])
    }

    @Test func outcomesAreResetBetweenRequests() throws {
        var batch = EventBatch()
        var decoder = IngestDecoder()
        try Harness.decode(.elasticBulk, Array(Self.body.utf8), into: &batch, decoder: &decoder)
        try Harness.decode(.elasticBulk, Array("{\"index\":{}}\n{}\n".utf8), into: &batch, decoder: &decoder)
        #expect(decoder.bulkOutcomes == [.created(action: .index)])
        #expect(batch.count == 3)
        try Harness.decode(.json, Array("{}".utf8), into: &batch, decoder: &decoder)
        #expect(decoder.bulkOutcomes.isEmpty)
    }

    static let failures: [(String, DecodeError)] = [
        ("", .noData),
        ("\n\n", .noData),
        ("{\"upsert\":{}}\n{}\n", .malformedBulk(line: 1, reason: "unknown action; expected create, delete, index or update")),
        ("{\"index\":{}}\n", .malformedBulk(line: 1, reason: "the index action has no source line")),
        ("{\"index\":{}}\n{}\n{\"update\":{}}", .malformedBulk(line: 3, reason: "the update action has no source line")),
        ("{\"index\":{}}\n{\"a\":}", .malformedJSON(offset: 18, reason: "expected a value")),
        ("{\"index\":{}}\n{\"a\":1} x", .malformedJSON(offset: 21, reason: "unexpected data after the JSON value")),
        ("{\"index\":{},\"create\":{}}\n{}", .malformedBulk(line: 1, reason: "an action line must name exactly one action")),
        ("[]\n{}", .malformedBulk(line: 1, reason: "an action line must be a JSON object")),
        ("{}\n{}", .malformedBulk(line: 1, reason: "the action line names no action")),
        ("{\"index\":1}\n{}", .malformedBulk(line: 1, reason: "the action's metadata must be an object")),
        ("{\"index\":{}\n{}", .malformedJSON(offset: 11, reason: "unexpected end of input")),
    ]

    @Test(arguments: failures)
    func refuses(_ body: String, _ expected: DecodeError) {
        #expect(Harness.failure(.elasticBulk, Array(body.utf8)) == expected)
    }
}
