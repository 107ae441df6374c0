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
    func lastFieldIndex(named name: UnsafeRawBufferPointer) -> Int? {
        let event = lastEvent
        let first = Int(event.firstField)
        let end = first + Int(event.fieldCount)
        guard first < end else { return nil }
        let count = Int32(name.count)
        return withBytes(ByteSpan(start: 0, count: Int32(arenaCount))) { arena -> Int? in
            for index in first..<end {
                let span = fields[index].name
                guard span.count == count else { continue }
                if count == 0 || memcmp(arena.baseAddress! + Int(span.start), name.baseAddress!, Int(count)) == 0 { return index }
            }
            return nil
        }
    }

    func lastFieldIndex(named name: FieldName) -> Int? {
        name.bytes.withUnsafeBytes { lastFieldIndex(named: $0) }
    }

    /// Stores a compile-time name and adds the field.
    mutating func addField(_ name: FieldName, value: ByteSpan) {
        let nameSpan = name.bytes.withUnsafeBytes { store($0) }
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
        guard !Self.isReservedName(name) else { return }
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

    /// Names that parsed content must not create, because Sluice alone sets them: the error markers and
    /// the event model's own members. (`@timestamp` may appear as a field, for `parseTimestamp` to read.)
    static func isReservedName(_ name: UnsafeRawBufferPointer) -> Bool {
        guard name.count >= 6, name[0] == UInt8(ascii: "@") || name[0] == UInt8(ascii: "#") else { return false }
        return reservedNames.contains { $0.count == name.count && $0.elementsEqual(name) }
    }

    private static let reservedNames: [[UInt8]] = [
        "@error", "@error_msg", "@event_parsed", "#error", "@rawstring", "@ingesttimestamp", "@timezone",
    ].map { Array($0.utf8) }

    /// Marks the last event as failed by a parser: `@error`, `#error`, `@event_parsed` and `@error_msg`.
    mutating func markParseFailure(_ reason: StaticString) {
        let yes = store("true")
        setField("@error", value: yes)
        setField("#error", value: yes)
        setField("@event_parsed", value: store("false"))
        setField("@error_msg", value: store(reason))
    }
}
