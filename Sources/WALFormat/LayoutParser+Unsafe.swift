import EventModel

/// Parses a record's event layout (docs/wal.md, event layout) into prepared ``Event``s and ``Field``s whose
/// spans point at the layout's place in a batch's arena, writing into caller-owned buffers.
///
/// Guarantees: never reads outside the layout nor writes outside the buffers it is given; state advances
/// only by whole events, so when a buffer is too small it stops before the event that does not fit
/// (``Outcome/needEvents``, ``Outcome/needFields(_:)``) and ``run(events:fields:)`` continues from there
/// with larger buffers; it accepts exactly the layouts `docs/wal.md` defines (timestamps within the record's
/// range, nanos ≤ 999 999, spans inside the layout, name references to the previous event's fields, value
/// references inside the event's `@rawstring`, no bytes after the last event).
struct LayoutParser {
    enum Outcome: Equatable {
        case done
        case invalid(String)
        /// The events buffer is full.
        case needEvents
        /// The next event has this many fields and they do not fit the fields buffer.
        case needFields(Int)
    }

    private var reader: LayoutReader
    private let layoutCount: UInt64
    private let arenaStart: Int
    private let firstField: Int
    private let header: WALRecordHeader
    private var previousIngest: Int64
    /// Events parsed so far (written to the events buffer).
    private(set) var eventCount = 0
    /// Fields parsed so far (written to the fields buffer).
    private(set) var fieldCount = 0
    /// Where the previous event's fields are in the fields buffer (format 3 names refer to them).
    private var previousFirstField = 0
    private var previousFieldCount = 0

    /// `arenaStart`: where the layout sits in the batch's arena (offset + layout length must fit an Int32);
    /// `firstField`: the batch's field count before these events.
    init(_ layout: UnsafeRawBufferPointer, arenaStart: Int, firstField: Int, header: WALRecordHeader) {
        precondition(arenaStart >= 0 && arenaStart + layout.count <= Int(Int32.max))
        reader = LayoutReader(layout)
        layoutCount = UInt64(layout.count)
        self.arenaStart = arenaStart
        self.firstField = firstField
        self.header = header
        // Wrapping arithmetic is the format's definition (docs/wal.md, event layout), not a speed shortcut.
        previousIngest = header.minTimestamp
    }

    mutating func run(events: UnsafeMutableBufferPointer<Event>, fields: UnsafeMutableBufferPointer<Field>) -> Outcome {
        // A local copy keeps the read position in a register instead of storing it to `self` per varint.
        var reader = self.reader
        defer { self.reader = reader }
        let range = UInt64(bitPattern: header.maxTimestamp &- header.minTimestamp)
        while eventCount < header.eventCount {
            guard eventCount < events.count else { return .needEvents }
            let eventStart = reader.position
            guard let offset = reader.uvarint(), offset <= range else { return .invalid("event timestamp outside the record's range") }
            guard let nanosPlusOne = reader.uvarint(), nanosPlusOne <= 1_000_000 else { return .invalid("bad @timestamp.nanos") }
            guard let ingestDelta = reader.zvarint() else { return .invalid("bad @ingesttimestamp") }
            guard let timezone = reader.span(), let rawstring = reader.span() else { return .invalid("event bytes run past the payload") }
            guard let count = reader.uvarint(), count <= layoutCount else { return .invalid("bad field count") }
            let eventFields = Int(count)
            guard fieldCount + eventFields <= fields.count else {
                reader.position = eventStart
                return .needFields(eventFields)
            }
            if header.hasReferences {
                if let failure = referencingFields(&reader, into: fields, count: eventFields, rawstring: rawstring) { return .invalid(failure) }
            } else {
                for index in fieldCount..<(fieldCount + eventFields) {
                    guard let name = reader.span(), let value = reader.span() else { return .invalid("field bytes run past the payload") }
                    fields[index] = Field(nameSpan: span(name), valueSpan: span(value))
                }
            }
            let ingest = previousIngest &+ ingestDelta
            previousIngest = ingest
            events[eventCount] = Event(
                rawstring: span(rawstring), timezone: span(timezone), millis: header.minTimestamp &+ Int64(bitPattern: offset),
                nanos: nanosPlusOne == 0 ? -1 : Int32(truncatingIfNeeded: nanosPlusOne &- 1), ingestMillis: ingest,
                firstField: Int32(truncatingIfNeeded: firstField + fieldCount), fieldCount: Int32(truncatingIfNeeded: eventFields))
            previousFirstField = fieldCount
            previousFieldCount = eventFields
            fieldCount += eventFields
            eventCount += 1
        }
        return reader.isAtEnd ? .done : .invalid("bytes after the last event")
    }

    /// The fields of a format-3 event (`docs/wal.md`, event layout): a name is literal or the previous
    /// event's field `n`; a value is literal or a slice of this event's `@rawstring`. Nil on success.
    private func referencingFields(_ reader: inout LayoutReader, into fields: UnsafeMutableBufferPointer<Field>, count: Int,
                                   rawstring: (start: Int, count: Int)) -> String? {
        for index in fieldCount..<(fieldCount + count) {
            let name: ByteSpan
            switch reader.item(withOffset: false) {
            case .literal(let start, let count)?: name = span((start, count))
            case .reference(let number, _)?:
                guard number < UInt64(previousFieldCount) else { return "field name refers past the previous event's fields" }
                name = fields[previousFirstField + Int(number)].name
            case nil: return "field name runs past the payload"
            }
            let value: ByteSpan
            switch reader.item(withOffset: true) {
            case .literal(let start, let count)?: value = span((start, count))
            case .reference(let length, let offset)?:
                guard offset <= UInt64(rawstring.count), length <= UInt64(rawstring.count) - offset else {
                    return "field value refers outside the event's @rawstring"
                }
                value = span((rawstring.start + Int(offset), Int(length)))
            case nil: return "field value runs past the payload"
            }
            fields[index] = Field(nameSpan: name, valueSpan: value)
        }
        return nil
    }

    /// Offsets fit an Int32: checked at init (arenaStart + layout length).
    @inline(__always)
    private func span(_ place: (start: Int, count: Int)) -> ByteSpan {
        ByteSpan(start: Int32(truncatingIfNeeded: arenaStart + place.start), count: Int32(truncatingIfNeeded: place.count))
    }
}
