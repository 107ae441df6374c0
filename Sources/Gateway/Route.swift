import HTTPWire

/// How an ingest endpoint family answers: LogScale `{}`, Splunk HEC codes, or Elasticsearch bulk items.
public enum AnswerStyle: Sendable, Equatable {
    case logScale, hec, elastic
}

/// Which body decoder an ingest path uses and how it answers.
public enum IngestEndpoint: Sendable, Equatable {
    case structured, unstructured, raw, rawWithPathToken, json, hec, hecRaw, elasticBulk

    public var answerStyle: AnswerStyle {
        switch self {
        case .structured, .unstructured, .raw, .rawWithPathToken, .json: return .logScale
        case .hec, .hecRaw: return .hec
        case .elasticBulk: return .elastic
        }
    }

    public var metricName: String {
        switch self {
        case .structured: return "humio-structured"
        case .unstructured: return "humio-unstructured"
        case .raw, .rawWithPathToken: return "raw"
        case .json: return "json"
        case .hec: return "hec"
        case .hecRaw: return "hec-raw"
        case .elasticBulk: return "elastic-bulk"
        }
    }
}

/// Every endpoint Sluice answers.
public enum Route: Sendable, Equatable {
    case status
    case metrics
    case elasticHandshake
    case hecHealth
    case hecAck
    case ingest(IngestEndpoint)
    /// The admin API (GraphQL, POST only).
    case graphql

    public var metricName: String {
        switch self {
        case .status: return "status"
        case .metrics: return "metrics"
        case .elasticHandshake: return "elastic-handshake"
        case .hecHealth: return "hec-health"
        case .hecAck: return "hec-ack"
        case .ingest(let endpoint): return endpoint.metricName
        case .graphql: return "graphql"
        }
    }

    /// Methods the route answers; others get 405 with `Allow`.
    public var allowedMethods: [HTTPMethod] {
        switch self {
        case .status, .elasticHandshake: return [.get, .head]
        case .metrics, .hecHealth: return [.get]
        case .hecAck, .graphql: return [.post]
        case .ingest(.elasticBulk): return [.post, .put]
        case .ingest: return [.post]
        }
    }

    public var allowHeader: String {
        allowedMethods.map { method -> String in
            switch method {
            case .get: return "GET"
            case .head: return "HEAD"
            case .post: return "POST"
            case .put: return "PUT"
            default: return ""
            }
        }.joined(separator: ", ")
    }
}
