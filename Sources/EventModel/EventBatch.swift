/// A half-open range of bytes inside an ``EventBatch``'s arena.
public struct ByteSpan: Sendable, Hashable {
    public var start: Int32
    public var count: Int32

    public init(start: Int32, count: Int32) {
        self.start = start
        self.count = count
    }

    public static let empty = ByteSpan(start: 0, count: 0)
}

/// One log event's fixed part; its bytes and fields live in the owning ``EventBatch``.
public struct Event: Sendable, Equatable {
    /// `@timestamp`: epoch milliseconds, UTC.
    public var timestampMillis: Int64
    /// `@timestamp.nanos`: the sub-millisecond part (0...999_999), or -1 when the source had none.
    public var timestampNanos: Int32
    /// `@ingesttimestamp`: when Sluice accepted the event, epoch milliseconds.
    public var ingestMillis: Int64
    /// `@timezone`; empty means `Z`.
    public var timezone: ByteSpan
    /// `@rawstring`.
    public var rawstring: ByteSpan
    /// Index of the event's first field in ``EventBatch/fields``.
    public var firstField: Int32
    public var fieldCount: Int32
}

/// One field; a name starting with `#` is a tag.
public struct Field: Sendable, Equatable {
    public var name: ByteSpan
    public var value: ByteSpan
}

/// The events of one request (or one repository's part of it), kept in three flat arrays so that
/// decoding a request allocates nothing once the arrays have grown to their working size.
///
/// Guarantees: every span points inside ``arena``; the fields of event `i` are the contiguous slice
/// `fields[firstField ..< firstField + fieldCount]`; fields can only be added to, changed in or removed
/// from the last event, so earlier events never move. ``removeAll()`` keeps every capacity.
public struct EventBatch: Sendable {
    /// The arena's backing store: always fully initialised (zeros past ``arenaCount``), so bytes are copied
    /// in with one `memcpy` instead of `Array.append(contentsOf:)`, whose per-call cost dominates on small
    /// field values.
    /// Internal (not private) so that the bulk appends in `EventBatch+Bulk.swift` can write in place.
    var storage: [UInt8] = []
    /// Bytes of ``storage`` in use.
    public internal(set) var arenaCount = 0
    public internal(set) var events: [Event] = []
    public internal(set) var fields: [Field] = []

    public init() {}

    public init(reservingArena arenaBytes: Int, events eventCount: Int, fields fieldCount: Int) {
        storage = [UInt8](repeating: 0, count: arenaBytes)
        events.reserveCapacity(eventCount)
        fields.reserveCapacity(fieldCount)
    }

    /// Every byte the batch's spans point into.
    public var arena: ArraySlice<UInt8> { storage[0..<arenaCount] }

    /// Bytes the arena holds before it must grow.
    public var arenaCapacity: Int { storage.count }

    public var count: Int { events.count }
    public var isEmpty: Bool { events.isEmpty }

    /// Empties the batch, keeping every buffer's capacity.
    public mutating func removeAll() {
        arenaCount = 0
        events.removeAll(keepingCapacity: true)
        fields.removeAll(keepingCapacity: true)
    }

    /// Bytes the batch's buffers (arena, events, fields) hold, used or not.
    public var capacityBytes: Int {
        storage.count + events.capacity * MemoryLayout<Event>.stride + fields.capacity * MemoryLayout<Field>.stride
    }

    /// Bytes of the batch's buffers its events use.
    public var usedBytes: Int {
        arenaCount + events.count * MemoryLayout<Event>.stride + fields.count * MemoryLayout<Field>.stride
    }

    /// Empties the batch, keeping each buffer (arena, events, fields) only while it holds at most
    /// `limit` bytes (see ``ScratchRetention`` for when to).
    public mutating func removeAll(keepingCapacityUpTo limit: Int) {
        arenaCount = 0
        if storage.count > limit { storage = [] }
        events.removeAll(keepingCapacity: events.capacity * MemoryLayout<Event>.stride <= limit)
        fields.removeAll(keepingCapacity: fields.capacity * MemoryLayout<Field>.stride <= limit)
    }

