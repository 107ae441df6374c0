/// Fused appends for the decoders' hot paths: each does in one call what a `store` per byte run and an
/// `addField(name:value:)` per field do in several (every call into this module is a
/// real call from the decoders, and each `Array` mutation checks uniqueness), which adds up per event.
extension EventBatch {
    /// Copies `name`, then `value`, into the arena and adds them as a field of the last event: one arena
    /// reservation, short runs copied inline.
    public mutating func addField(copyingName name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        let start = arenaCount
        let total = name.count + value.count
        reserveArena(total)
        storage.withUnsafeMutableBytes { arena in
            let target = arena.baseAddress! + start
            if let source = name.baseAddress { ShortCopy.copy(source, to: target, count: name.count) }
            if let source = value.baseAddress { ShortCopy.copy(source, to: target + name.count, count: value.count) }
        }
        arenaCount = start + total
        let nameSpan = ByteSpan(start: Int32(truncatingIfNeeded: start), count: Int32(truncatingIfNeeded: name.count))
        let valueSpan = ByteSpan(start: Int32(truncatingIfNeeded: start + name.count), count: Int32(truncatingIfNeeded: value.count))
        addField(name: nameSpan, value: valueSpan)
    }

    /// Copies `name` into the arena and adds it as a field of the last event with a stored `value`.
    public mutating func addField(copyingName name: UnsafeRawBufferPointer, value: ByteSpan) {
        addField(name: storeShort(name), value: value)
    }

    /// Copies `bytes` into the arena (short runs inline) and returns their span: `store(_:)`
    /// without the `memcpy` call.
    public mutating func storeShort(_ bytes: UnsafeRawBufferPointer) -> ByteSpan {
        let start = arenaCount
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return ByteSpan(start: Int32(truncatingIfNeeded: start), count: 0) }
        reserveArena(bytes.count)
        storage.withUnsafeMutableBytes { arena in
            ShortCopy.copy(source, to: arena.baseAddress! + start, count: bytes.count)
        }
        arenaCount = start + bytes.count
        return ByteSpan(start: Int32(truncatingIfNeeded: start), count: Int32(truncatingIfNeeded: bytes.count))
    }

    /// Adds prepared fields to the last event (their spans must lie inside the arena): one append for a
    /// parser's whole line instead of one call per field.
    public mutating func addFields(_ newFields: UnsafeBufferPointer<Field>) {
        guard !newFields.isEmpty else { return }
        assert(newFields.allSatisfy { Int($0.name.start) + Int($0.name.count) <= arenaCount
            && Int($0.value.start) + Int($0.value.count) <= arenaCount })
        fields.append(contentsOf: newFields)
        events[events.count - 1].fieldCount += Int32(truncatingIfNeeded: newFields.count)
    }
}

extension EventBatch {
    /// The last event's `@timestamp` (millis, nanos): small enough to come back in registers. Reading the
    /// whole ``lastEvent`` returns 48 bytes through memory, and the caller's wide loads of what the callee
    /// has just stored stall.
    public var lastEventTime: (millis: Int64, nanos: Int32) {
        let index = events.count - 1
        return (events[index].timestampMillis, events[index].timestampNanos)
    }

    /// The last event's `@rawstring` span.
    public var lastEventRawstring: ByteSpan { events[events.count - 1].rawstring }

    /// The last event's field count.
    public var lastEventFieldCount: Int { Int(events[events.count - 1].fieldCount) }
}
