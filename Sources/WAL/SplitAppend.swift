import EventModel
import WALFormat
import Synchronization

/// Appends one batch to each of several repositories' logs, all or none: the records of one request
/// whose events go to several repositories.
///
/// First every batch is encoded (on the calling thread) and every log reserves room for its record in
/// its active segment (zeros written ahead of its records, on its writer's thread); only when every
/// reservation succeeded are the records appended, into the room reserved for them. A part that cannot
/// be encoded, a log that is closed, out of descriptors or cannot reserve (a full disk) refuses the
/// whole append with that part's error, and no log receives a record (the other reservations are given
/// back).
///
/// Guarantees: the completion runs exactly once, with every part's position (in the order given) when
/// each record is durable under the fsync policy, or with the first failure. A refusal before the
/// records are appended leaves every log without any of them. Once appended, a record fails only by an
/// I/O error on writing over its reserved room or on its `fdatasync` (or a shutdown); then the other
/// parts may be stored while the completion reports that failure (see `docs/wal.md`).
public final class SplitAppend: Sendable {
    private let logs: [RepositoryLog]
    private let records: [WALRecord]
    private let completion: @Sendable (Result<[WALPosition], WALError>) -> Void
    /// Parts still to answer in the current phase, the first failure, which parts hold a reservation,
    /// and each part's position.
    private let state: Mutex<State>

    private struct State {
        var remaining: Int
        var failure: WALError?
        var reserved: [Bool]
        var positions: [WALPosition]
    }

    private init(logs: [RepositoryLog], records: [WALRecord], completion: @escaping @Sendable (Result<[WALPosition], WALError>) -> Void) {
        self.logs = logs
        self.records = records
        self.completion = completion
        let none = WALPosition(firstSequence: 0, eventCount: 0)
        state = Mutex(State(remaining: logs.count, failure: nil, reserved: Array(repeating: false, count: logs.count),
                            positions: Array(repeating: none, count: logs.count)))
    }

    /// Appends `parts` all or none (an empty batch is stored nowhere and reported at position 0).
    public static func append(_ parts: [(log: RepositoryLog, batch: EventBatch)],
                              completion: @escaping @Sendable (Result<[WALPosition], WALError>) -> Void) {
        var records: [WALRecord] = []
        records.reserveCapacity(parts.count)
        for part in parts {
            do throws(WALError) {
                records.append(part.batch.isEmpty ? .empty : try ThreadLocalEncoder.encode(part.batch))
            } catch {
                completion(.failure(error))
                return
            }
        }
        let split = SplitAppend(logs: parts.map(\.log), records: records, completion: completion)
        split.reserveAll()
    }

    private func reserveAll() {
        var any = false
        for (index, log) in logs.enumerated() where !records[index].bytes.isEmpty {
            any = true
            log.enqueue(PendingAppend(record: .empty, completion: { self.reserved(index, $0) }, target: log.target,
                                      claim: .reserve(bytes: records[index].bytes.count)))
        }
        let empties = records.count(where: { $0.bytes.isEmpty })
        if empties > 0 { countDown(empties) { self.reservationsAnswered() } }
        if !any, empties == 0 { completion(.success([])) }
    }

    private func reserved(_ index: Int, _ result: Result<WALPosition, WALError>) {
        if case .success = result { state.withLock { $0.reserved[index] = true } }
        countDown(1, failure: result.failure) { self.reservationsAnswered() }
    }

    /// Runs `then` after the last of a phase's answers (once).
    private func countDown(_ count: Int, failure: WALError? = nil, then: () -> Void) {
        let last = state.withLock { state in
            if let failure, state.failure == nil { state.failure = failure }
            state.remaining -= count
            return state.remaining == 0
        }
        if last { then() }
    }

    /// Every part answered its reservation: append every record into its room, or give the room back.
    private func reservationsAnswered() {
        let (failure, reserved) = state.withLock { ($0.failure, $0.reserved) }
        if let failure {
            for (index, log) in logs.enumerated() where reserved[index] {
                log.enqueue(PendingAppend(record: .empty, completion: { _ in }, target: log.target,
                                          claim: .release(bytes: records[index].bytes.count)))
            }
            completion(.failure(failure))
            return
        }
        state.withLock { $0.remaining = logs.count }
        var empties = 0
        for (index, log) in logs.enumerated() {
            guard !records[index].bytes.isEmpty else {
                empties += 1
                continue
            }
            log.enqueue(PendingAppend(record: records[index], completion: { self.appended(index, $0) }, target: log.target,
                                      claim: .reserved))
        }
        if empties > 0 { countDown(empties) { self.recordsAnswered() } }
    }

    private func appended(_ index: Int, _ result: Result<WALPosition, WALError>) {
        if case .success(let position) = result { state.withLock { $0.positions[index] = position } }
        countDown(1, failure: result.failure) { self.recordsAnswered() }
    }

    private func recordsAnswered() {
        let (failure, positions) = state.withLock { ($0.failure, $0.positions) }
        completion(failure.map { .failure($0) } ?? .success(positions))
    }
}

extension WALRecord {
    /// The record of an item that carries none (a reservation or its release).
    static let empty = WALRecord(bytes: [], eventCount: 0, uncompressedBytes: 0, payloadCRC: 0)
}

extension Result {
    fileprivate var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
