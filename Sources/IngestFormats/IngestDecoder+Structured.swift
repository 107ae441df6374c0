import EventModel
import JSONStream

/// LogScale `humio-structured`: `[{"tags": {..}, "events": [{"timestamp", "timezone", "attributes", "rawstring"}]}]`.
/// A single group object without the array is accepted too. Events are stored as sent; only the token's
/// parser runs (on `rawstring`). Without `rawstring` (absent, null or empty) the raw text is the `attributes`
/// object as sent, so every reader shows the attributes as JSON (spec "Event model"): a span of the body's
/// copy the batch already holds, and the attribute values inside it are stored as slices of it.
extension IngestDecoder {
    mutating func decodeStructured(_ body: UnsafeRawBufferPointer, _ context: DecodeContext,
                                   _ batch: inout EventBatch) throws {
        if !body.isEmpty { bodyCopy = (batch.appendSource(body), UInt(bitPattern: body.baseAddress)) }
        try decodeGroups(.structured, body, context, &batch)
    }

    /// One group. Its events are decoded as they come; when `tags` come after `events`, the group's
    /// events are dropped and decoded again with the tags (both parts are already validated then).
    mutating func structuredGroup(_ reader: inout JSONReader, _ body: UnsafeRawBufferPointer, _ eventNumber: inout Int,
                                  _ context: DecodeContext, _ batch: inout EventBatch) throws {
        try Self.expectObject(&reader, eventNumber: eventNumber, "a group")
        let mark = BatchMark(batch)
        let firstNumber = eventNumber
        clearGroupFields()
        var tags: MemberPlace? = nil
        var events: MemberPlace? = nil
        var decodeAgain = false
        try reader.beginObject()
        while let member = try reader.nextMember() {
            if Self.isName(member, "tags", reader.bytes) {
                _ = try reader.peek()
                tags = MemberPlace(offset: reader.offset, depth: reader.depth)
                try readGroupFields(&reader, tagPrefix: true, eventNumber: eventNumber, &batch, reset: true)
                decodeAgain = events != nil
            } else if Self.isName(member, "events", reader.bytes) {
                _ = try reader.peek()
                events = MemberPlace(offset: reader.offset, depth: reader.depth)
                try structuredEvents(&reader, &eventNumber, context, &batch)
            } else {
                try reader.skipValue()
            }
        }
        guard decodeAgain, let tags, let events else { return }
        rollBack(to: mark, &batch)
        eventNumber = firstNumber
        var tagsReader = tags.reader(in: body, context.limits)
        try readGroupFields(&tagsReader, tagPrefix: true, eventNumber: eventNumber, &batch, reset: true)
        var eventsReader = events.reader(in: body, context.limits)
        try structuredEvents(&eventsReader, &eventNumber, context, &batch)
    }

    mutating func structuredEvents(_ reader: inout JSONReader, _ eventNumber: inout Int, _ context: DecodeContext,
                                   _ batch: inout EventBatch) throws {
        guard try Self.open(.array, &reader, eventNumber: eventNumber, "events") else { return }
        // One choice for all events: no per-event copy (retain) of the pipeline every loop shares.
        let parser: ParserChoice = tokenChoice
        try withUnsafeTemporaryAllocation(of: Field.self, capacity: Self.gatheredMembers) { buffer in
            var gathering = FieldGathering(buffer)
            while try reader.nextElement() {
                try structuredEvent(&reader, eventNumber, context, parser: parser, &gathering, &batch)
                eventNumber += 1
            }
        }
    }

    mutating func structuredEvent(_ reader: inout JSONReader, _ eventNumber: Int, _ context: DecodeContext,
                                  parser: ParserChoice, _ gathering: inout FieldGathering,
                                  _ batch: inout EventBatch) throws {
        try Self.expectObject(&reader, eventNumber: eventNumber, "an event")
        var draft = beginEvent(context, &batch)
        // The group's tags are gathered with the plain attributes: one call adds them all.
        if groupTypeValue != nil { draft.hasType = true }
        for field in groupFields { gathering.add(field, &batch) }
        try reader.beginObject()
        while let member = try reader.nextMember() {
            if Self.isName(member, "timestamp", reader.bytes) {
                try readTimestamp(&reader, &draft, &batch, eventNumber: eventNumber, member: "timestamp")
            } else if Self.isName(member, "timezone", reader.bytes) {
                try readTimezone(&reader, &draft, &batch, eventNumber: eventNumber)
            } else if Self.isName(member, "attributes", reader.bytes) {
                let start = try reader.peek() == .object ? reader.offset : -1
                try addMembers(&reader, &draft, &gathering, &batch, eventNumber: eventNumber, member: "attributes")
                if start >= 0, let bodyCopy, bodyCopy.source == UInt(bitPattern: reader.bytes.baseAddress) {
                    draft.attributesText = bodyCopy.copy.span(start: start, count: reader.offset - start)
                }
            } else if Self.isName(member, "rawstring", reader.bytes) {
                switch try reader.peek() {
                // Scanned first, then (with escapes) unescaped: most raw strings of a structured body have no
                // escapes and are taken from the body's copy, for which the one-pass unescaping read would
                // copy them for nothing (perf/bigreq.sh measures it).
                case .string: batch.setRawstring(store(try reader.readString(), of: reader.bytes, &batch))
                case .null: try reader.readNull()
                case let kind:
                    throw DecodeError.invalidEvent(eventNumber: eventNumber, reason: "rawstring must be a string, found \(kind)")
                }
            } else {
                try reader.skipValue()
            }
        }
        gathering.flush(&batch)
        finishEvent(&draft, parser: parser, context, &batch)
    }

