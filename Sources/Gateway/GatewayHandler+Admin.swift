import Admin
import EventLoop
import HTTPWire
import Tokens

extension GatewayHandler {
    /// `POST /graphql`: authenticates on the loop (a cache lookup), answers 401/403/413 at once, and
    /// otherwise copies the body and runs the admin API on its worker pool, answering through the
    /// `DeferredAnswer`; the loop goes on serving ingest meanwhile.
    func admin(_ request: HTTPRequest, output: inout [UInt8], answer: DeferredAnswer) -> HTTPHandling {
        let route = Route.graphql.metricName
        let cache = services.tokens.cache
        var digest: TokenDigest?
        let outcome = credentials.resolve(authorization: request.head.authorization.map(request.bytes)) { bytes -> Principal? in
            let candidate = TokenDigest(hashing: bytes)
            let principal = cache.lookup(digest: candidate)
            if principal != nil { digest = candidate }
            return principal
        }
        let principal: Principal?
        if case let .found(found) = outcome { principal = found } else { principal = nil }

        let admin = services.admin
        if let refusal = admin.refusal(principal: principal, bodyBytes: request.body.count) {
            countRequest(route, refusal.status)
            refusal.body.withUnsafeBytes {
                ResponseWriter.append(status: refusal.status, body: $0, keepAlive: request.keepAlive, into: &output)
            }
            return .answered
        }
        let body = Array(request.body)
        let services = self.services
        let loopIndex = loop.index
        let credential = digest
        services.adminPool.run {
            let response = await admin.execute(body: body, principal: principal, credential: credential)
            answer.complete { output, keepAlive in
                services.metrics.countRequest(shard: loopIndex, route: route, status: response.status)
                response.body.withUnsafeBytes {
                    ResponseWriter.append(status: response.status, body: $0, keepAlive: keepAlive, into: &output)
                }
            }
        }
        return .deferred
    }
}
