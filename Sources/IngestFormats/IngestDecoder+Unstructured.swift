import EventModel
import JSONStream

/// LogScale `humio-unstructured`: `[{"messages": [string], "type": parser, "fields": {..}, "tags": {..}}]`.
/// One event per message; `fields` and `tags` (as `#` tags) on every message; `type` becomes `#type` and
/// names the parser (unless the token has one), else a `#type` tag or field does, else `kv` runs.
/// Empty messages are skipped.
extension IngestDecoder {
    mutating func decodeUnstructured(_ body: UnsafeRawBufferPointer, _ context: DecodeContext,
                                     _ batch: inout EventBatch) throws {
        try decodeGroups(.unstructured, body, context, &batch)
    }

    /// One group; as for structured groups, messages are decoded as they come, and decoded again when
    /// `type`, `fields` or `tags` come after them.
    mutating func unstructuredGroup(_ reader: inout JSONReader, _ body: UnsafeRawBufferPointer, _ eventNumber: inout Int,
                                    _ context: DecodeContext, _ batch: inout EventBatch) throws {
        try Self.expectObject(&reader, eventNumber: eventNumber, "a group")
        let mark = BatchMark(batch)
        let firstNumber = eventNumber
        clearGroupFields()
        var type: ByteSpan? = nil
        var typePlace: MemberPlace? = nil
        var fieldsPlace: MemberPlace? = nil
        var tagsPlace: MemberPlace? = nil
        var messagesPlace: MemberPlace? = nil
        var decodeAgain = false
        try reader.beginObject()
        while let name = try reader.nextMember() {
            _ = try reader.peek()
            let place = MemberPlace(offset: reader.offset, depth: reader.depth)
            if Self.isName(name, "messages", reader.bytes) {
                messagesPlace = place
                try unstructuredMessages(&reader, &eventNumber, type, context, &batch)
                continue
            } else if Self.isName(name, "type", reader.bytes) {
                typePlace = place
                type = try readText(&reader, &batch, eventNumber: eventNumber, member: "type")
            } else if Self.isName(name, "fields", reader.bytes) {
                fieldsPlace = place
                try readGroupFields(&reader, tagPrefix: false, eventNumber: eventNumber, &batch, reset: false)
            } else if Self.isName(name, "tags", reader.bytes) {
                tagsPlace = place
                try readGroupFields(&reader, tagPrefix: true, eventNumber: eventNumber, &batch, reset: false)
            } else {
                try reader.skipValue()
                continue
            }
            if messagesPlace != nil { decodeAgain = true }
        }
        guard decodeAgain, let messagesPlace else { return }
        rollBack(to: mark, &batch)
        eventNumber = firstNumber
        clearGroupFields()
        type = nil
        if var part = typePlace?.reader(in: body, context.limits) {
            type = try readText(&part, &batch, eventNumber: eventNumber, member: "type")
        }
        if var part = fieldsPlace?.reader(in: body, context.limits) {
            try readGroupFields(&part, tagPrefix: false, eventNumber: eventNumber, &batch, reset: false)
        }
        if var part = tagsPlace?.reader(in: body, context.limits) {
            try readGroupFields(&part, tagPrefix: true, eventNumber: eventNumber, &batch, reset: false)
        }
        var part = messagesPlace.reader(in: body, context.limits)
        try unstructuredMessages(&part, &eventNumber, type, context, &batch)
    }

    mutating func unstructuredMessages(_ reader: inout JSONReader, _ eventNumber: inout Int, _ type: ByteSpan?,
                                       _ context: DecodeContext, _ batch: inout EventBatch) throws {
        guard try Self.open(.array, &reader, eventNumber: eventNumber, "messages") else { return }
        // The parser a `#type` tag or field names, when `type` is absent.
        let requested = type ?? groupTypeValue
        while try reader.nextElement() {
            let kind = try reader.peek()
            guard kind == .string else {
                throw DecodeError.invalidEvent(eventNumber: eventNumber, reason: "a message must be a string, found \(kind)")
            }
            let message = try readStoredString(&reader, &batch)
            guard message.count > 0 else { continue }
            var draft = beginEvent(context, &batch)
            batch.setRawstring(message)
            addGroupFields(&draft, &batch)
            if let type, !draft.hasType {
                batch.addField(name: typeNameSpan(&batch), value: type)
                draft.hasType = true
            }
            draft.requestedParser = requested
            finishEvent(&draft, parser: chooseParser(draft, fallback: kvChoice, context, batch), context, &batch)
            eventNumber += 1
        }
    }
}
