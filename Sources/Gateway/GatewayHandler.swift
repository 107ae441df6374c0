import EventLoop
import EventModel
import HTTPWire
import IngestFormats
import Parsers
import Tokens
import WAL

/// The request logic of one event loop: routes each request and answers the small endpoints itself;
/// ingest goes through ``GatewayHandler/ingest(_:_:output:answer:)``. Holds the loop's reusable
/// buffers (credential scratch, decoder scratch, event batch), so it is used by that loop only.
final class GatewayHandler: HTTPHandler {
    let services: GatewayServices
    let loop: EventLoop
    var credentials = CredentialReader()
    var recentCredential = RecentCredential()
    // The ingest path's reusable buffers (separate properties: the decoder writes into the batch).
    var decoder = IngestDecoder()
    var batch = EventBatch(reservingArena: 64 * 1024, events: 256, fields: 2048)
    /// When the batch gives back buffers a large request grew (a 32 MiB request would pin ~180 MB).
    var batchRetention = ScratchRetention.requestBuffers
    /// Ingest requests since the last tick: a tick without any finds the loop idle.
    var ingestsSinceTick = 0
    /// Per-repository parts of a request from an organization or system token (emptied at the end of each
    /// ingest request, so empty when the next one starts).
    var parts: [String: EventBatch] = [:]
    /// Records encoded during the current loop wake-up, handed to the WAL writers at its end.
    var appends = AppendBatch()
    /// The log the last request went to (the WAL store, which ``services`` owns, keeps every log it opens).
    var recentLog: (repository: String, log: Unretained<RepositoryLog>)?
    /// The parser registry and the token-cache generation it was read under.
    var recentParsers: (generation: UInt64, registry: ParserRegistry)?

    /// `services`' token store, its cache and the metrics, read on every request without reference
    /// counting (see ``Unretained``); `services` owns them and outlives this handler.
    let tokens: Unretained<TokenStore>
    let tokenCache: Unretained<TokenCache>
    let metrics: Unretained<GatewayMetrics>

    init(services: GatewayServices, loop: EventLoop) {
        self.services = services
        self.loop = loop
        tokens = Unretained(services.tokens)
        tokenCache = Unretained(services.tokens.cache)
        metrics = Unretained(services.metrics)
    }

    func handle(_ request: HTTPRequest, output: inout [UInt8], answer: DeferredAnswer) -> HTTPHandling {
        guard let route = Router.route(request.path) else {
            return respond(404, "not_found", body: Self.notFound, request, &output)
        }
        guard route.allowedMethods.contains(request.head.method) else {
            countRequest(route.metricName, 405)
            ResponseWriter.append(status: 405, headers: [("Allow", route.allowHeader)], body: "{\"error\":\"method not allowed\"}",
                                  keepAlive: request.keepAlive, into: &output)
            return .answered
        }
        switch route {
        case .status:
            return respond(200, route.metricName, body: Self.statusOK, request, &output)
        case .elasticHandshake:
            return respond(200, route.metricName, body: Self.elasticHandshake, request, &output, headers: [Answers.elasticProduct])
        case .hecHealth:
            return respond(200, route.metricName, body: Self.hecHealthy, request, &output)
        case .hecAck:
            countRequest(route.metricName, 400)
            Answers.refusal(.ackDisabled, style: .hec, keepAlive: request.keepAlive, into: &output)
            return .answered
        case .metrics:
            guard services.metricsAccess.onIngestListeners else {
                return respond(404, "not_found", body: Self.notFound, request, &output)
            }
            let status = MetricsEndpoint.answer(request, services: services, credentials: &credentials, output: &output)
            countRequest(route.metricName, status)
            return .answered
        case .ingest(let endpoint):
            return ingest(endpoint, request, output: &output, answer: answer)
        case .graphql:
            return admin(request, output: &output, answer: answer)
        }
    }

    static let statusOK = Array("{\"status\":\"OK\",\"version\":\"\(Answers.version)\"}".utf8)
    static let hecHealthy = Array("{\"text\":\"HEC is healthy\",\"code\":17}".utf8)
    static let notFound = Array("{\"error\":\"no such endpoint\"}".utf8)
    static let elasticHandshake = Array("""
        {"name":"sluice","cluster_name":"sluice","version":{"number":"8.11.0","build_flavor":"default"},"tagline":"You Know, for Search"}
        """.utf8)

    private func respond(_ status: Int, _ route: String, body: [UInt8], _ request: HTTPRequest, _ output: inout [UInt8],
                         headers: [(String, String)] = []) -> HTTPHandling {
        countRequest(route, status)
        body.withUnsafeBytes {
            ResponseWriter.append(status: status, headers: headers, body: $0, keepAlive: request.keepAlive,
                                  headOnly: request.head.method == .head, into: &output)
        }
        return .answered
    }

    func wakeUpDidEnd() {
        if !appends.isEmpty { appends.submit() }
    }

    func tick(nowMillis: Int64) {
        releaseBuffersIfIdle()
    }

    func countRequest(_ route: String, _ status: Int) {
        let shard = loop.index
        metrics.with { $0.countRequest(shard: shard, route: route, status: status) }
    }
}
