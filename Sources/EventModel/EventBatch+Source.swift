/// A source buffer (a request body) copied into an ``EventBatch``'s arena in one piece, so that fields and
/// raw strings can point at runs of it instead of each run being copied on its own.
///
/// Why: a structured request's attribute names and values, and most raw strings, are runs of the body as
/// sent. Copying each costs a short copy and an arena reservation per run; one `memcpy` of the whole body
/// costs less (perf/bigreq.sh measures it).
///
/// Guarantees: ``span(start:count:)`` only returns spans inside the copy (checked), so they are valid arena
/// spans for as long as the batch keeps the copy (until it is truncated below ``base`` or emptied).
public struct SourceCopy: Sendable, Equatable {
    /// Where the copy starts in the arena.
    public let base: Int32
    /// The source's size.
    public let count: Int32

    /// The arena span of bytes `start ..< start + count` of the source.
    @inlinable @inline(__always)
    public func span(start: Int, count: Int) -> ByteSpan {
        precondition(start >= 0 && count >= 0 && start + count <= Int(self.count), "a run outside the source")
        return ByteSpan(start: base &+ Int32(truncatingIfNeeded: start), count: Int32(truncatingIfNeeded: count))
    }
}

extension EventBatch {
    /// Copies `source` into the arena with one `memcpy`; runs of it then become spans through the result.
    public mutating func appendSource(_ source: UnsafeRawBufferPointer) -> SourceCopy {
        let span = store(source)
        return SourceCopy(base: span.start, count: span.count)
    }
}
