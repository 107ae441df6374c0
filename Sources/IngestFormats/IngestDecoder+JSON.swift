import EventModel
import JSONStream

/// LogScale `json`: an object is one event, an array holds one object per event. Members become fields
/// (nested objects flattened with dots, arrays with indices); `@timestamp` (ISO-8601 or epoch) sets the
/// time and `@timezone` the zone; `@rawstring` is the object's JSON text as sent. Only the token's
/// parser runs.
extension IngestDecoder {
    mutating func decodeJSON(_ body: UnsafeRawBufferPointer, _ context: DecodeContext, _ batch: inout EventBatch) throws {
        var reader = JSONReader(body, maxDepth: context.limits.maxDepth)
        if reader.isAtEnd() { throw DecodeError.noData }
        bodyCopy = (batch.appendSource(body), UInt(bitPattern: body.baseAddress))
        switch try reader.peek() {
        case .object:
            try jsonEvent(&reader, eventNumber: 0, context, &batch)
        case .array:
            try reader.beginArray()
            var eventNumber = 0
            while try reader.nextElement() {
                try jsonEvent(&reader, eventNumber: eventNumber, context, &batch)
                eventNumber += 1
            }
        case let kind:
            throw DecodeError.invalidEvent(eventNumber: 0, reason: "expected an object or an array, found \(kind)")
        }
        try reader.finish()
    }

    /// One object as an event, its JSON text as `@rawstring`.
    mutating func jsonEvent(_ reader: inout JSONReader, eventNumber: Int, _ context: DecodeContext,
                            _ batch: inout EventBatch) throws {
        try Self.expectObject(&reader, eventNumber: eventNumber, "an event")
        var draft = beginEvent(context, &batch)
        let start = reader.offset
        try readObjectEvent(&reader, &draft, eventNumber: eventNumber, &batch)
        batch.setRawstring(storeAsSent(JSONSpan(start: start, count: reader.offset - start), of: reader.bytes, &batch))
        let parser: ParserChoice = tokenChoice
        finishEvent(&draft, parser: parser, context, &batch)
    }

    /// Reads an object's members into the event: `@timestamp` and `@timezone` as the event's time and
    /// zone, everything else as flattened fields.
    mutating func readObjectEvent(_ reader: inout JSONReader, _ draft: inout EventDraft, eventNumber: Int,
                                  _ batch: inout EventBatch) throws {
        try reader.beginObject()
        while let member = try reader.nextMember() {
            if Self.isName(member, "@timestamp", reader.bytes) {
                try readTimestamp(&reader, &draft, &batch, eventNumber: eventNumber, member: "@timestamp")
            } else if Self.isName(member, "@timezone", reader.bytes) {
                try readTimezone(&reader, &draft, &batch, eventNumber: eventNumber)
            } else {
                try addMember(member, &reader, &draft, &batch)
            }
        }
    }
}
