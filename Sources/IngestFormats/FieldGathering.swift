import EventModel

/// Fields gathered for the event being built and added to it together, with one
/// ``EventModel/EventBatch/addFields(_:)`` call instead of one per field or per kind of field (the group's
/// tags, then the plain attributes of a structured event).
///
/// Guarantees: fields reach the batch in the order they were gathered; a full buffer is added at once.
/// Whoever adds a field to the batch directly flushes first, so that order holds; the event's fields are
/// complete only after ``flush(_:)``.
struct FieldGathering {
    private let buffer: UnsafeMutableBufferPointer<Field>
    private var count = 0

    /// `buffer` must have room for at least one field and outlive the gathering.
    init(_ buffer: UnsafeMutableBufferPointer<Field>) {
        precondition(buffer.count > 0, "a gathering holds at least one field")
        self.buffer = buffer
    }

    @inline(__always)
    mutating func add(_ field: Field, _ batch: inout EventBatch) {
        buffer[count] = field
        count += 1
        if count == buffer.count { flush(&batch) }
    }

    /// Adds what was gathered to the batch's last event (nothing gathered: no call).
    @inline(__always)
    mutating func flush(_ batch: inout EventBatch) {
        guard count > 0 else { return }
        batch.addFields(UnsafeBufferPointer(rebasing: buffer[..<count]))
        count = 0
    }
}
