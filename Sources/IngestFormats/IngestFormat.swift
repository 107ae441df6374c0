/// The body formats of the ingest endpoints (see `shared/spec/ingest-api.md`, "Endpoints").
public enum IngestFormat: Sendable, Equatable, CaseIterable {
    /// LogScale `humio-structured`: an array of `{"tags", "events": [{"timestamp", "timezone", "attributes", "rawstring"}]}`.
    case structured
    /// LogScale `humio-unstructured`: an array of `{"messages", "type", "fields", "tags"}`.
    case unstructured
    /// LogScale `raw`: the whole body is one event.
    case raw
    /// LogScale `json`: an object (one event) or an array of objects (one event each).
    case json
    /// Splunk HEC event endpoint: JSON objects separated only by whitespace.
    case hec
    /// Splunk HEC raw endpoint: one event per line.
    case hecRaw
    /// Elasticsearch `_bulk`: NDJSON action/source line pairs.
    case elasticBulk
}

/// An Elasticsearch bulk action.
public enum BulkAction: Sendable, Equatable {
    case index, create, delete, update

    /// The action's name as the bulk answer spells it.
    public var name: String {
        switch self {
        case .index: "index"
        case .create: "create"
        case .delete: "delete"
        case .update: "update"
        }
    }
}

/// The outcome of one bulk item, in request order: stored or refused (the gateway answers each as
/// Elasticsearch does).
public enum BulkItemOutcome: Sendable, Equatable {
    case created(action: BulkAction)
    case refused(action: BulkAction, BulkItemRefusal)
}

/// Why one bulk item is refused while the others of its request are stored.
public enum BulkItemRefusal: Sendable, Equatable, CaseIterable {
    /// `delete`: an ingest endpoint only adds events.
    case deleteUnsupported
    /// `update` (its body line is consumed): an ingest endpoint only adds events.
    case updateUnsupported
    /// The source line is valid JSON but not an object.
    case sourceNotObject
}
