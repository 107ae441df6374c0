import WALFormat
import EventModel

/// Appends gathered on one thread during one unit of work (an event-loop wake-up) and handed to their
/// repositories' writers together by ``submit()``: one queue lock and at most one writer wake-up per
/// repository, however many records were gathered, instead of one each.
///
/// Guarantees: each batch is encoded and compressed by ``add(_:to:completion:)`` on the calling thread, with
/// this value's own ``encoder``;
/// records reach each repository in the order they were added; every completion runs exactly once,
/// with the same outcomes as ``RepositoryLog/append(_:completion:)`` (a closed log fails its records).
/// The logs are held unretained: each must outlive ``submit()``, which its caller ensures (an event loop's
/// view holds every log it appends to). Retaining them would make both event loops bump the same reference
/// counts on every request.
public struct AppendBatch {
    /// The held records and, at the same index, the log each goes to.
    private var appends: [PendingAppend] = []
    private var logs: [Unretained<RepositoryLog>] = []
    /// Encodes the records ``add(_:to:completion:)`` holds; its owner also uses it for records appended
    /// another way (``SplitAppend/append(_:encoder:completion:)``).
    public var encoder = WALRecordEncoder()

    public init() {}

    public var isEmpty: Bool { appends.isEmpty }

    /// Encodes `batch` now and holds its record until ``submit()``. An empty batch, or one that cannot
    /// be encoded, completes at once.
    public mutating func add(_ batch: EventBatch, to log: RepositoryLog,
                             completion: @escaping @Sendable (Result<WALPosition, WALError>) -> Void) {
        guard !batch.isEmpty else {
            completion(.success(WALPosition(firstSequence: 0, eventCount: 0)))
            return
        }
        do throws(WALError) {
            appends.append(PendingAppend(record: try encoder.encodeRecord(batch), completion: completion, target: log.target))
            logs.append(Unretained(log))
        } catch {
            completion(.failure(error))
        }
    }

    /// Hands every held record to its repository's writer, one run of consecutive records per repository
    /// at a time, and empties the batch (keeping its storage).
    public mutating func submit() {
        var start = 0
        while start < logs.count {
            let log = logs[start]
            var end = start + 1
            while end < logs.count && logs[end] == log { end += 1 }
            log.with { $0.enqueue(appends[start..<end]) }
            start = end
        }
        appends.removeAll(keepingCapacity: true)
        logs.removeAll(keepingCapacity: true)
    }
}
