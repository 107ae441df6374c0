#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import EventModel

/// Field helpers the stages use on the batch's last event; all copy from scratch or compile-time bytes,
/// never from the arena into itself.
extension EventBatch {
    /// Index in ``fields`` of the last event's field whose name equals `name` (bytes not in the arena).
    /// Lengths are compared first over the fields alone; the arena is opened only when a field has the
    /// same length (the `kv` first-wins check runs once per pair, so this is the common "no" answer, and
    /// fetching every field through the getter would be a large part of decoding HEC bodies).
    /// Never inlined: inlined into a stage that holds the batch `inout`, reading `fields` retained the array.
    @inline(never)
    func lastFieldIndex(named name: UnsafeRawBufferPointer) -> Int? {
        let event = lastEvent
        let first = Int(event.firstField)
        let end = first + Int(event.fieldCount)
        guard first < end else { return nil }
        let count = Int32(name.count)
        return self.fields.withUnsafeBufferPointer { fields -> Int? in
            var index = first
            while index < end {
                if fields[index].name.count == count { break }
                index += 1
            }
            guard index < end else { return nil }
            if count == 0 { return index }
            return withBytes(ByteSpan(start: 0, count: Int32(arenaCount))) { arena -> Int? in
                while index < end {
                    let span = fields[index].name
                    if span.count == count, memcmp(arena.baseAddress! + Int(span.start), name.baseAddress!, Int(count)) == 0 {
                        return index
                    }
                    index += 1
                }
                return nil
            }
        }
    }

    func lastFieldIndex(named name: FieldName) -> Int? {
        lastFieldIndex(named: name.bytes.buffer)
    }

    /// Stores a compile-time name and adds the field.
    mutating func addField(_ name: FieldName, value: ByteSpan) {
        let nameSpan = store(name.bytes.buffer)
        addField(name: nameSpan, value: value)
    }

    mutating func addField(_ name: StaticString, value: ByteSpan) {
        let nameSpan = store(name)
        addField(name: nameSpan, value: value)
    }

    /// Adds the field, or replaces the value of an existing one with the same name.
    mutating func setField(_ name: StaticString, value: ByteSpan) {
        if let index = name.withUTF8Buffer({ lastFieldIndex(named: UnsafeRawBufferPointer($0)) }) {
            var field = fields[index]
            field.value = value
            setField(at: index, field)
        } else {
            addField(name, value: value)
        }
    }

    /// Adds a field whose name bytes are in scratch (not the arena), honouring first-wins unless `override`.
    /// A name only Sluice may set (``isReservedName(_:)``) is skipped.
    mutating func addField(name: UnsafeRawBufferPointer, value: ByteSpan, override: Bool) {
        guard !refusesParsedName(name) else { return }
        if let index = lastFieldIndex(named: name) {
            guard override else { return }
            var field = fields[index]
            field.value = value
            setField(at: index, field)
            return
        }
        let nameSpan = store(name)
        addField(name: nameSpan, value: value)
    }

    /// As ``addField(name:value:override:)`` for a name whose bytes are also in the arena at `nameSpan`
    /// (a key read out of the event's own text, so it is not copied), skipping the search for an existing
    /// field when `filter` proves there is none (and recording the name in it): `filter` must cover every
    /// name of the last event (start from ``lastEventNameFilter()`` and pass the same one to every call of
    /// a scan).
    mutating func addField(name: UnsafeRawBufferPointer, at nameSpan: ByteSpan, value: ByteSpan, override: Bool,
                           filter: inout NameFilter) {
        guard !refusesParsedName(name) else { return }
        let bit = NameFilter.bit(name)
        if filter.bits & bit != 0, let index = lastFieldIndex(named: name) {
            guard override else { return }
            var field = fields[index]
            field.value = value
            setField(at: index, field)
            return
        }
        filter.bits |= bit
        addField(name: nameSpan, value: value)
    }

    /// The ``NameFilter`` of the last event's field names as they are now.
    func lastEventNameFilter() -> NameFilter {
        let event = lastEvent
        var filter = NameFilter()
        guard event.fieldCount > 0 else { return filter }
        let fields = self.fields
        withBytes(ByteSpan(start: 0, count: Int32(arenaCount))) { arena in
            for index in Int(event.firstField)..<Int(event.firstField + event.fieldCount) {
                let span = fields[index].name
                filter.bits |= NameFilter.bit(UnsafeRawBufferPointer(rebasing: arena[Int(span.start)..<Int(span.start + span.count)]))
            }
        }
        return filter
    }

    /// Names that parsed content must not create, because Sluice alone sets them: the error markers, the
    /// event model's own members, and `#repo`, which only the request's own routing fields set (an event's
    /// content must never route it, nor get its request refused). (`@timestamp` may appear as a field, for
    /// `parseTimestamp` to read.)
    static func isReservedName(_ name: UnsafeRawBufferPointer) -> Bool {
        guard name.count >= 5, name[0] == UInt8(ascii: "@") || name[0] == UInt8(ascii: "#") else { return false }
        return reservedNames.contains { $0.count == name.count && $0.elementsEqual(name) }
    }

    private static let reservedNames: [[UInt8]] = [
        "@error", "@error_msg", "@event_parsed", "#error", "@rawstring", "@ingesttimestamp", "@timezone", "#repo",
    ].map { Array($0.utf8) }

    /// Whether parsed content may not create the field `name` (``isReservedName(_:)``); a `#repo` is noted
    /// on the event (``markContentRepositoryField()``), its value staying in the text it was parsed from.
    mutating func refusesParsedName(_ name: UnsafeRawBufferPointer) -> Bool {
        guard Self.isReservedName(name) else { return false }
        // `#repo` is the only reserved name of five bytes.
        if name.count == 5 { markContentRepositoryField() }
        return true
    }

    /// Marks the last event as having named a repository in its content (a parsed or decoded `#repo`, which
    /// is not stored as a field): `@error=true` and `@error_msg`. The event is stored; nothing is refused.
    public mutating func markContentRepositoryField() {
        setField("@error", value: store("true"))
        setField("@error_msg", value: store(Self.contentRepositoryMessage))
    }

    public static let contentRepositoryMessage: StaticString =
        "#repo in the event's content is not a field: only the request's routing fields name the repository"

    /// Marks the last event as failed by a parser: `@error`, `#error`, `@event_parsed` and `@error_msg`.
    mutating func markParseFailure(_ reason: StaticString) {
        let yes = store("true")
        setField("@error", value: yes)
        setField("#error", value: yes)
        setField("@event_parsed", value: store("false"))
        setField("@error_msg", value: store(reason))
    }
}

/// A 64-bit summary of a set of field names (one bit per name, chosen by its length and end bytes): a clear
/// bit proves a name is absent, so the `kv` first-wins check searches the event's fields only when a name
/// may already be there (HEC bodies: one search in five instead of one per pair).
struct NameFilter {
    var bits: UInt64 = 0

    static func bit(_ name: UnsafeRawBufferPointer) -> UInt64 {
        guard let first = name.first, let last = name.last else { return 1 }
        let hash = UInt64(name.count) &* 0x9E37_79B9 ^ UInt64(first) &* 0x85EB_CA6B ^ UInt64(last) &* 0xC2B2_AE35
        return 1 << ((hash >> 7) & 63)
    }
}
