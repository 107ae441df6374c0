import EventLoop
import HTTPWire
import Tokens

/// Who may read `/metrics` (it names every repository and token) and where it is served.
struct MetricsAccess: Sendable {
    /// False when `--metrics-listen` gives `/metrics` a listener of its own: the ingest listeners answer 404.
    var onIngestListeners = true
    /// `--metrics-auth`: an API token with `ReadMetrics` (or a root user's personal token) is required.
    var requiresToken = false
}

/// `GET /metrics`: the Prometheus text, behind the token check ``MetricsAccess/requiresToken`` asks for.
enum MetricsEndpoint {
    static let missingToken = Array(#"{"error":"a token with the ReadMetrics permission is required"}"#.utf8)
    static let invalidToken = Array(#"{"error":"Invalid token"}"#.utf8)
    static let forbidden = Array(#"{"error":"the token lacks the ReadMetrics permission"}"#.utf8)

    /// Appends the answer and returns its status.
    static func answer(_ request: HTTPRequest, services: GatewayServices, credentials: inout CredentialReader,
                       output: inout [UInt8]) -> Int {
        if services.metricsAccess.requiresToken {
            let cache = services.tokens.cache
            let outcome = credentials.resolve(authorization: request.head.authorization.map(request.bytes)) {
                cache.lookup(digest: TokenDigest(hashing: $0))
            }
            let refusal: (status: Int, body: [UInt8])?
            switch outcome {
            case .missing: refusal = (401, missingToken)
            case .malformed, .unknown, .expired: refusal = (401, invalidToken)
            case .found(let principal): refusal = principal.canReadMetrics ? nil : (403, forbidden)
            }
            if let refusal {
                let headers = refusal.status == 401 ? [("WWW-Authenticate", "Bearer")] : []
                refusal.body.withUnsafeBytes {
                    ResponseWriter.append(status: refusal.status, headers: headers, body: $0, keepAlive: request.keepAlive, into: &output)
                }
                return refusal.status
            }
        }
        let text = services.metricsExposition()
        Array(text.utf8).withUnsafeBytes {
            ResponseWriter.append(status: 200, contentType: "text/plain; version=0.0.4", body: $0, keepAlive: request.keepAlive, into: &output)
        }
        return 200
    }
}

/// The handler of the `--metrics-listen` listener: `/metrics` only, everything else 404.
final class MetricsHandler: HTTPHandler {
    let services: GatewayServices
    var credentials = CredentialReader()

    init(services: GatewayServices) {
        self.services = services
    }

    func handle(_ request: HTTPRequest, output: inout [UInt8], answer: DeferredAnswer) -> HTTPHandling {
        let route = Route.metrics
        var status: Int
        if Router.route(request.path) != route {
            status = 404
            GatewayHandler.notFound.withUnsafeBytes {
                ResponseWriter.append(status: 404, body: $0, keepAlive: request.keepAlive, into: &output)
            }
        } else if !route.allowedMethods.contains(request.head.method) {
            status = 405
            ResponseWriter.append(status: 405, headers: [("Allow", route.allowHeader)], body: "{\"error\":\"method not allowed\"}",
                                  keepAlive: request.keepAlive, into: &output)
        } else {
            status = MetricsEndpoint.answer(request, services: services, credentials: &credentials, output: &output)
        }
        services.metrics.countRequest(shard: 0, route: status == 404 ? "not_found" : route.metricName, status: status)
        return .answered
    }
}
