import EventLoop
import EventModel
import Forwarding
import HTTPWire
import IngestFormats
import Parsers
import Tokens
import WAL

/// The request logic of one event loop: routes each request and answers the small endpoints itself;
/// ingest goes through ``GatewayHandler/ingest(_:_:output:answer:)``. Holds the loop's reusable
/// buffers (credential scratch, the ingest path's ``LoopWorkspace``), so it is used by that loop only.
final class GatewayHandler: HTTPHandler {
    let services: GatewayServices
    let loop: EventLoop
    var credentials = CredentialReader()
    var recentCredential = RecentCredential()
    /// The wall clock minus the loop's monotonic clock, refreshed every tick: `loop.nowMillis` plus this is
    /// the wall time of the current wake-up, so checking a token's expiry reads no clock per request.
    var wallOffsetMillis: Int64
    /// The last refused expired credential this loop logged, and when: one line per token a minute at most.
    var lastExpiryLog: (label: String, millis: Int64)?
    /// The ingest path's reusable buffers.
    var workspace = LoopWorkspace()
    /// Ingest requests since the last tick: a tick without any finds the loop idle.
    var ingestsSinceTick = 0
    /// The log the last request went to (a handle of ``view``'s log map, which keeps it alive).
    var recentLog: (repository: String, log: Unretained<RepositoryLog>)?
    /// The tokens' scopes, parsers, repositories and their logs as this loop serves them (``LoopViews`` posts
    /// each reload's; the loop adds the logs it opens to its map).
    var view = LoopView.empty

    /// `services`' token store, its cache, the metrics and the ack table, read on every request. Immutable
    /// properties of this handler, so a request borrows them without retaining them.
    let tokens: TokenStore
    let tokenCache: TokenCache
    let metrics: GatewayMetrics
    let hecAcks: HECAcknowledgements
    /// `--hec-acks`: every HEC token uses acknowledgements.
    let hecAcksForAll: Bool
    /// `--min-free-bytes`.
    let diskSpace: DiskSpaceGuard?
    /// `--ack-after replicated`: the watermarks durable requests wait on (nil under `local`).
    let replication: ReplicationWatermarks?

    init(services: GatewayServices, loop: EventLoop) {
        self.services = services
        self.loop = loop
        tokens = services.tokens
        tokenCache = services.tokens.cache
        metrics = services.metrics
        wallOffsetMillis = Self.wallClockMillis() - EventLoop.monotonicNowMillis()
        hecAcks = services.hecAcks
        hecAcksForAll = services.hecAcks.forAllTokens
        diskSpace = services.diskSpace
        replication = services.forwarding?.replication
        view = services.loopViews.register(loop: loop) { [unowned self] view in self.install(view) }
    }

    /// Serves with `view` from the next request on (on the loop's thread, between requests); the remembered
    /// credential and log are of the previous view, so both are forgotten.
    func install(_ view: LoopView) {
        self.view = view
        recentCredential.forget()
        recentLog = nil
    }

