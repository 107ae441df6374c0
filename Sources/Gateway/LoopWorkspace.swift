import EventModel
import IngestFormats
import WAL

/// Every buffer one event loop's ingest path reuses from request to request: the decoder (with the
/// parsers' scratch), the event batch, a split request's per-repository parts, and the records gathered
/// during the current wake-up (with the WAL encoder). One per loop, owned by its ``GatewayHandler`` and
/// passed down `inout`, so nothing of it is reached through thread-local storage or shared between loops.
struct LoopWorkspace {
    var decoder = IngestDecoder()
    var batch = EventBatch(reservingArena: 64 * 1024, events: 256, fields: 2048)
    /// When the batch gives back buffers a large request grew (a 32 MiB request would pin ~180 MB).
    var batchRetention = ScratchRetention.requestBuffers
    /// Per-repository parts of a request from an organization or system token (emptied at the end of each
    /// ingest request, so empty when the next one starts).
    var parts: [String: EventBatch] = [:]
    /// Records encoded during the current loop wake-up, handed to the WAL writers at its end.
    var appends = AppendBatch()

    /// Gives back the batch's buffers once they have outgrown the requests of late (``ScratchRetention``),
    /// and a split request's parts at once.
    mutating func releaseLargeBuffers() {
        if batchRetention.shouldRelease(capacity: batch.capacityBytes, used: batch.usedBytes) {
            batch.removeAll(keepingCapacityUpTo: batchRetention.limit)
        }
        if !parts.isEmpty { parts.removeAll(keepingCapacity: true) }
    }

    /// Gives back what a spike of large requests grew, beyond the retention limits: the batch's buffers
    /// and the WAL encoder's. For a loop that has gone idle, which would otherwise hold them until
    /// ``ScratchRetention``'s 16 smaller requests arrive.
    mutating func releaseIdleBuffers() {
        batch.removeAll(keepingCapacityUpTo: batchRetention.limit)
        appends.encoder.releaseLargeScratch()
    }
}
