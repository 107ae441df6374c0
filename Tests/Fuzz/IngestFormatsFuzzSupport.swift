// Shared checks for the IngestFormats fuzz targets (compiled into each of them by perf/fuzz.sh, which links the
// IngestFormats target as SwiftPM builds it). Deterministic: the same input always takes the same path.
//
// `fuzzDecode` decodes the input twice with each of two limit sets (the defaults, and tiny ones that make the
// size, field-count and depth limits bite), into a batch that already holds an event, and traps when:
// - a refused body left the batch different from before, or left bulk outcomes behind;
// - an accepted body produced a span outside the arena, text that is not UTF-8, an event over the field or
//   size limit, or a timestamp outside [1971, ingest + 1 day] that is not the ingest time;
// - decoding the same body again with the same (reused) decoder gave a different batch or outcome.

import EventModel
@testable import IngestFormats
@testable import Parsers

let fuzzIngestMillis: Int64 = 1_700_000_000_000

func fuzzDecode(_ format: IngestFormat, _ data: UnsafePointer<UInt8>, _ size: Int) {
    let body = UnsafeRawBufferPointer(start: data, count: size)
    var tiny = DecodeLimits()
    tiny.maxEventBytes = 64
    tiny.maxFields = 4
    tiny.maxDepth = 4
    let registry = fuzzRegistry
    for (limits, token) in [(DecodeLimits(), nil), (tiny, registry.pipeline(named: "none"))] {
        let context = DecodeContext(ingestMillis: fuzzIngestMillis, tokenParser: token, parsers: registry,
                                    limits: limits, bulkDefaultIndex: Array("fallback".utf8))
        var decoder = IngestDecoder()
        var first = prefilledBatch()
        let firstResult = decodeOnce(format, body, context, &decoder, &first)
        var second = prefilledBatch()
        let secondResult = decodeOnce(format, body, context, &decoder, &second)
        fuzzCheck(firstResult == secondResult, "a reused decoder answered differently")
        fuzzCheck(first.arena == second.arena && first.events == second.events && first.fields == second.fields,
                  "a reused decoder built a different batch")
        if firstResult != nil {
            let pristine = prefilledBatch()
            fuzzCheck(first.arena == pristine.arena && first.events == pristine.events && first.fields == pristine.fields,
                      "a refused body changed the batch")
            fuzzCheck(decoder.bulkOutcomes.isEmpty, "a refused body left bulk outcomes")
        } else {
            checkBatch(first, limits)
        }
    }
}

let fuzzRegistry = try! ParserRegistry.compile([CustomParserDefinition(name: "mine", stages: [])])

func prefilledBatch() -> EventBatch {
    var batch = EventBatch()
    batch.beginEvent(rawstring: batch.store("before"), ingestMillis: 1)
    batch.addField(name: "k", value: "v")
    return batch
}

func decodeOnce(_ format: IngestFormat, _ body: UnsafeRawBufferPointer, _ context: DecodeContext,
                _ decoder: inout IngestDecoder, _ batch: inout EventBatch) -> DecodeError? {
    do throws(DecodeError) {
        try decoder.decode(format, body: body, context: context, into: &batch)
        return nil
    } catch {
        return error
    }
}

func checkBatch(_ batch: EventBatch, _ limits: DecodeLimits) {
    func valid(_ span: ByteSpan) -> Bool {
        guard span.start >= 0, span.count >= 0, Int(span.start) + Int(span.count) <= batch.arena.count else { return false }
        return String(validating: batch.bytes(span), as: UTF8.self) != nil
    }
    for index in 1..<batch.count {
        let event = batch.events[index]
        fuzzCheck(valid(event.rawstring) && valid(event.timezone), "rawstring or timezone outside the arena or not UTF-8")
        fuzzCheck(Int(event.fieldCount) <= limits.maxFields, "more fields than the limit")
        fuzzCheck(Int(event.rawstring.count) <= max(limits.maxEventBytes, 0) || event.rawstring.count <= 3,
                  "rawstring over the size limit")
        fuzzCheck(event.ingestMillis == fuzzIngestMillis, "ingest time not set")
        let sane = event.timestampMillis >= 31_536_000_000 && event.timestampMillis <= fuzzIngestMillis + 86_400_000
        fuzzCheck(sane || event.timestampMillis == fuzzIngestMillis, "timestamp out of range kept")
        fuzzCheck(event.timestampNanos >= -1 && event.timestampNanos < 1_000_000, "nanos out of range")
        for field in batch.fields(of: index) {
            fuzzCheck(valid(field.name) && valid(field.value), "field outside the arena or not UTF-8")
        }
    }
}

func fuzzCheck(_ condition: Bool, _ message: StaticString) {
    if !condition { fatalError("\(message)") }
}
