import EventModel
import Parsers
@testable import IngestFormats

/// An event as plain values, for comparing in tests.
struct Rendered: Equatable, CustomStringConvertible {
    var raw: String
    var millis: Int64
    var nanos: Int32 = -1
    var zone: String = ""
    var fields: [String] = []

    var description: String { "raw=\(raw.debugDescription) t=\(millis).\(nanos) tz=\(zone) fields=\(fields)" }
}

enum Harness {
    /// 2023-11-14T22:13:20Z.
    static let ingest: Int64 = 1_700_000_000_000

    static func context(token: String? = nil, custom: [String] = [], limits: DecodeLimits = DecodeLimits(),
                        bulkIndex: String = "") -> DecodeContext {
        let registry = try! ParserRegistry.compile(custom.map { CustomParserDefinition(name: $0, stages: []) })
        return DecodeContext(ingestMillis: ingest, tokenParser: token.flatMap { registry.pipeline(named: $0) },
                             parsers: registry, limits: limits, bulkDefaultIndex: Array(bulkIndex.utf8))
    }

    static func render(_ batch: EventBatch) -> [Rendered] {
        (0..<batch.count).map { index in
            let event = batch.events[index]
            return Rendered(
                raw: String(decoding: batch.bytes(event.rawstring), as: UTF8.self),
                millis: event.timestampMillis, nanos: event.timestampNanos,
                zone: String(decoding: batch.bytes(event.timezone), as: UTF8.self),
                fields: batch.fields(of: index).map {
                    String(decoding: batch.bytes($0.name), as: UTF8.self) + "=" + String(decoding: batch.bytes($0.value), as: UTF8.self)
                })
        }
    }

    static func decode(_ format: IngestFormat, _ body: [UInt8], _ context: DecodeContext = context(),
                       into batch: inout EventBatch, decoder: inout IngestDecoder) throws(DecodeError) {
        let result = body.withUnsafeBytes { bytes -> Result<Void, DecodeError> in
            do throws(DecodeError) {
                try decoder.decode(format, body: bytes, context: context, into: &batch)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    static func decode(_ format: IngestFormat, _ body: String, _ context: DecodeContext = context()) throws(DecodeError) -> [Rendered] {
        var batch = EventBatch()
        var decoder = IngestDecoder()
        try decode(format, Array(body.utf8), context, into: &batch, decoder: &decoder)
        return render(batch)
    }

    /// The error a decode throws, or nil.
    static func failure(_ format: IngestFormat, _ body: [UInt8], _ context: DecodeContext = context()) -> DecodeError? {
        var batch = EventBatch()
        var decoder = IngestDecoder()
        do throws(DecodeError) {
            try decode(format, body, context, into: &batch, decoder: &decoder)
            return nil
        } catch {
            return error
        }
    }
}
