import EventLoop
import EventModel
import Forwarding
import IngestFormats
import Synchronization
import WAL

/// One ingest request whose records are on their way into the WAL: the last part to finish (on its
/// writer's thread) hands the answer to the request's loop, which counts the request and writes the
/// answer — success only when every part succeeded. One object per request carries all of it (the
/// part completions and the answer capture only this object), and the writer threads never touch the
/// loop's counters.
///
/// Under `--ack-after replicated` (``replication`` set) a part whose records are durable parks in the
/// repository's replication watermark instead of completing, and completes when the watermark passes its
/// records (or times out): the same single answer, later.
final class PendingIngest: ReplicationWaiter {
    private let answer: DeferredAnswer
    /// Counted into only by ``write(into:keepAlive:)``, which runs on the request's loop while that loop's
    /// handler (holding the services that own the metrics) is alive; an answer for a connection the loop
    /// already closed is dropped without running it.
    private let metrics: Unretained<GatewayMetrics>
    private let loopIndex: Int
    private let route: String
    private let style: AnswerStyle
    private let outcomes: [BulkItemOutcome]
    private let bulkFilter: BulkAnswerFilter?
    private let startedMillis: Int64
    private let token: String
    private let bodyBytes: Int
    /// Repository and event count of each part, counted when the request is acknowledged (the first
    /// apart, so a single-repository request needs no array).
    private let firstPart: (repository: String, events: Int)
    private let otherParts: [(repository: String, events: Int)]
    /// Set for a request answered at once with an HEC `ackId`: the outcome goes to the ack table instead
    /// of an answer (and the request was counted when answered).
    private let acknowledgement: HECAckTicket?
    /// Set under `--ack-after replicated`: where durable parts wait for their stream's acknowledgement.
    private let replication: ReplicationWatermarks?
    /// Completions still to come (one per part, or `writes` when the parts are written together), and the
    /// first failure; the last completion reads it.
    private let state: Mutex<(remaining: Int, failure: Failure?)>

    enum Failure: Sendable {
        case wal(WALError)
        case replication(ReplicationOutcome, repository: String)
    }

    init(answer: DeferredAnswer, metrics: Unretained<GatewayMetrics>, loopIndex: Int, route: String, style: AnswerStyle,
         outcomes: [BulkItemOutcome], token: String, bodyBytes: Int, firstPart: (repository: String, events: Int),
         otherParts: [(repository: String, events: Int)] = [], bulkFilter: BulkAnswerFilter? = nil, writes: Int? = nil,
         acknowledgement: HECAckTicket? = nil, replication: ReplicationWatermarks? = nil) {
        self.answer = answer
        self.replication = replication
        self.metrics = metrics
        self.loopIndex = loopIndex
        self.route = route
        self.style = style
        self.outcomes = outcomes
        self.bulkFilter = bulkFilter
        self.startedMillis = EventLoop.monotonicNowMillis()
        self.token = token
        self.bodyBytes = bodyBytes
        self.firstPart = firstPart
        self.otherParts = otherParts
        self.acknowledgement = acknowledgement
        state = Mutex((writes ?? 1 + otherParts.count, nil))
    }

    /// Records one part's result (the single part of a one-repository request); after the last part,
    /// answers the request.
    func finish(_ result: Result<WALPosition, WALError>) {
        if let replication, case .success(let position) = result {
            replication.park(repository: firstPart.repository, end: position.firstSequence &+ UInt64(position.eventCount), waiter: self)
            return
        }
        settle(result.failure.map(Failure.wal))
    }

    /// Records the result of a request written to several repositories at once (``SplitAppend``).
    func finishSplit(_ result: Result<[WALPosition], WALError>) {
        guard let replication, case .success(let positions) = result else {
            settle(result.failure.map(Failure.wal))
            return
        }
        // The one write becomes one replication wait per part.
        state.withLock { $0.remaining += positions.count - 1 }
        for (index, position) in positions.enumerated() {
            let repository = index == 0 ? firstPart.repository : otherParts[index - 1].repository
            replication.park(repository: repository, end: position.firstSequence &+ UInt64(position.eventCount), waiter: self)
        }
    }

    func replicationSettled(_ outcome: ReplicationOutcome) {
        settle(outcome == .replicated ? nil : .replication(outcome, repository: firstPart.repository))
    }

    private func settle(_ failure: Failure?) {
        let last = state.withLock { state in
            if let failure, state.failure == nil { state.failure = failure }
            state.remaining -= 1
            return state.remaining == 0
        }
        guard last else { return }
        if let acknowledgement {
            acknowledgement.settle(durable: state.withLock { $0.failure == nil })
            return
        }
        answer.complete(self.write)
    }

    /// Runs on the request's loop, after the last part finished.
    private func write(into output: inout [UInt8], keepAlive: Bool) {
        guard let failure = state.withLock({ $0.failure }) else {
            metrics.with { metrics in
                metrics.countRequest(shard: loopIndex, route: route, status: 200)
                // A body split over repositories cannot be attributed to one: its bytes count only unsplit.
                metrics.countIngest(shard: loopIndex, repository: firstPart.repository, token: token,
                                    events: firstPart.events, bytes: otherParts.isEmpty ? bodyBytes : 0)
                for part in otherParts {
                    metrics.countIngest(shard: loopIndex, repository: part.repository, token: token,
                                        events: part.events, bytes: 0)
                }
            }
            let took = EventLoop.monotonicNowMillis() - startedMillis
            Answers.success(style, bulk: outcomes, tookMillis: took, filter: bulkFilter, keepAlive: keepAlive, into: &output)
            return
        }
        let refusal: IngestRefusal
        switch failure {
        case .wal(let error):
            refusal = IngestRefusal(error)
            if case .unavailable = error {
                let now = EventLoop.monotonicNowMillis()
                metrics.with { $0.lastWALFailureMillis.store(now, ordering: .relaxed) }
            }
        case .replication(let outcome, let repository): refusal = IngestRefusal(replication: outcome, repository: repository)
        }
        metrics.with { metrics in
            metrics.countRequest(shard: loopIndex, route: route, status: refusal.status(style))
            metrics.countReject(shard: loopIndex, route: route, reason: refusal.reason)
        }
        Answers.refusal(refusal, style: style, keepAlive: keepAlive, into: &output)
    }
}

/// Where an acknowledged request's outcome goes: its channel and id in the shared ack table.
struct HECAckTicket: Sendable {
    /// Owned by ``GatewayServices``, which outlives every WAL completion (the store is shut down first).
    let acks: Unretained<HECAcknowledgements>
    let channel: String
    let id: UInt64

    func settle(durable: Bool) {
        acks.with { $0.settle(channel: channel, id: id, durable: durable) }
    }
}

extension Result {
    fileprivate var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
