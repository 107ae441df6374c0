import EventLoop
import IngestFormats
import Synchronization
import WAL

/// One ingest request whose records are on their way into the WAL: each part's completion (on its
/// writer's thread) counts that part, and the last one to finish answers the request on its loop —
/// success only when every part succeeded. One object per request carries all of it, so a
/// single-repository request costs one allocation here, not a closure context per step.
final class PendingIngest: Sendable {
    private let answer: DeferredAnswer
    private let services: GatewayServices
    private let loopIndex: Int
    private let route: String
    private let style: AnswerStyle
    private let outcomes: [BulkItemOutcome]
    private let startedMillis: Int64
    private let token: String
    private let bodyBytes: Int
    private let partCount: Int
    /// Parts still writing, and the first failure; the last part's completion reads it.
    private let state: Mutex<(remaining: Int, failure: WALError?)>

    init(answer: DeferredAnswer, services: GatewayServices, loopIndex: Int, route: String, style: AnswerStyle,
         outcomes: [BulkItemOutcome], token: String, bodyBytes: Int, partCount: Int) {
        self.answer = answer
        self.services = services
        self.loopIndex = loopIndex
        self.route = route
        self.style = style
        self.outcomes = outcomes
        self.startedMillis = EventLoop.monotonicNowMillis()
        self.token = token
        self.bodyBytes = bodyBytes
        self.partCount = partCount
        state = Mutex((partCount, nil))
    }

    /// Records one part's result; after the last part, answers the request.
    func finish(_ result: Result<WALPosition, WALError>, repository: String, events: Int) {
        if case .success = result {
            services.metrics.countIngest(shard: loopIndex, repository: repository, token: token,
                                         events: events, bytes: partCount == 1 ? bodyBytes : 0)
        }
        let last = state.withLock { state in
            if case .failure(let error) = result, state.failure == nil { state.failure = error }
            state.remaining -= 1
            return state.remaining == 0
        }
        guard last else { return }
        answer.complete(self.write)
    }

    /// Runs on the request's loop, after the last part finished.
    private func write(into output: inout [UInt8], keepAlive: Bool) {
        guard let failure = state.withLock({ $0.failure }) else {
            services.metrics.countRequest(shard: loopIndex, route: route, status: 200)
            let took = EventLoop.monotonicNowMillis() - startedMillis
            Answers.success(style, bulk: outcomes, tookMillis: took, keepAlive: keepAlive, into: &output)
            return
        }
        let refusal = IngestRefusal(failure)
        services.metrics.countRequest(shard: loopIndex, route: route, status: refusal.status)
        services.metrics.countReject(shard: loopIndex, route: route, reason: refusal.reason)
        Answers.refusal(refusal, style: style, keepAlive: keepAlive, into: &output)
    }
}
