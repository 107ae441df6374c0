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
        let (principal, digest) = adminPrincipal(authorization: request.head.authorization.map(request.bytes))

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

    /// Checks the API token from the head alone: a request the admin API would refuse whatever its body
    /// (no or unknown token, an ingest token, a body announced above the admin limit) is answered at once and
    /// the connection closes; the body of an accepted one stays small-limited by that check.
    func adminHeadReceived(_ request: HTTPRequestHead, output: inout [UInt8]) -> HeadVerdict {
        let (principal, _) = adminPrincipal(authorization: request.head.authorization.map(request.bytes))
        var announced = 0
        if case .contentLength(let length) = request.head.framing { announced = length }
        guard let refusal = services.admin.refusal(principal: principal, bodyBytes: announced) else {
            return .proceed(authenticated: true)
        }
        countRequest(Route.graphql.metricName, refusal.status)
        refusal.body.withUnsafeBytes {
            ResponseWriter.append(status: refusal.status, body: $0, keepAlive: false, into: &output)
        }
        return .answered
    }

    private func adminPrincipal(authorization: UnsafeRawBufferPointer?) -> (Principal?, TokenDigest?) {
        let cache = services.tokens.cache
        var digest: TokenDigest?
        let outcome = credentials.resolve(authorization: authorization) { bytes -> Principal? in
            let candidate = TokenDigest(hashing: bytes)
            let principal = cache.lookup(digest: candidate)
            if principal != nil { digest = candidate }
            return principal
        }
        if case let .found(found) = outcome { return (found, digest) }
        return (nil, nil)
    }
}