    /// Adds an object's members as fields (flattened); null adds nothing; anything else is a type error.
    /// Members whose name and value are runs of the body as sent (a plain name, a string without escapes or
    /// a number) point at the body's copy (``bodyCopy``) and are gathered; any other member is added after
    /// what was gathered, so the fields keep the members' order.
    mutating func addMembers(_ reader: inout JSONReader, _ draft: inout EventDraft, _ gathering: inout FieldGathering,
                             _ batch: inout EventBatch, eventNumber: Int, member: StaticString) throws {
        guard try Self.open(.object, &reader, eventNumber: eventNumber, "\(member)") else { return }
        guard let body = bodyCopy?.copy else { preconditionFailure("decodeStructured copies the body first") }
        // The expected names are taken out of `self` for the walk, so that they are read and written through
        // a pointer (no uniqueness check per write, no overlap with the mutating calls below).
        var names: [JSONString] = []
        swap(&names, &expectedNames)
        defer { swap(&names, &expectedNames) }
        let expectedCount = expectedNameCount
        expectedNameCount = try names.withUnsafeMutableBufferPointer { names in
            var index = 0
            while let name = try reader.nextMember(expecting: index < expectedCount ? names[index] : JSONReader.noExpectedName) {
                // A name that matched is the expected one itself (the same span).
                if index < names.count {
                    names[index] = name
                    index += 1
                }
                if !name.hasEscapes, let scalar = try reader.readScalarUnlessContainer() {
                    let value: JSONSpan
                    switch scalar {
                    case .string(let string) where !string.hasEscapes: value = string.span
                    case .number(let number): value = number.span
                    default:
                        gathering.flush(&batch)
                        if Self.isTypeName(reader.bytes(name.span)) { draft.hasType = true }
                        batch.addField(name: storeAsSent(name.span, of: reader.bytes, &batch),
                                       value: store(scalar, of: reader.bytes, &batch))
                        continue
                    }
                    if name.span.count == 5 && Self.isTypeName(reader.bytes(name.span)) { draft.hasType = true }
                    referencedBytes &+= name.span.count &+ value.count
                    gathering.add(Field(nameSpan: body.span(start: name.span.start, count: name.span.count),
                                        valueSpan: body.span(start: value.start, count: value.count)), &batch)
                } else {
                    gathering.flush(&batch)
                    try addMember(name, &reader, &draft, &batch)
                }
            }
            return index
        }
    }

    /// How many fields a structured event gathers before adding them, and how many attribute names it
    /// expects the next event to repeat.
    static let gatheredMembers = 16

    /// Reads a `tags` (names prefixed `#` unless they already are) or `fields` object into ``groupFields``;
    /// values are scalars (stored as text).
    mutating func readGroupFields(_ reader: inout JSONReader, tagPrefix: Bool, eventNumber: Int,
                                  _ batch: inout EventBatch, reset: Bool) throws {
        if reset { clearGroupFields() }
        guard try Self.open(.object, &reader, eventNumber: eventNumber, tagPrefix ? "tags" : "fields") else { return }
        while let member = try reader.nextMember() {
            let raw = reader.bytes(member.span)
            let prefixed = !tagPrefix || (raw.count > 0 && raw[0] == UInt8(ascii: "#"))
            let value = try readText(&reader, &batch, eventNumber: eventNumber, member: tagPrefix ? "a tag value" : "a field value")
            let nameSpan: ByteSpan
            let isType: Bool
            if member.hasEscapes {
                setName(member, of: reader.bytes, prefix: prefixed ? nil : UInt8(ascii: "#"))
                nameSpan = name.withBytes { batch.store($0) }
                isType = name.isTypeName
            } else {
                // A plain name goes from the body to the arena, after a `#` when the tag needs one.
                let start = batch.arenaCount
                if !prefixed { batch.appendByte(UInt8(ascii: "#")) }
                batch.appendBytes(raw)
                nameSpan = batch.span(from: start)
                isType = prefixed ? Self.isTypeName(raw) : Self.isName(member, "type", reader.bytes)
            }
            groupFields.append(Field(nameSpan: nameSpan, valueSpan: value))
            if isType { groupTypeValue = value }
        }
    }

    /// Adds the group's shared fields to the event being built.
    func addGroupFields(_ draft: inout EventDraft, _ batch: inout EventBatch) {
        guard !groupFields.isEmpty else { return }
        if groupTypeValue != nil { draft.hasType = true }
        groupFields.withUnsafeBufferPointer { batch.addFields($0) }
    }
}
