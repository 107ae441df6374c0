import EventModel
import Testing
@testable import Parsers

/// The outcome of running a pipeline on one line, as plain values for assertions.
struct ParsedEvent {
    var timestampMillis: Int64
    var timestampNanos: Int32
    var timezone: String
    var fields: [(String, String)]

    /// The first field with this name.
    subscript(_ name: String) -> String? { fields.first { $0.0 == name }?.1 }

    var names: [String] { fields.map(\.0) }
    var failed: Bool { self["@error"] == "true" }

    /// 2026-11-29T00:00:00Z, the ingest time every test uses.
    static let ingestMillis: Int64 = 1_795_910_400_000

    static func run(_ pipeline: ParserPipeline, _ line: [UInt8], ingestMillis: Int64 = ingestMillis,
                    fields preset: [(String, String)] = []) -> ParsedEvent {
        var batch = EventBatch()
        // A previous event, so that spans of the parsed one start past zero.
        let earlier = batch.store(Array("earlier event".utf8))
        batch.beginEvent(rawstring: earlier, ingestMillis: 0)
        line.withUnsafeBytes { _ = batch.beginEvent(rawstring: $0, ingestMillis: ingestMillis) }
        for (name, value) in preset {
            Array(name.utf8).withUnsafeBytes { n in Array(value.utf8).withUnsafeBytes { v in batch.addField(name: n, value: v) } }
        }
        pipeline.parse(&batch)
        #expect(batch.count == 2, "the parsed event is still there and nothing else was added")
        #expect(batch.fields(of: 0).isEmpty)
        let event = batch.lastEvent
        #expect(String(decoding: batch.bytes(event.rawstring), as: UTF8.self) == String(decoding: line, as: UTF8.self),
                "@rawstring is kept intact")
        return ParsedEvent(
            timestampMillis: event.timestampMillis, timestampNanos: event.timestampNanos,
            timezone: String(decoding: batch.bytes(event.timezone), as: UTF8.self),
            fields: batch.fields(of: 1).map {
                (String(decoding: batch.bytes($0.name), as: UTF8.self), String(decoding: batch.bytes($0.value), as: UTF8.self))
            })
    }

    static func run(_ parser: String, _ line: String, ingestMillis: Int64 = ingestMillis) -> ParsedEvent {
        run(ParserRegistry.builtins.pipeline(named: parser)!, Array(line.utf8), ingestMillis: ingestMillis)
    }
}
