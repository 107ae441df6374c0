import EventModel

extension WALRecordEncoder {
    /// Writes the event layout (`docs/wal.md`, event layout) through raw pointers, short runs copied inline.
    ///
    /// With `references` (format version 3), a field name equal to the name of the previous event's field
    /// at the same index is written as that index, and a field value that lies inside the event's own
    /// `@rawstring` (what a parser stage cut out of the line) as its offset there, when that is shorter
    /// than the literal. Why: LZ4's time goes to the matches it has to find, and names and values copied
    /// from the line are many short matches, and on parsed access-log lines LZ4 is a large part of the
    /// server's time; small references that repeat from event to event leave LZ4 little more than
    /// the lines themselves.
    static func writeLayout(_ batch: EventBatch, minTimestamp: Int64, references: Bool,
                            into scratch: UnsafeMutableRawBufferPointer) -> Int {
        batch.arena.withUnsafeBytes { arena in
            batch.events.withUnsafeBufferPointer { events in
                batch.fields.withUnsafeBufferPointer { fields in
                    var writer = LayoutWriter(scratch)
                    let bytes = arena.baseAddress
                    // Spans are inside the arena by EventBatch's guarantee; an empty arena has only empty spans.
                    @inline(__always) func pointer(_ span: ByteSpan) -> UnsafeRawPointer? {
                        span.count == 0 ? nil : bytes! + Int(span.start)
                    }
                    // Wrapping arithmetic is the format's definition (docs/wal.md), so every Int64 round-trips.
                    var previousIngest = minTimestamp
                    var previousFirst = 0
                    var previousCount = 0
                    for event in events {
                        writer.uvarint(UInt64(bitPattern: event.timestampMillis &- minTimestamp))
                        writer.uvarint(event.timestampNanos < 0 ? 0 : UInt64(event.timestampNanos) + 1)
                        writer.zvarint(event.ingestMillis &- previousIngest)
                        previousIngest = event.ingestMillis
                        writer.bytes(pointer(event.timezone), count: Int(event.timezone.count))
                        writer.bytes(pointer(event.rawstring), count: Int(event.rawstring.count))
                        writer.uvarint(UInt64(event.fieldCount))
                        let first = Int(event.firstField)
                        guard references else {
                            for field in fields[first..<(first + Int(event.fieldCount))] {
                                writer.bytes(pointer(field.name), count: Int(field.name.count))
                                writer.bytes(pointer(field.value), count: Int(field.value.count))
                            }
                            continue
                        }
                        let raw = event.rawstring
                        for index in 0..<Int(event.fieldCount) {
                            let field = fields[first + index]
                            let name = field.name
                            if index < previousCount, sameBytes(name, fields[previousFirst + index].name, in: bytes) {
                                writer.previousNameItem(index)
                            } else {
                                writer.literalItem(pointer(name), count: Int(name.count))
                            }
                            let value = field.value
                            let inRaw = value.start >= raw.start && value.start + value.count <= raw.start + raw.count
                            if !(inRaw && writer.rawSliceItem(count: Int(value.count), offset: Int(value.start - raw.start))) {
                                writer.literalItem(pointer(value), count: Int(value.count))
                            }
                        }
                        previousFirst = first
                        previousCount = Int(event.fieldCount)
                    }
                    return writer.position
                }
            }
        }
    }

    /// Whether two arena spans hold the same bytes (the same span, as for names a parser stores once per
    /// batch, needs no comparison).
    @inline(__always)
    private static func sameBytes(_ a: ByteSpan, _ b: ByteSpan, in arena: UnsafeRawPointer?) -> Bool {
        guard a.count == b.count else { return false }
        guard a.start != b.start, a.count > 0, let arena else { return true }
        return ShortCompare.equal(arena + Int(a.start), arena + Int(b.start), count: Int(a.count))
    }
}