    func handle(_ request: HTTPRequest, output: inout [UInt8], answer: DeferredAnswer) -> HTTPHandling {
        let noted = request.headNote > 0 ? Self.notedRoutes[request.headNote - 1] : Router.route(request.path)
        guard let route = noted else {
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
            if let reason = services.unhealthyReason() {
                return respond(503, route.metricName, body: Self.statusUnhealthy(reason), request, &output, headers: [Answers.retryAfter])
            }
            if let forwarding = services.forwarding, case let targets = forwarding.targets, !targets.isEmpty {
                return respond(200, route.metricName, body: Self.status(forwarders: targets), request, &output)
            }
            return respond(200, route.metricName, body: Self.statusOK, request, &output)
        case .elasticHandshake:
            return respond(200, route.metricName, body: Self.elasticHandshake, request, &output, headers: [Answers.elasticProduct])
        case .hecHealth:
            if services.unhealthyReason() != nil {
                return respond(503, route.metricName, body: Self.hecUnhealthy, request, &output, headers: [Answers.retryAfter])
            }
            return respond(200, route.metricName, body: Self.hecHealthy, request, &output)
        case .hecAck:
            return hecAckQuery(request, output: &output)
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

    /// Ingest and admin requests are authenticated from their head, before any body is read; the other
    /// endpoints need no credential (and leave the connection counted as unauthenticated).
    /// The route found here is noted for ``handle(_:output:answer:)`` (``notedRoutes``), which then skips
    /// the route table.
    func headReceived(_ request: HTTPRequestHead, output: inout [UInt8]) -> HeadVerdict {
        guard let route = Router.route(request.path), route.allowedMethods.contains(request.head.method) else {
            return .proceed(authenticated: false)
        }
        let note = Self.note(route)
        switch route {
        case .ingest(let endpoint):
            let verdict = ingestHeadReceived(endpoint, request, output: &output)
            return verdict == .answered ? verdict : .proceed(authenticated: true, note: note)
        case .graphql:
            let verdict = adminHeadReceived(request, output: &output)
            return verdict == .answered ? verdict : .proceed(authenticated: true, note: note)
        case .hecAck:
            let verdict = ingestHeadReceived(.hec, request, output: &output)
            return verdict == .answered ? verdict : .proceed(authenticated: true, note: note)
        case .status, .metrics, .elasticHandshake, .hecHealth: return .proceed(authenticated: false, note: note)
        }
    }

    /// ``notedRoutes``' index of `route`, plus one.
    static func note(_ route: Route) -> Int {
        switch route {
        case .status: 1
        case .metrics: 2
        case .elasticHandshake: 3
        case .hecHealth: 4
        case .hecAck: 5
        case .graphql: 6
        case .ingest(.structured): 7
        case .ingest(.unstructured): 8
        case .ingest(.raw): 9
        case .ingest(.rawWithPathToken): 10
        case .ingest(.json): 11
        case .ingest(.hec): 12
        case .ingest(.hecRaw): 13
        case .ingest(.elasticBulk): 14
        }
    }

    /// Every route, numbered for ``HTTPRequest/headNote`` (note = index + 1, ``note(_:)``).
    static let notedRoutes: [Route?] = [
        .status, .metrics, .elasticHandshake, .hecHealth, .hecAck, .graphql,
        .ingest(.structured), .ingest(.unstructured), .ingest(.raw), .ingest(.rawWithPathToken), .ingest(.json),
        .ingest(.hec), .ingest(.hecRaw), .ingest(.elasticBulk),
    ]

    static let statusOK = Array("{\"status\":\"OK\",\"version\":\"\(Answers.version)\"}".utf8)
    /// The status answer with each forwarder's state (only when forwarding is configured).
    static func status(forwarders: [(repository: String, target: String, state: String, lagRecords: Int)]) -> [UInt8] {
        var out = Array("{\"status\":\"OK\",\"version\":\"\(Answers.version)\",\"forwarders\":[".utf8)
        for (index, forwarder) in forwarders.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out += Array("{\"repository\":".utf8)
            Array(forwarder.repository.utf8).withUnsafeBytes { WALEventJSON.appendString($0, to: &out) }
            out += Array(",\"target\":".utf8)
            Array(forwarder.target.utf8).withUnsafeBytes { WALEventJSON.appendString($0, to: &out) }
            out += Array(",\"state\":\"\(forwarder.state)\",\"lagRecords\":\(forwarder.lagRecords)}".utf8)
        }
        out += Array("]}".utf8)
        return out
    }
    static let hecHealthy = Array("{\"text\":\"HEC is healthy\",\"code\":17}".utf8)
    /// Splunk's answer while its queues are full (code 18), given while any repository refuses for backlog or disk.
    static let hecUnhealthy = Array("{\"text\":\"HEC is unhealthy, queues are full\",\"code\":18}".utf8)
    static func statusUnhealthy(_ reason: String) -> [UInt8] {
        var out = Array("{\"status\":\"WARN\",\"version\":\"\(Answers.version)\",\"message\":".utf8)
        Array(reason.utf8).withUnsafeBytes { WALEventJSON.appendString($0, to: &out) }
        out.append(UInt8(ascii: "}"))
        return out
    }
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
        if !workspace.appends.isEmpty { workspace.appends.submit() }
    }

    func tick(nowMillis: Int64) {
        releaseBuffersIfIdle()
        wallOffsetMillis = Self.wallClockMillis() - nowMillis
        diskSpace?.tick(nowMillis: nowMillis)
        // One loop expires idle ack channels (a tick is about twice a second).
        if loop.index == 0 { hecAcks.expire() }
        // One loop answers the replicated waits that passed --replication-timeout.
        if loop.index == 0 { replication?.expire() }
    }

    func countRequest(_ route: String, _ status: Int) {
        let shard = loop.index
        metrics.countRequest(shard: shard, route: route, status: status)
    }
}
