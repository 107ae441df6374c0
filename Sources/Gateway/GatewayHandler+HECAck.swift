import EventLoop
import HTTPWire
import Tokens

extension GatewayHandler {
    /// `POST /services/collector/ack`: `{"acks":[ids]}` on a channel answers `{"acks":{"id":true|false}}`
    /// (Splunk's indexer acknowledgement query). Needs the token of an acknowledging HEC client.
    func hecAckQuery(_ request: HTTPRequest, output: inout [UInt8]) -> HTTPHandling {
        let route = Route.hecAck.metricName
        let refuse = { (refusal: IngestRefusal, output: inout [UInt8]) -> HTTPHandling in
            self.countRequest(route, refusal.status(.hec))
            let shard = self.loop.index
            self.metrics.countReject(shard: shard, route: route, reason: refusal.reason)
            Answers.refusal(refusal, style: .hec, keepAlive: request.keepAlive, into: &output)
            return .answered
        }
        let principal: BorrowedPrincipal
        switch authenticate(.hec, path: request.path, authorization: request.head.authorization.map(request.bytes)) {
        case .found(let found): principal = found
        case let outcome: return refuse(Self.credentialRefusal(outcome)!, &output)
        }
        guard principal.canIngest, hecAcksForAll || principal.usesHECAcknowledgements else {
            return refuse(.ackDisabled, &output)
        }
        let header = request.head.header("x-splunk-request-channel", in: request.headBytes).map(request.bytes)
        let channel: String
        switch HECAcknowledgements.channel(header: header, query: request.head.query.map(request.bytes)) {
        case .missing: return refuse(.dataChannelMissing, &output)
        case .invalid: return refuse(.invalidDataChannel, &output)
        case .found(let found): channel = found
        }
        guard let ids = HECAcknowledgements.queriedIds(request.body) else { return refuse(.invalidAckQuery, &output) }
        let body = HECAcknowledgements.answerBody(hecAcks.query(channel: channel, ids: ids))
        countRequest(route, 200)
        body.withUnsafeBytes { ResponseWriter.append(status: 200, body: $0, keepAlive: request.keepAlive, into: &output) }
        return .answered
    }
}
