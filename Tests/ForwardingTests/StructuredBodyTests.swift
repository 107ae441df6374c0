import EventModel
import Foundation
import Testing
@testable import Forwarding

/// Decoded events become `humio-structured` groups: tags without `#`, consecutive events with the same tags
/// in one group, fields as attributes, the timestamp's sub-millisecond part kept, escaping as `wal cat`'s.
struct StructuredBodyTests {
    func event(_ batch: inout EventBatch, raw: String, millis: Int64, nanos: Int32 = -1, fields: [(String, String)]) {
        _ = batch.beginEvent(rawstring: batch.store(Array(raw.utf8)), ingestMillis: 5)
        batch.setTimestamp(millis: millis, nanos: nanos)
        for (name, value) in fields { batch.addField(name: batch.store(Array(name.utf8)), value: batch.store(Array(value.utf8))) }
    }

    @Test func groupsByTagsAndKeepsEveryPart() throws {
        var batch = EventBatch()
        event(&batch, raw: "a \"quoted\"\n", millis: 1700000000123, nanos: 4567, fields: [("#host", "h1"), ("k", "v")])
        event(&batch, raw: "b", millis: 1700000000124, fields: [("#host", "h1")])
        event(&batch, raw: "c", millis: 1700000000125, fields: [("#host", "h2"), ("n", "1")])
        var body = StructuredBody()
        body.begin()
        body.append(batch)
        body.finish()
        let text = String(decoding: body.bytes, as: UTF8.self)
        #expect(text.contains(#""timestamp":1700000000123.004567,"#))
        #expect(text.contains(#""rawstring":"a \"quoted\"\n""#))
        let groups = try #require(try JSONSerialization.jsonObject(with: Data(body.bytes)) as? [[String: Any]])
        #expect(groups.count == 2)
        #expect(groups[0]["tags"] as? [String: String] == ["host": "h1"])
        #expect(groups[1]["tags"] as? [String: String] == ["host": "h2"])
        let first = try #require(groups[0]["events"] as? [[String: Any]])
        #expect(first.count == 2 && first[0]["attributes"] as? [String: String] == ["k": "v"] && first[1]["rawstring"] as? String == "b")
        #expect(first[0]["timezone"] as? String == "Z")
        let second = try #require(groups[1]["events"] as? [[String: Any]])
        #expect(second[0]["attributes"] as? [String: String] == ["n": "1"] && second[0]["timestamp"] as? Int == 1700000000125)
    }

    @Test func emptyBatchIsAnEmptyArray() {
        var body = StructuredBody()
        body.begin()
        body.finish()
        #expect(body.bytes == Array("[]".utf8))
    }
}
