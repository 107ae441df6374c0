import EventModel
import JSONStream

extension IngestDecoder {
    /// Reads a timestamp member into the last event: a number (epoch, unit by magnitude), a string
    /// holding ISO-8601 text or an epoch number, or null (ingest time). Anything else is a type error;
    /// unreadable text leaves the ingest time and marks the event.
    mutating func readTimestamp(_ reader: inout JSONReader, _ draft: inout EventDraft, _ batch: inout EventBatch,
                                eventNumber: Int, member: StaticString) throws {
        switch try reader.peek() {
        case .number:
            let number = try reader.readNumber()
            let text = reader.bytes(number.span)
            Self.apply(Timestamp.epoch(text), text: text, &draft, &batch)
        case .string:
            let string = try reader.readString()
            if string.hasEscapes {
                scratch.removeAll(keepingCapacity: true)
                reader.unescape(string, appendingTo: &scratch)
                scratch.withUnsafeBytes { text in
                    Self.apply(Timestamp.iso8601(text) ?? Timestamp.epoch(text), text: text, &draft, &batch)
                }
            } else {
                let text = reader.bytes(string.span)
                if let millis = minuteCache.millis(ofCachedMinute: text) {
                    draft.timestampUnreadable = false
                    batch.setTimestamp(millis: millis, nanos: -1)
                } else {
                    Self.apply(Timestamp.iso8601(text, cache: &minuteCache) ?? Timestamp.epoch(text), text: text, &draft, &batch)
                }
            }
        case .null:
            try reader.readNull()
        case let kind:
            throw DecodeError.invalidEvent(eventNumber: eventNumber, reason: "\(member) must be a number or a string, found \(kind)")
        }
    }

    static func apply(_ timestamp: Timestamp?, text: UnsafeRawBufferPointer, _ draft: inout EventDraft,
                      _ batch: inout EventBatch) {
        guard let timestamp else {
            draft.timestampUnreadable = true
            return
        }
        draft.timestampUnreadable = false
        batch.setTimestamp(millis: timestamp.millis, nanos: timestamp.nanos)
        if let zone = timestamp.zone, !draft.explicitTimezone {
            batch.setTimezone(batch.store(UnsafeRawBufferPointer(rebasing: text[zone])))
        }
    }

    /// Reads a `timezone` member: a string sets `@timezone`, null is ignored.
    mutating func readTimezone(_ reader: inout JSONReader, _ draft: inout EventDraft, _ batch: inout EventBatch,
                      eventNumber: Int) throws {
        switch try reader.peek() {
        case .string:
            let zone = store(try reader.readString(), of: reader.bytes, &batch)
            batch.setTimezone(zone)
            draft.explicitTimezone = true
        case .null:
            try reader.readNull()
        case let kind:
            throw DecodeError.invalidEvent(eventNumber: eventNumber, reason: "timezone must be a string, found \(kind)")
        }
    }
}
