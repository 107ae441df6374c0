#if canImport(Glibc)
import Glibc
#endif
import EventModel
import WAL

/// How far a target is behind, read from the WAL: for `sluice forward status` (another process) and for a
/// forwarder that has no session to follow the log with.
public enum ForwardLag {
    /// When the first record at or after `sequence` was written (its oldest event's ingest time, wall-clock
    /// epoch milliseconds); nil when there is no such record or it cannot be read.
    public static func writtenMillis(dataDirectory: String, repository: String, from sequence: UInt64, upTo limit: UInt64 = .max) -> Int64? {
        guard var reader = try? WALReader(dataDirectory: dataDirectory, repository: repository, from: sequence) else { return nil }
        var batch = EventBatch()
        for _ in 0..<4 {
            switch reader.next(into: &batch, upTo: limit) {
            case .record(_, let firstIncluded):
                guard firstIncluded < batch.count else { return nil }
                return oldestIngestMillis(batch, from: firstIncluded)
            case .corruption: continue
            case .endOfLog: return nil
            }
        }
        return nil
    }

    /// The oldest ingest time of `batch`'s events from index `first` on.
    static func oldestIngestMillis(_ batch: EventBatch, from first: Int = 0) -> Int64? {
        guard first < batch.count else { return nil }
        var oldest = Int64.max
        for index in first..<batch.count { oldest = min(oldest, batch.events[index].ingestMillis) }
        return oldest
    }

    /// Wall-clock epoch milliseconds now.
    public static func nowMillis() -> Int64 {
        var wall = timespec()
        clock_gettime(CLOCK_REALTIME, &wall)
        return Int64(wall.tv_sec) * 1000 + Int64(wall.tv_nsec) / 1_000_000
    }
}
