/// The ingest API a benchmark speaks: which path it posts to by default, the content type, and how many
/// events the server counts per request.
public enum BenchFormat: String, CaseIterable, Sendable {
    case structured
    case unstructured
    case json
    case raw
    case hec
    case hecRaw = "hec-raw"
    case bulk

    /// The path used when `--url` names no path (or `/`).
    public var defaultPath: String {
        switch self {
        case .structured: "/api/v1/ingest/humio-structured"
        case .unstructured: "/api/v1/ingest/humio-unstructured"
        case .json: "/api/v1/ingest/json"
        case .raw: "/api/v1/ingest/raw"
        case .hec: "/services/collector/event"
        case .hecRaw: "/services/collector/raw"
        case .bulk: "/_bulk"
        }
    }

    public var contentType: String {
        switch self {
        case .raw, .hecRaw: "text/plain"
        case .bulk: "application/x-ndjson"
        default: "application/json"
        }
    }

    /// Events the server stores for a body built from `lines` lines: LogScale `raw` keeps the whole body as
    /// one event; every other format has one event per line.
    public func events(forLines lines: Int) -> Int {
        self == .raw ? 1 : lines
    }
}