    // MARK: Bytes

    /// Makes room for `extra` more arena bytes, doubling so that growth is amortised.
    @inline(__always)
    mutating func reserveArena(_ extra: Int) {
        let needed = arenaCount + extra
        if needed > storage.count {
            storage.append(contentsOf: repeatElement(0, count: Swift.max(needed, storage.count * 2, 4096) - storage.count))
        }
    }

    /// Copies bytes into the arena.
    @discardableResult
    public mutating func store(_ bytes: UnsafeRawBufferPointer) -> ByteSpan {
        let start = arenaCount
        appendBytes(bytes)
        return ByteSpan(start: Int32(truncatingIfNeeded: start), count: Int32(truncatingIfNeeded: bytes.count))
    }

    @discardableResult
    public mutating func store<C: Collection>(_ bytes: C) -> ByteSpan where C.Element == UInt8 {
        let start = arenaCount
        appendBytes(bytes)
        return span(from: start)
    }

    @discardableResult
    public mutating func store(_ text: StaticString) -> ByteSpan {
        text.withUTF8Buffer { store(UnsafeRawBufferPointer($0)) }
    }

    public mutating func appendByte(_ byte: UInt8) {
        reserveArena(1)
        storage[arenaCount] = byte
        arenaCount += 1
    }

    public mutating func appendBytes(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        reserveArena(bytes.count)
        let start = arenaCount
        storage.withUnsafeMutableBytes { target in
            (target.baseAddress! + start).copyMemory(from: source, byteCount: bytes.count)
        }
        arenaCount += bytes.count
    }

