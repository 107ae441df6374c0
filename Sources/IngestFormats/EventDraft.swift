import EventModel
import Parsers

/// What a decoder knows about the event it is building beyond what the batch holds.
struct EventDraft {
    /// The arena size when the event began: the event's own bytes are the ones after it.
    var arenaStart: Int
    /// Set when the event's timestamp could not be read; the event then keeps the ingest time.
    var timestampUnreadable = false
    /// True once a `timezone` member set the zone, so a zone inside an ISO timestamp does not override it.
    var explicitTimezone = false
    /// True once the event has a `#type` field.
    var hasType = false
    /// The parser name the request gave for this event (`type`, `sourcetype`, `#type`), in the arena.
    var requestedParser: ByteSpan? = nil
    /// A structured event's `attributes` object as sent: its raw text when it has no `rawstring`. Set after
    /// the parser would have run, so a token's parser still sees only a `rawstring` that was sent.
    var attributesText: ByteSpan? = nil
}

/// Which parser runs over an event.
///
/// The pipeline is held unretained: pipelines are shared by every event loop, and retaining one per event
/// makes both cores bump the same reference count (costly on HEC with the `kv` fallback). Valid for one
/// decode, whose context (its registry and token parser) and the decoder's ``IngestDecoder/kvParser`` own
/// every pipeline it can name.
enum ParserChoice {
    case none
    case pipeline(Unmanaged<ParserPipeline>)
    /// The request named a parser that does not exist: the event is stored unparsed, with an error.
    case unknown(ByteSpan)

    init(_ pipeline: ParserPipeline?) {
        if let pipeline { self = .pipeline(.passUnretained(pipeline)) } else { self = .none }
    }
}

extension IngestDecoder {
    /// Begins an event whose time is the ingest time until told otherwise.
    mutating func beginEvent(_ context: DecodeContext, _ batch: inout EventBatch) -> EventDraft {
        let start = batch.arenaCount
        batch.beginEvent(rawstring: .empty, ingestMillis: context.ingestMillis)
        referencedBytes = 0
        return EventDraft(arenaStart: start)
    }

    /// Token parser, else the named one, else the endpoint's default.
    mutating func chooseParser(_ draft: EventDraft, fallback: ParserChoice, _ context: DecodeContext,
                               _ batch: EventBatch) -> ParserChoice {
        if case .pipeline = tokenChoice { return tokenChoice }
        if let requested = draft.requestedParser {
            let found = batch.withBytes(requested) { parserLookup.pipeline(named: $0, in: context.parsers) }
            return found.map { .pipeline(.passUnretained($0)) } ?? .unknown(requested)
        }
        return fallback
    }

    /// Runs the parser, settles the timestamp and applies the limits to the event just built.
    ///
    /// The draft is only read, but taken `inout`, that is by address: passed by value, it is packed into
    /// registers through memory, and the word loads right after the byte-wide stores stall.
    mutating func finishEvent(_ draft: inout EventDraft, parser: ParserChoice, _ context: DecodeContext,
                              _ batch: inout EventBatch) {
        // The last event's time is read through a call into EventModel: once, and again only after a change.
        let before = batch.lastEventTime
        var changed = true
        switch parser {
        case .none:
            changed = false
        case .pipeline(let pipeline):
            if batch.lastEventRawstring.count > 0 {
                if !draft.hasType {
                    let tag = typeTag(for: pipeline, &batch)
                    batch.addField(name: tag.name, value: tag.value)
                }
                pipeline._withUnsafeGuaranteedRef { $0.parse(&batch) }
            }
        case .unknown(let name):
            let start = batch.arenaCount
            batch.append("no parser named '")
            batch.withBytes(name) { scratch.removeAll(keepingCapacity: true); scratch.append(contentsOf: $0) }
            batch.append(bytes: scratch)
            batch.append("'; event stored unparsed")
            markError(message: batch.span(from: start), &batch)
        }
        if let text = draft.attributesText, batch.lastEventRawstring.count == 0 {
            batch.setRawstring(text)
        }
        // A time the parser found replaces an unreadable one the envelope had.
        let time = changed ? batch.lastEventTime : before
        let parserSetTime = time.millis != before.millis || time.nanos != before.nanos
        let unreadable: StaticString? = draft.timestampUnreadable && !parserSetTime
            ? "unreadable timestamp; ingest time used" : nil
        let problem = unreadable ?? Timestamp(millis: time.millis, nanos: time.nanos).problem(ingestMillis: context.ingestMillis)
        if let problem {
            batch.setTimestamp(millis: context.ingestMillis, nanos: -1)
            markError(message: batch.store(problem), &batch)
        }
        applyLimits(draft, context.limits, &batch)
    }

