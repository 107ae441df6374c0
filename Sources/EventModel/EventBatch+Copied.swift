/// A field whose name and value are byte runs of a source buffer (a request body): offsets into that
/// buffer, 16 bytes, so that a decoder can gather a whole object's plain members in a stack buffer.
public struct SourceField: Sendable, Equatable {
    public var nameStart: Int32
    public var nameCount: Int32
    public var valueStart: Int32
    public var valueCount: Int32

    @inlinable
    public init(nameStart: Int, nameCount: Int, valueStart: Int, valueCount: Int) {
        self.nameStart = Int32(truncatingIfNeeded: nameStart)
        self.nameCount = Int32(truncatingIfNeeded: nameCount)
        self.valueStart = Int32(truncatingIfNeeded: valueStart)
        self.valueCount = Int32(truncatingIfNeeded: valueCount)
    }
}

/// Many fields copied in with one call: the decoders gather an object's members whose name and value go
/// into the arena as sent, and add them here together, instead of one ``addField(copyingName:value:)``
/// per member (each a real call from the decoder's module, with an arena reservation, a field append and
/// the last event's count update, each checking its array's uniqueness). Callgrind, 278 KB structured
/// requests (six attributes per event): see perf/bigreq.md.
extension EventBatch {
    /// Copies each field's name and then value from `source` into the arena and adds them to the last
    /// event in order, as ``addField(copyingName:value:)`` per field would. Every run must lie inside
    /// `source` (checked).
    public mutating func addFields(copying newFields: UnsafeBufferPointer<SourceField>, from source: UnsafeRawBufferPointer) {
        guard !newFields.isEmpty, let sourceBase = source.baseAddress else { return }
        var total = 0
        for field in newFields {
            precondition(field.nameStart >= 0 && field.nameCount >= 0 && field.valueStart >= 0 && field.valueCount >= 0
                && Int(field.nameStart) + Int(field.nameCount) <= source.count
                && Int(field.valueStart) + Int(field.valueCount) <= source.count, "a run outside the source")
            total += Int(field.nameCount) + Int(field.valueCount)
        }
        reserveArena(total)
        let start = arenaCount
        arenaCount = start + total
        storage.withUnsafeMutableBytes { arena in
            var target = arena.baseAddress! + start
            for field in newFields {
                let nameCount = Int(field.nameCount), valueCount = Int(field.valueCount)
                ShortCopy.copy(sourceBase + Int(field.nameStart), to: target, count: nameCount)
                ShortCopy.copy(sourceBase + Int(field.valueStart), to: target + nameCount, count: valueCount)
                target += nameCount + valueCount
            }
        }
        // One append per field: cheaper for a handful than gathering them and appending the buffer.
        var offset = start
        for field in newFields {
            let valueStart = offset + Int(field.nameCount)
            fields.append(Field(name: ByteSpan(start: Int32(truncatingIfNeeded: offset), count: field.nameCount),
                                value: ByteSpan(start: Int32(truncatingIfNeeded: valueStart), count: field.valueCount)))
            offset = valueStart + Int(field.valueCount)
        }
        events[events.count - 1].fieldCount += Int32(truncatingIfNeeded: newFields.count)
    }
}
