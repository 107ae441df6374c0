import EventModel
import WAL

/// Writes decoded WAL events as LogScale `humio-structured` groups (pure: no I/O), with the project's one
/// JSON string escaper (``WALEventJSON/appendString(_:to:)``).
///
/// Guarantees: each event keeps its `@timestamp` (epoch milliseconds, with the sub-millisecond part as a
/// fraction when it has one), `@timezone`, `@rawstring` and every field in stored order; fields whose name
/// starts with `#` are the group's `tags` (without the `#`, which the receiver puts back) and consecutive
/// events with the same tags share one group; the other fields are `attributes`. `@ingesttimestamp` is not
/// sent: the upstream stamps its own.
public struct StructuredBody {
    private var tags: [UInt8] = []
    private var groupTags: [UInt8] = []
    private var inGroup = false
    /// The body so far: the groups of ``append(_:)``, between ``begin()`` and ``finish()``.
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public var isEmpty: Bool { bytes.count <= 1 }

    /// Starts an empty array of groups.
    public mutating func begin() {
        bytes.removeAll(keepingCapacity: true)
        bytes.append(UInt8(ascii: "["))
        inGroup = false
    }

    /// Appends every event of `batch`.
    public mutating func append(_ batch: EventBatch) {
        for index in 0..<batch.count { append(batch, event: index) }
    }

    public mutating func append(_ batch: EventBatch, event index: Int) {
        tags.removeAll(keepingCapacity: true)
        tags.append(UInt8(ascii: "{"))
        for field in batch.fields(of: index) where Self.isTag(field, batch) {
            if tags.count > 1 { tags.append(UInt8(ascii: ",")) }
            batch.withBytes(field.name) { WALEventJSON.appendString(UnsafeRawBufferPointer(rebasing: $0.dropFirst()), to: &tags) }
            tags.append(UInt8(ascii: ":"))
            batch.withBytes(field.value) { WALEventJSON.appendString($0, to: &tags) }
        }
        tags.append(UInt8(ascii: "}"))
        if inGroup && tags == groupTags {
            bytes.append(UInt8(ascii: ","))
        } else {
            if inGroup { bytes.append(contentsOf: "]},".utf8) }
            bytes.append(contentsOf: #"{"tags":"#.utf8)
            bytes.append(contentsOf: tags)
            bytes.append(contentsOf: #","events":["#.utf8)
            swap(&tags, &groupTags)
            inGroup = true
        }
        let event = batch.events[index]
        bytes.append(contentsOf: #"{"timestamp":"#.utf8)
        bytes.append(contentsOf: String(event.timestampMillis).utf8)
        if event.timestampNanos >= 0 {
            let nanos = String(event.timestampNanos)
            bytes.append(UInt8(ascii: "."))
            bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: 6 - nanos.utf8.count))
            bytes.append(contentsOf: nanos.utf8)
        }
        bytes.append(contentsOf: #","timezone":"#.utf8)
        if event.timezone.count == 0 {
            bytes.append(contentsOf: #""Z""#.utf8)
        } else {
            batch.withBytes(event.timezone) { WALEventJSON.appendString($0, to: &bytes) }
        }
        bytes.append(contentsOf: #","rawstring":"#.utf8)
        batch.withBytes(event.rawstring) { WALEventJSON.appendString($0, to: &bytes) }
        bytes.append(contentsOf: #","attributes":{"#.utf8)
        var first = true
        for field in batch.fields(of: index) where !Self.isTag(field, batch) {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            batch.withBytes(field.name) { WALEventJSON.appendString($0, to: &bytes) }
            bytes.append(UInt8(ascii: ":"))
            batch.withBytes(field.value) { WALEventJSON.appendString($0, to: &bytes) }
        }
        bytes.append(contentsOf: "}}".utf8)
    }

    /// Closes the array; ``bytes`` is then a whole body.
    public mutating func finish() {
        if inGroup { bytes.append(contentsOf: "]}".utf8) }
        inGroup = false
        bytes.append(UInt8(ascii: "]"))
    }

    private static func isTag(_ field: Field, _ batch: EventBatch) -> Bool {
        field.name.count > 1 && batch.withBytes(field.name) { $0[0] == UInt8(ascii: "#") }
    }
}