    public mutating func appendBytes<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        let copied: Void? = bytes.withContiguousStorageIfAvailable { appendBytes(UnsafeRawBufferPointer($0)) }
        guard copied == nil else { return }
        reserveArena(bytes.count)
        for byte in bytes {
            storage[arenaCount] = byte
            arenaCount += 1
        }
    }

    /// The span from `start` (a former ``arenaCount``) to the arena's end.
    public func span(from start: Int) -> ByteSpan {
        ByteSpan(start: Int32(truncatingIfNeeded: start), count: Int32(truncatingIfNeeded: arenaCount - start))
    }

    /// Drops arena bytes past `count` (only those no event or field points at).
    public mutating func truncateArena(to count: Int) {
        precondition(count <= arenaCount, "the arena only shrinks")
        arenaCount = count
    }

    public func bytes(_ span: ByteSpan) -> ArraySlice<UInt8> {
        storage[Int(span.start)..<Int(span.start + span.count)]
    }

    public func withBytes<R>(_ span: ByteSpan, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try storage.withUnsafeBytes { all in
            try body(UnsafeRawBufferPointer(rebasing: all[Int(span.start)..<Int(span.start + span.count)]))
        }
    }

    public func equals(_ span: ByteSpan, _ text: StaticString) -> Bool {
        guard Int(span.count) == text.utf8CodeUnitCount else { return false }
        return text.withUTF8Buffer { literal in
            withBytes(span) { $0.elementsEqual(literal) }
        }
    }

    // MARK: Events

    /// Appends an event whose raw text is already in the arena; it becomes the last event.
    @discardableResult
    public mutating func beginEvent(rawstring: ByteSpan, ingestMillis: Int64) -> Int {
        events.append(Event(
            timestampMillis: ingestMillis, timestampNanos: -1, ingestMillis: ingestMillis,
            timezone: .empty, rawstring: rawstring,
            firstField: Int32(truncatingIfNeeded: fields.count), fieldCount: 0))
        return events.count - 1
    }

    /// Copies `rawstring` into the arena and appends an event for it.
    @discardableResult
    public mutating func beginEvent(rawstring: UnsafeRawBufferPointer, ingestMillis: Int64) -> Int {
        beginEvent(rawstring: store(rawstring), ingestMillis: ingestMillis)
    }

    /// The last event, which fields and timestamps are written to.
    public var lastEvent: Event {
        get { events[events.count - 1] }
        set { events[events.count - 1] = newValue }
    }

    public mutating func setTimestamp(millis: Int64, nanos: Int32 = -1) {
        events[events.count - 1].timestampMillis = millis
        events[events.count - 1].timestampNanos = nanos
    }

    public mutating func setTimezone(_ span: ByteSpan) { events[events.count - 1].timezone = span }
    public mutating func setRawstring(_ span: ByteSpan) { events[events.count - 1].rawstring = span }

    /// Removes the last event and its fields (its arena bytes stay until ``removeAll()``).
    public mutating func removeLastEvent() {
        let event = events.removeLast()
        fields.removeSubrange(Int(event.firstField)...)
    }

    // MARK: Fields of the last event

    public mutating func addField(name: ByteSpan, value: ByteSpan) {
        fields.append(Field(name: name, value: value))
        events[events.count - 1].fieldCount += 1
    }

    public mutating func addField(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        let n = store(name)
        let v = store(value)
        addField(name: n, value: v)
    }

    public mutating func addField(name: StaticString, value: UnsafeRawBufferPointer) {
        let n = store(name)
        let v = store(value)
        addField(name: n, value: v)
    }

    public mutating func addField(name: StaticString, value: StaticString) {
        let n = store(name)
        let v = store(value)
        addField(name: n, value: v)
    }

    /// Index in ``fields`` of the last event's field with this name, if any.
    public func lastEventFieldIndex(named name: UnsafeRawBufferPointer) -> Int? {
        let event = events[events.count - 1]
        for index in Int(event.firstField)..<Int(event.firstField + event.fieldCount) {
            let matches = withBytes(fields[index].name) { $0.elementsEqual(name) }
            if matches { return index }
        }
        return nil
    }

    public func lastEventFieldIndex(named name: StaticString) -> Int? {
        name.withUTF8Buffer { lastEventFieldIndex(named: UnsafeRawBufferPointer($0)) }
    }

    /// Replaces a field of the last event.
    public mutating func setField(at index: Int, _ field: Field) {
        precondition(index >= Int(events[events.count - 1].firstField), "only the last event's fields can change")
        fields[index] = field
    }

    /// Removes a field of the last event.
    public mutating func removeField(at index: Int) {
        precondition(index >= Int(events[events.count - 1].firstField), "only the last event's fields can change")
        fields.remove(at: index)
        events[events.count - 1].fieldCount -= 1
    }

    /// Keeps the last event's first `count` fields.
    public mutating func truncateFields(toCount count: Int) {
        let event = events[events.count - 1]
        guard count < Int(event.fieldCount) else { return }
        fields.removeSubrange((Int(event.firstField) + count)...)
        events[events.count - 1].fieldCount = Int32(count)
    }

    /// Sorts the last event's fields by name bytes.
    public mutating func sortLastEventFields() {
        let event = events[events.count - 1]
        let range = Int(event.firstField)..<Int(event.firstField + event.fieldCount)
        let arena = storage
        fields[range].sort { lhs, rhs in
            arena[Int(lhs.name.start)..<Int(lhs.name.start + lhs.name.count)]
                .lexicographicallyPrecedes(arena[Int(rhs.name.start)..<Int(rhs.name.start + rhs.name.count)])
        }
    }

    /// The fields of event `index`.
    public func fields(of index: Int) -> ArraySlice<Field> {
        let event = events[index]
        return fields[Int(event.firstField)..<Int(event.firstField + event.fieldCount)]
    }

    /// Appends a copy of event `index` of `other` (with its bytes and fields) to this batch.
    public mutating func appendCopy(of index: Int, from other: EventBatch) {
        let source = other.events[index]
        let raw = store(other.bytes(source.rawstring))
        beginEvent(rawstring: raw, ingestMillis: source.ingestMillis)
        setTimestamp(millis: source.timestampMillis, nanos: source.timestampNanos)
        setTimezone(store(other.bytes(source.timezone)))
        for field in other.fields(of: index) {
            let name = store(other.bytes(field.name))
            let value = store(other.bytes(field.value))
            addField(name: name, value: value)
        }
    }
}
