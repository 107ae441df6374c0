/// Bulk appends for decoders that produce many events at once (the WAL reader): the arena is filled in
/// place (a decompressor writes straight into it, no scratch buffer and copy) and events with their fields
/// are appended from prepared buffers with one copy each, instead of one call per event and per field,
/// which would dominate the replay (`sluice wal bench` measures it, perf/wal-bench.md).
extension EventBatch {
    /// Grows the arena by `count` bytes that `fill` writes in place, and returns what `fill` returns.
    /// The bytes start at the former ``arenaCount``; they are initialised (stale or zero) before `fill`
    /// runs, so a `fill` that gives up may leave them as they are and the caller then calls
    /// ``truncateArena(to:)``.
    public mutating func appendArenaBytes<R, E: Error>(count: Int, _ fill: (UnsafeMutableRawBufferPointer) throws(E) -> R) throws(E) -> R {
        precondition(count >= 0, "a negative byte count")
        reserveArena(count)
        let start = arenaCount
        arenaCount += count
        let result: Result<R, E> = storage.withUnsafeMutableBytes { all in
            do throws(E) {
                return .success(try fill(UnsafeMutableRawBufferPointer(rebasing: all[start..<(start + count)])))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Appends prepared events and their fields. Event `i`'s `firstField` must be the batch's field count
    /// before the call plus the number of fields of the events before it in `newEvents` (so each event's
    /// fields stay one contiguous slice), and every field must belong to some event; every span must lie
    /// inside the arena (checked in debug builds).
    public mutating func append(events newEvents: UnsafeBufferPointer<Event>, fields newFields: UnsafeBufferPointer<Field>) {
        var expectedFirst = fields.count
        for event in newEvents {
            precondition(Int(event.firstField) == expectedFirst && event.fieldCount >= 0, "events and fields do not line up")
            expectedFirst += Int(event.fieldCount)
        }
        precondition(expectedFirst == fields.count + newFields.count, "fields left over or missing")
        assert(newEvents.allSatisfy { contains($0.rawstring) && contains($0.timezone) })
        assert(newFields.allSatisfy { contains($0.name) && contains($0.value) })
        events.append(contentsOf: newEvents)
        fields.append(contentsOf: newFields)
    }

    private func contains(_ span: ByteSpan) -> Bool {
        span.start >= 0 && span.count >= 0 && Int(span.start) + Int(span.count) <= arenaCount
    }
}

extension Event {
    /// An event for ``EventBatch/append(events:fields:)``; `nanos` is -1 when there is no `@timestamp.nanos`.
    public init(rawstring: ByteSpan, timezone: ByteSpan, millis: Int64, nanos: Int32, ingestMillis: Int64,
                firstField: Int32, fieldCount: Int32) {
        self.init(timestampMillis: millis, timestampNanos: nanos, ingestMillis: ingestMillis, timezone: timezone,
                  rawstring: rawstring, firstField: firstField, fieldCount: fieldCount)
    }
}

extension Field {
    /// A field for ``EventBatch/append(events:fields:)``.
    public init(nameSpan: ByteSpan, valueSpan: ByteSpan) {
        self.init(name: nameSpan, value: valueSpan)
    }
}
