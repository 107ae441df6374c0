import EventModel
import JSONStream

/// Splunk HEC events: JSON objects separated only by whitespace. Members: `event` (required, not blank)
/// → `@rawstring` (a string, parsed) or fields (an object, stored as sent, only the token's parser runs; its
/// `#repo` is content, not a field: ``contentMembers``);
/// `time` (seconds, integer, fractional or a string) → `@timestamp`; `timezone` → `@timezone`;
/// `index` → `#repo`; `sourcetype` → `#type` and the parser's name; `source` → `@source`; `host` → `@host`
/// (each of these four empty or null counts as not sent);
/// `fields` → fields (names starting with `#` are tags; a `#type` one names the parser when `sourcetype`
/// does not). A string event's parser: the token's, else the one named, else `kv`.
extension IngestDecoder {
    mutating func decodeHEC(_ body: UnsafeRawBufferPointer, _ context: DecodeContext, _ batch: inout EventBatch) throws {
        var reader = JSONReader(body, maxDepth: context.limits.maxDepth)
        if reader.isAtEnd() { throw DecodeError.noData }
        bodyCopy = (batch.appendSource(body), UInt(bitPattern: body.baseAddress))
        var eventNumber = 0
        while !reader.isAtEnd() {
            do {
                try hecEvent(&reader, eventNumber, context, &batch)
            } catch let error as JSONError {
                throw DecodeError.malformedEvent(eventNumber: eventNumber, offset: error.offset, reason: error.reasonText)
            }
            eventNumber += 1
        }
    }

    mutating func hecEvent(_ reader: inout JSONReader, _ eventNumber: Int, _ context: DecodeContext,
                           _ batch: inout EventBatch) throws {
        let kind = try reader.peek()
        guard kind == .object else {
            throw DecodeError.invalidEvent(eventNumber: eventNumber, reason: "an event must be a JSON object, found \(kind)")
        }
        var draft = beginEvent(context, &batch)
        var sawEvent = false
        var eventIsText = false
        var sourcetype: ByteSpan? = nil
        var fieldsType: ByteSpan? = nil
        try reader.beginObject()
        while let member = try reader.nextMember() {
            if Self.isName(member, "event", reader.bytes) {
                sawEvent = true
                eventIsText = try readHECEventMember(&reader, &draft, eventNumber, &batch)
            } else if Self.isName(member, "time", reader.bytes) {
                try readTimestamp(&reader, &draft, &batch, eventNumber: eventNumber, member: "time")
            } else if Self.isName(member, "timezone", reader.bytes) {
                try readTimezone(&reader, &draft, &batch, eventNumber: eventNumber)
            } else if Self.isName(member, "index", reader.bytes) {
                try addTextMember(&reader, "#repo", eventNumber, &batch)
            } else if Self.isName(member, "sourcetype", reader.bytes) {
                sourcetype = try addTextMember(&reader, "#type", eventNumber, &batch)
                draft.hasType = draft.hasType || sourcetype != nil
            } else if Self.isName(member, "source", reader.bytes) {
                try addTextMember(&reader, "@source", eventNumber, &batch)
            } else if Self.isName(member, "host", reader.bytes) {
                try addTextMember(&reader, "@host", eventNumber, &batch)
            } else if Self.isName(member, "fields", reader.bytes) {
                if let type = try readHECFields(&reader, &draft, eventNumber, &batch) { fieldsType = type }
            } else {
                try reader.skipValue()
            }
        }
        guard sawEvent else { throw DecodeError.eventFieldRequired(eventNumber: eventNumber) }
        let parser: ParserChoice
        if eventIsText {
            draft.requestedParser = sourcetype ?? fieldsType
            parser = chooseParser(draft, fallback: kvChoice, context, batch)
        } else {
            parser = tokenChoice
        }
        finishEvent(&draft, parser: parser, context, &batch)
    }

    /// Reads `event`; returns whether it is text (to be parsed) rather than structured.
    mutating func readHECEventMember(_ reader: inout JSONReader, _ draft: inout EventDraft, _ eventNumber: Int,
                                     _ batch: inout EventBatch) throws -> Bool {
        switch try reader.peek() {
        case .null:
            throw DecodeError.eventFieldBlank(eventNumber: eventNumber)
        case .string:
            let text = try readStoredString(&reader, &batch)
            guard text.count > 0 else { throw DecodeError.eventFieldBlank(eventNumber: eventNumber) }
            batch.setRawstring(text)
            return true
        case .number, .bool:
            batch.setRawstring(store(try reader.readScalar(), of: reader.bytes, &batch))
            return true
        case .object:
            let start = reader.offset
            try reader.beginObject()
            contentMembers = true
            defer { contentMembers = false }
            while let name = try reader.nextMember() {
                try addMember(name, &reader, &draft, &batch)
            }
            batch.setRawstring(storeAsSent(JSONSpan(start: start, count: reader.offset - start), of: reader.bytes, &batch))
            return false
        case .array:
            let start = reader.offset
            try reader.skipValue()
            batch.setRawstring(storeAsSent(JSONSpan(start: start, count: reader.offset - start), of: reader.bytes, &batch))
            return false
        }
    }

    /// Adds a scalar member as the named field; null and the empty string add nothing (clients such as
    /// Python's `splunk-handler` send `"index": ""` for "not set"). Returns the value's span.
    @discardableResult
    mutating func addTextMember(_ reader: inout JSONReader, _ field: StaticString, _ eventNumber: Int,
                                _ batch: inout EventBatch) throws -> ByteSpan? {
        if try reader.peek() == .null {
            try reader.readNull()
            return nil
        }
        let value = try readText(&reader, &batch, eventNumber: eventNumber, member: field)
        guard value.count > 0 else { return nil }
        batch.addField(name: batch.store(field), value: value)
        return value
    }

    /// Reads `fields`; returns the value of a `#type` field when it has one.
    mutating func readHECFields(_ reader: inout JSONReader, _ draft: inout EventDraft, _ eventNumber: Int,
                                _ batch: inout EventBatch) throws -> ByteSpan? {
        guard try Self.open(.object, &reader, eventNumber: eventNumber, "fields") else { return nil }
        var type: ByteSpan? = nil
        while let name = try reader.nextMember() {
            setName(name, of: reader.bytes)
            let isType = name.span.count == 5 && Self.isName(name, "#type", reader.bytes)
            let before = batch.fields.count
            try addFlattened(&reader, &draft, &batch)
            if isType && batch.fields.count == before + 1 { type = batch.fields[before].value }
        }
        return type
    }
}
