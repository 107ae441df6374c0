import EventModel
import JSONStream
import Parsers

/// Turns a request body into events appended to an ``EventBatch``, reading the body in place.
///
/// Guarantees:
/// - all or nothing: when ``decode(_:body:context:into:)`` throws, the batch is exactly as it was;
/// - every event gets `@ingesttimestamp`, a sane `@timestamp` (out of range or unreadable → ingest time
///   plus `@error=true` and `@error_msg`), and is run through the parser the spec's rules choose
///   (token parser, else the one the request names, else the endpoint default);
/// - every event respects ``DecodeLimits`` (size and field count), and all stored text is valid UTF-8;
/// - once its scratch buffers and the batch have grown to their working size, decoding allocates
///   nothing per event (parsers aside).
///
/// Keep one per event loop or connection and reuse it: it holds the scratch buffers.
public struct IngestDecoder {
    /// For ``IngestFormat/elasticBulk``: one outcome per action, in request order (empty otherwise).
    public var bulkOutcomes: [BulkItemOutcome] = []

    /// The flattened name of the field being built (`a.b[0].c`).
    var name = NameBuffer()
    /// Bytes copied out of the arena or unescaped before use (truncation, timestamps with escapes).
    var scratch: [UInt8] = []
    /// The minute of the last ISO-8601 timestamp read (events of one request mostly share it).
    var minuteCache = ISO8601MinuteCache()
    /// Fields every event of the current group shares (structured/unstructured `tags` and `fields`), added
    /// to each event with one call, and the value of the last of them that is `#type`.
    var groupFields: [Field] = []
    var groupTypeValue: ByteSpan? = nil
    var parserLookup = ParserLookup()
    /// The buffers the parsers reuse for every event this decoder's owner parses.
    let parseScratch = ParseScratch()
    /// The registry's `kv` parser for this decode, looked up once (and owned here for the decode).
    var kvParser: ParserPipeline?
    /// ``kvParser`` and the token's parser as the decode's events choose them.
    var kvChoice = ParserChoice.none
    var tokenChoice = ParserChoice.none
    /// The `#type` tag added to events a pipeline parses, stored once per decode and shared by the events
    /// (as the group fields are); forgotten at each decode and whenever the batch is rolled back.
    var typeTag: (pipeline: Unretained<ParserPipeline>, field: Field)? = nil
    /// The bytes `#type`, stored once per decode for the same reason.
    var typeName: ByteSpan? = nil
    /// The body of this decode copied into the batch, for decoders that point fields at its runs
    /// (``store(_:of:_:)``), with the address of the body it copies.
    var bodyCopy: (copy: SourceCopy, source: UInt)? = nil
    /// Bytes of the body's copy that the current event's spans point at (its raw text included), counted as
    /// they are taken: they belong to the event as much as bytes stored for it (``applyLimits``).
    var referencedBytes = 0
    /// The attribute names of the structured event before, in order: the next event's are expected to
    /// repeat them (``JSONReader/nextMember(expecting:)``). Spans of this decode's body; the first
    /// ``expectedNameCount`` are valid.
    var expectedNames = [JSONString](repeating: JSONReader.noExpectedName, count: IngestDecoder.gatheredMembers)
    var expectedNameCount = 0
    /// True while the members being read are an event's content (a HEC `event` object, a bulk source), not
    /// the request's envelope: a `#repo` among them names no repository (``addMember``).
    var contentMembers = false

    public init() {}

    /// Puts the batch back to `mark` and forgets every span stored since, so none is shared again.
    mutating func rollBack(to mark: BatchMark, _ batch: inout EventBatch) {
        mark.restore(&batch)
        forgetSharedSpans()
    }

    mutating func forgetSharedSpans() {
        typeTag = nil
        typeName = nil
    }

    /// The `#type` name bytes in the arena (stored on first use in this decode).
    mutating func typeNameSpan(_ batch: inout EventBatch) -> ByteSpan {
        if let typeName { return typeName }
        let span = batch.store("#type")
        typeName = span
        return span
    }

    /// Forgets the current group's shared fields (without a call when there are none).
    mutating func clearGroupFields() {
        if !groupFields.isEmpty {
            groupFields.removeAll(keepingCapacity: true)
            groupTypeValue = nil
        }
    }

    /// Decodes `body` as `format`, appending its events to `batch`.
    public mutating func decode(_ format: IngestFormat, body: UnsafeRawBufferPointer, context: DecodeContext,
                                into batch: inout EventBatch) throws(DecodeError) {
        if !bulkOutcomes.isEmpty { bulkOutcomes.removeAll(keepingCapacity: true) }
        parserLookup.reset()
        forgetSharedSpans()
        bodyCopy = nil
        expectedNameCount = 0
        contentMembers = false
        // Assigned only when it changed: both loops share the pipeline, and storing it retains it.
        if kvParser !== context.parsers.kv { kvParser = context.parsers.kv }
        kvChoice = ParserChoice(kvParser)
        tokenChoice = ParserChoice(context.tokenParser)
        let mark = BatchMark(batch)
        do {
            switch format {
            case .structured: try decodeStructured(body, context, &batch)
            case .unstructured: try decodeUnstructured(body, context, &batch)
            case .raw: try decodeRaw(body, context, &batch)
            case .json: try decodeJSON(body, context, &batch)
            case .hec: try decodeHEC(body, context, &batch)
            case .hecRaw: try decodeHECRaw(body, context, &batch)
            case .elasticBulk: try decodeBulk(body, context, &batch)
            }
        } catch {
            rollBack(to: mark, &batch)
            bulkOutcomes.removeAll(keepingCapacity: true)
            switch error {
            case let error as DecodeError: throw error
            case let error as JSONError: throw DecodeError(error)
            default: throw DecodeError.malformedJSON(offset: 0, reason: "\(error)")
            }
        }
    }
}

/// Where a batch stood, so that a failed decode (or a group decoded again) can put it back.
struct BatchMark {
    let events: Int
    let arena: Int

    init(_ batch: EventBatch) {
        events = batch.count
        arena = batch.arenaCount
    }

    func restore(_ batch: inout EventBatch) {
        while batch.count > events { batch.removeLastEvent() }
        if batch.arenaCount > arena { batch.truncateArena(to: arena) }
    }
}

/// Remembers the parser names a request asked for (up to ``capacity`` of them), so that a request naming
/// the same few parsers for every event (HEC bodies mixing sourcetypes) looks each up, and builds its
/// `String` key, once. Forgotten between requests: a snapshot reload may change what a name means.
struct ParserLookup: Sendable {
    static let capacity = 8

    /// The names, back to back, and where each ends.
    var names: [UInt8] = []
    var ends: [Int] = []
    var pipelines: [ParserPipeline?] = []

    mutating func reset() {
        // Most requests name no parser: nothing to forget then (three calls saved per request).
        guard !ends.isEmpty else { return }
        names.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        pipelines.removeAll(keepingCapacity: true)
    }

    mutating func pipeline(named bytes: UnsafeRawBufferPointer, in registry: ParserRegistry) -> ParserPipeline? {
        var start = 0
        for (index, end) in ends.enumerated() {
            if end - start == bytes.count && names[start..<end].elementsEqual(bytes) { return pipelines[index] }
            start = end
        }
        let found = registry.pipeline(named: bytes)
        if ends.count < Self.capacity {
            names.append(contentsOf: bytes)
            ends.append(names.count)
            pipelines.append(found)
        }
        return found
    }
}
