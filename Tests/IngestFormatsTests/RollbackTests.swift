import Testing
@testable import IngestFormats
import EventModel

struct RollbackTests {
    static let failing: [(IngestFormat, String)] = [
        (.structured, #"[{"tags":{"a":"b"},"events":[{"rawstring":"ok"},{"rawstring":"ok2"}]},{"events":[{"rawstring":1}]}]"#),
        (.structured, #"[{"events":[{"rawstring":"ok"}],"tags":{"a":"b"}},{"events":[{"rawstring":"x"}]"#),
        (.unstructured, #"[{"messages":["a","b"]},{"messages":["c",2]}]"#),
        (.hec, #"{"event":"a"}{"event":{"x":1}}{"event":"#),
        (.hec, #"{"event":"a"}{"event":"b"}{"time":1}"#),
        (.json, #"[{"a":1},{"b":2},{"c":"\x"}]"#),
        (.elasticBulk, "{\"index\":{}}\n{\"a\":1}\n{\"index\":{}}\n{\"a\":"),
        (.elasticBulk, "{\"index\":{}}\n{\"a\":1}\n{\"delete\":{}}\n{\"frob\":{}}\n"),
    ]

    @Test(arguments: failing)
    func aRefusedRequestLeavesTheBatchAsItWas(_ format: IngestFormat, _ body: String) throws {
        var batch = EventBatch()
        var decoder = IngestDecoder()
        try Harness.decode(.hec, Array(#"{"event":"before","index":"r","fields":{"k":"v"}}"#.utf8), into: &batch, decoder: &decoder)
        let before = Harness.render(batch)
        let arena = batch.arena
        let fields = batch.fields
        #expect(throws: DecodeError.self) {
            try Harness.decode(format, Array(body.utf8), into: &batch, decoder: &decoder)
        }
        #expect(Harness.render(batch) == before)
        #expect(batch.arena == arena)
        #expect(batch.fields == fields)
        #expect(decoder.bulkOutcomes.isEmpty)
        // The decoder and batch remain usable.
        try Harness.decode(format == .elasticBulk ? .elasticBulk : .json,
                           Array((format == .elasticBulk ? "{\"index\":{}}\n{\"after\":1}" : #"{"after":1}"#).utf8),
                           into: &batch, decoder: &decoder)
        #expect(Harness.render(batch).last?.fields == ["after=1"])
    }

    @Test func aDecoderIsReusableAcrossFormatsWithTheSameResults() throws {
        var fresh = EventBatch()
        var freshDecoder = IngestDecoder()
        var reused = EventBatch()
        var reusedDecoder = IngestDecoder()
        let requests: [(IngestFormat, String)] = [
            (.structured, #"[{"tags":{"t":"1"},"events":[{"rawstring":"s","attributes":{"a":"b"}}]}]"#),
            (.unstructured, #"[{"messages":["u"],"fields":{"f":"g"}}]"#),
            (.hec, #"{"event":"h","sourcetype":"kv"}"#),
            (.hecRaw, "r1\nr2"),
        ]
        for (format, body) in requests {
            try Harness.decode(format, Array(body.utf8), into: &reused, decoder: &reusedDecoder)
        }
        for (format, body) in requests {
            var single = EventBatch()
            try Harness.decode(format, Array(body.utf8), into: &single, decoder: &freshDecoder)
            for index in 0..<single.count { fresh.appendCopy(of: index, from: single) }
        }
        #expect(Harness.render(reused) == Harness.render(fresh))
    }
}
