#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import EventModel

extension WALRecordEncoder {
    /// Writes the version-3 layout (`docs/wal.md`, event layout): as version 2, except that a field name
    /// equal to the name of the previous event's field at the same index is written as that index, and a
    /// field value that lies inside the event's own `@rawstring` (what a parser stage cut out of the line)
    /// as its offset there, when that is shorter than the literal.
    ///
    /// Why: LZ4's time goes to the matches it has to find, and copied names and values are short matches
    /// (1000 parsed access-log lines: 417 KB of layout, LZ4 40 % of the server's time). Small references
    /// that repeat from event to event leave LZ4 little more than the raw lines themselves.
    static func writeReferencingLayout(_ batch: EventBatch, minTimestamp: Int64, into scratch: UnsafeMutableRawBufferPointer) -> Int {
        batch.arena.withUnsafeBytes { arena in
            batch.events.withUnsafeBufferPointer { events in
                batch.fields.withUnsafeBufferPointer { fields in
                    var writer = LayoutWriter(scratch)
                    let bytes = arena.baseAddress
                    @inline(__always) func pointer(_ span: ByteSpan) -> UnsafeRawPointer? {
                        span.count == 0 ? nil : bytes! + Int(span.start)
                    }
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
                        let raw = event.rawstring
                        let first = Int(event.firstField)
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

    /// Whether two arena spans hold the same bytes (the same span, the common case for names a decoder
    /// interns, needs no comparison).
    @inline(__always)
    private static func sameBytes(_ a: ByteSpan, _ b: ByteSpan, in arena: UnsafeRawPointer?) -> Bool {
        guard a.count == b.count else { return false }
        guard a.start != b.start, a.count > 0, let arena else { return true }
        return memcmp(arena + Int(a.start), arena + Int(b.start), Int(a.count)) == 0
    }
}
