import EventLoop
import IngestFormats
import Synchronization
import WAL

/// One ingest request whose records are on their way into the WAL: the last part to finish (on its
/// writer's thread) hands the answer to the request's loop, which counts the request and writes the
/// answer — success only when every part succeeded. One object per request carries all of it (the
/// part completions and the answer capture only this object), and the writer threads never touch the
/// loop's counters.
final class PendingIngest: Sendable {
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
    /// Completions still to come (one per part, or `writes` when the parts are written together), and the
    /// first failure; the last completion reads it.
    private let state: Mutex<(remaining: Int, failure: WALError?)>

    init(answer: DeferredAnswer, metrics: Unretained<GatewayMetrics>, loopIndex: Int, route: String, style: AnswerStyle,
         outcomes: [BulkItemOutcome], token: String, bodyBytes: Int, firstPart: (repository: String, events: Int),
         otherParts: [(repository: String, events: Int)] = [], bulkFilter: BulkAnswerFilter? = nil, writes: Int? = nil,
         acknowledgement: HECAckTicket? = nil) {
        self.answer = answer
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

    /// Records one part's result; after the last part, answers the request.
    func finish(_ result: Result<WALPosition, WALError>) {
        let last = state.withLock { state in
            if case .failure(let error) = result, state.failure == nil { state.failure = error }
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
        let refusal = IngestRefusal(failure)
        metrics.with { metrics in
            metrics.countRequest(shard: loopIndex, route: route, status: refusal.status)
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
