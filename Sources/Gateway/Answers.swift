import HTTPWire
import IngestFormats
import JSONStream

/// Writes every gateway answer body: success and refusal for each ingest answer style, and the small
/// fixed documents (status, handshake, health).
enum Answers {
    static let version = "0.1.0"
    static let elasticProduct = ("X-Elastic-Product", "Elasticsearch")
    static let retryAfter = ("Retry-After", "1")

    static func success(_ style: AnswerStyle, bulk: [BulkItemOutcome], tookMillis: Int64, filter: BulkAnswerFilter? = nil,
                        keepAlive: Bool, into output: inout [UInt8]) {
        switch style {
        case .logScale:
            output.append(contentsOf: keepAlive ? logScaleSuccess.keepAlive : logScaleSuccess.close)
        case .hec:
            output.append(contentsOf: keepAlive ? hecSuccess.keepAlive : hecSuccess.close)
        case .elastic:
            var body: [UInt8] = []
            bulkBody(bulk, tookMillis: tookMillis, filter: filter, into: &body)
            body.withUnsafeBytes {
                ResponseWriter.append(status: 200, headers: [elasticProduct], body: $0, keepAlive: keepAlive, into: &output)
            }
        }
    }

    /// HEC success with indexer acknowledgement: `{"text":"Success","code":0,"ackId":N}`.
    static func hecAcknowledged(ackId: UInt64, keepAlive: Bool, into output: inout [UInt8]) {
        var body: [UInt8] = []
        append("{\"text\":\"Success\",\"code\":0,\"ackId\":\(ackId)}", &body)
        body.withUnsafeBytes { ResponseWriter.append(status: 200, body: $0, keepAlive: keepAlive, into: &output) }
    }

    /// The fixed success answers, written whole (one copy instead of a head built field by field).
    private static let logScaleSuccess = whole(body: "{}")
    private static let hecSuccess = whole(body: "{\"text\":\"Success\",\"code\":0}")

    private static func whole(body: StaticString) -> (keepAlive: [UInt8], close: [UInt8]) {
        var keepAlive: [UInt8] = [], close: [UInt8] = []
        ResponseWriter.append(status: 200, body: body, keepAlive: true, into: &keepAlive)
        ResponseWriter.append(status: 200, body: body, keepAlive: false, into: &close)
        return (keepAlive, close)
    }

    static func refusal(_ refusal: IngestRefusal, style: AnswerStyle, keepAlive: Bool, into output: inout [UInt8]) {
        var body: [UInt8] = []
        var headers: [(String, String)] = !refusal.isRetryable ? []
            : refusal.retryAfterSeconds.map { [("Retry-After", String($0))] } ?? [retryAfter]
        switch style {
        case .logScale:
            ErrorBody.append(refusal.message, into: &body)
        case .hec:
            append("{\"text\":", &body)
            appendJSONString(refusal.hecText ?? refusal.message, &body)
            append(",\"code\":\(refusal.hecCode)", &body)
            if let number = refusal.invalidEventNumber { append(",\"invalid-event-number\":\(number)", &body) }
            append("}", &body)
        case .elastic:
            headers.append(elasticProduct)
            append("{\"error\":{\"type\":", &body)
            appendJSONString(refusal.reason, &body)
            append(",\"reason\":", &body)
            appendJSONString(refusal.message, &body)
            append("},\"status\":\(refusal.status)}", &body)
        }
        body.withUnsafeBytes {
            ResponseWriter.append(status: refusal.status, headers: headers, body: $0, keepAlive: keepAlive && refusal.status < 500, into: &output)
        }
    }

    /// The bulk answer, as small as the clients read it: created items carry their action and `status`
    /// (and `result` only when some item failed), and `filter` (the request's `filter_path`) drops what the
    /// client did not ask for. Written from bytes decided once per answer (``BulkAnswerPlan``).
    static func bulkBody(_ outcomes: [BulkItemOutcome], tookMillis: Int64, filter: BulkAnswerFilter? = nil, into body: inout [UInt8]) {
        let errors = outcomes.contains { if case .refused = $0 { return true } else { return false } }
        let plan = filter.map { BulkAnswerPlan(anyRefused: errors, filter: $0) }
            ?? (errors ? BulkAnswerPlan.unfilteredWithFailures : BulkAnswerPlan.unfiltered)
        body.reserveCapacity(body.count + 48 + outcomes.count * 26)
        body.append(UInt8(ascii: "{"))
        var members = 0
        func member(_ name: StaticString) {
            if members > 0 { body.append(UInt8(ascii: ",")) }
            members += 1
            body.append(UInt8(ascii: "\""))
            name.withUTF8Buffer { body.append(contentsOf: $0) }
            append("\":", &body)
        }
        if plan.took {
            member("took")
            appendDecimal(tookMillis, &body)
        }
        if plan.errors {
            member("errors")
            append(errors ? "true" : "false", &body)
        }
        let itemsStart = body.count
        member("items")
        body.append(UInt8(ascii: "["))
        let firstItem = body.count
        for outcome in outcomes {
            switch outcome {
            case .created(let action):
                let bytes = plan.created[action.ordinal]
                guard !bytes.isEmpty else { continue }
                if body.count > firstItem { body.append(UInt8(ascii: ",")) }
                body.append(contentsOf: bytes)
            case .refused(let action, let status, let type, let reason):
                let keep = plan.refused[action.ordinal]
                guard keep.status || keep.type || keep.reason else { continue }
                if body.count > firstItem { body.append(UInt8(ascii: ",")) }
                append("{\"", &body)
                append(action.name, &body)
                append("\":{", &body)
                if keep.status {
                    append("\"status\":", &body)
                    appendDecimal(Int64(status), &body)
                }
                if keep.type || keep.reason {
                    append(keep.status ? ",\"error\":{" : "\"error\":{", &body)
                    if keep.type {
                        append("\"type\":", &body)
                        appendJSONString(type, &body)
                    }
                    if keep.reason {
                        append(keep.type ? ",\"reason\":" : "\"reason\":", &body)
                        appendJSONString(reason, &body)
                    }
                    body.append(UInt8(ascii: "}"))
                }
                append("}}", &body)
            }
        }
        if plan.filtered && body.count == firstItem {
            // A filtered answer drops the empty array (with the comma before it).
            body.removeSubrange(itemsStart...)
        } else {
            body.append(UInt8(ascii: "]"))
        }
        body.append(UInt8(ascii: "}"))
    }

    /// Appends a decimal integer's digits.
    static func appendDecimal(_ value: Int64, _ body: inout [UInt8]) {
        if value < 0 {
            body.append(UInt8(ascii: "-"))
            appendDecimal(0 - value, &body)
            return
        }
        if value >= 10 { appendDecimal(value / 10, &body) }
        body.append(UInt8(ascii: "0") + UInt8(value % 10))
    }

    static func append(_ text: String, _ body: inout [UInt8]) {
        body.append(contentsOf: text.utf8)
    }

    /// Appends `text` as a JSON string literal (``JSONStringWriter``).
    static func appendJSONString(_ text: String, _ body: inout [UInt8]) {
        JSONStringWriter.append(text, to: &body)
    }
}