    /// The `#type` tag naming `pipeline`, stored on first use in this decode and shared afterwards.
    mutating func typeTag(for pipeline: Unmanaged<ParserPipeline>, _ batch: inout EventBatch) -> Field {
        if let typeTag, typeTag.pipeline.toOpaque() == pipeline.toOpaque() { return typeTag.field }
        let value = batch.store(text: pipeline._withUnsafeGuaranteedRef { $0.name })
        let field = Field(nameSpan: typeNameSpan(&batch), valueSpan: value)
        typeTag = (pipeline, field)
        return field
    }

    /// Adds `@error=true` (once) and an `@error_msg`.
    func markError(message: ByteSpan, _ batch: inout EventBatch) {
        if batch.lastEventFieldIndex(named: "@error") == nil {
            batch.addField(name: "@error", value: "true")
        }
        batch.addField(name: batch.store("@error_msg"), value: message)
    }

    /// Field count: sorted by name, the first `maxFields` kept. Size: the larger of the raw text and the
    /// other bytes the event holds (stored for it or taken from the body's copy; bytes shared by many
    /// events, such as a group's tags, are stored once and not counted); beyond `maxEventBytes` the raw
    /// text is cut (on a UTF-8 boundary) and suffixed `...`, and every field but the tags is dropped (tags
    /// route the event, so they stay).
    mutating func applyLimits(_ draft: EventDraft, _ limits: DecodeLimits, _ batch: inout EventBatch) {
        if batch.lastEventFieldCount > limits.maxFields {
            batch.sortLastEventFields()
            batch.truncateFields(toCount: max(0, limits.maxFields))
        }
        let raw = batch.lastEventRawstring
        let own = batch.arenaCount - draft.arenaStart
        let rawOwn = Int(raw.start) >= draft.arenaStart ? Int(raw.count) : 0
        var rawReferenced = 0
        if let bodyCopy, Int(raw.start) >= Int(bodyCopy.copy.base), Int(raw.start) < draft.arenaStart {
            rawReferenced = Int(raw.count)
        }
        let other = own - rawOwn + referencedBytes - rawReferenced
        guard max(Int(raw.count), other) > limits.maxEventBytes else { return }
        var keep = min(Int(raw.count), max(0, limits.maxEventBytes - 3))
        batch.withBytes(raw) { bytes in
            while keep > 0, keep < bytes.count, bytes[keep] & 0xC0 == 0x80 { keep -= 1 }
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[..<keep]))
        }
        let event = batch.lastEvent
        var kept = 0
        for index in Int(event.firstField)..<Int(event.firstField + event.fieldCount) {
            let field = batch.fields[index]
            let isTag = field.name.count > 0 && batch.arena[Int(field.name.start)] == UInt8(ascii: "#")
            if isTag {
                batch.setField(at: Int(event.firstField) + kept, field)
                kept += 1
            }
        }
        batch.truncateFields(toCount: kept)
        let start = batch.arenaCount
        batch.append(bytes: scratch)
        batch.append("...")
        batch.setRawstring(batch.span(from: start))
    }
}
