import EventModel
@testable import Parsers

/// Shared by the Parsers fuzz targets (compiled into each): runs a pipeline on one input as the last of
/// two events and traps if an invariant breaks — spans outside the arena, the raw text or the earlier
/// event changed, a nanosecond part out of range, or a failed event without its error fields.
enum ParsersFuzz {
    nonisolated(unsafe) static let scratch = ParseScratch()

    static func check(_ pipeline: ParserPipeline, _ data: UnsafePointer<UInt8>, _ size: Int, ingestMillis: Int64 = 1_795_910_400_000) {
        let input = UnsafeRawBufferPointer(start: data, count: size)
        var batch = EventBatch()
        let earlier = batch.store(Array("earlier k=v".utf8))
        batch.beginEvent(rawstring: earlier, ingestMillis: 0)
        batch.addField(name: "x", value: "y")
        batch.beginEvent(rawstring: input, ingestMillis: ingestMillis)
        pipeline.parse(&batch, scratch: scratch)

        precondition(batch.count == 2)
        precondition(batch.fields(of: 0).count == 1 && batch.equals(batch.fields(of: 0).first!.value, "y"))
        let event = batch.lastEvent
        precondition(batch.withBytes(event.rawstring) { $0.elementsEqual(input) }, "rawstring changed")
        precondition(event.timestampNanos >= -1 && event.timestampNanos <= 999_999)
        for span in [event.rawstring, event.timezone] { inArena(span, batch) }
        for field in batch.fields(of: 1) {
            inArena(field.name, batch)
            inArena(field.value, batch)
        }
        // Any error names its reason; a failed stage (`@event_parsed=false`) also sets both error flags.
        if batch.lastEventFieldIndex(named: "@error") != nil {
            precondition(batch.lastEventFieldIndex(named: "@error_msg") != nil)
        }
        if batch.lastEventFieldIndex(named: "@event_parsed") != nil {
            precondition(batch.lastEventFieldIndex(named: "#error") != nil && batch.lastEventFieldIndex(named: "@error") != nil)
        }
        // A parsed time is never before 1971 nor more than a day after ingest.
        precondition(event.timestampMillis == ingestMillis
            || (event.timestampMillis >= 31_536_000_000 && event.timestampMillis <= ingestMillis + 86_400_000))
    }

    static func inArena(_ span: ByteSpan, _ batch: EventBatch) {
        precondition(span.start >= 0 && span.count >= 0 && Int(span.start) + Int(span.count) <= batch.arenaCount, "span outside the arena")
    }
}
