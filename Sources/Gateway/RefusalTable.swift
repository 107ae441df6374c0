import IngestFormats

/// Why the gateway refuses an ingest request. Inner modules say why in their own terms (a ``ScopeRefusal``,
/// a ``DecodeError``, a ``WALError``, a limit verdict); ``IngestRefusal`` turns each into one of these, and
/// ``row`` is the one place that says how each is answered.
public enum RefusalReason: Sendable, Equatable, CaseIterable {
    case missingToken, malformedAuthorization, unknownToken, expiredToken, queryStringToken, forbidden
    case incorrectIndex, conflictingRepository, invalidRepository
    case ackDisabled, dataChannelMissing, invalidDataChannel, invalidAckQuery, ackLimit
    case malformedJSON, noData, eventFieldRequired, eventFieldBlank, invalidEvent, malformedBulk, recordTooLarge
    case rateLimited, quota, blocked
    case backpressure, diskSpaceLow, walUnavailable, shuttingDown
    case replicationTimeout, notReplicated

    /// How a refusal is answered: the table docs/ingest.md ("Refusals") shows, and `RefusalTableTests` checks
    /// against it. A switch of literals, so looking a row up allocates nothing.
    public var row: RefusalRow {
        switch self {
        case .missingToken: RefusalRow("missing_token", 401, hecCode: 2, hecText: "Token is required")
        case .malformedAuthorization: RefusalRow("malformed_authorization", 401, hecCode: 3, hecText: "Invalid authorization")
        case .unknownToken: RefusalRow("unknown_token", 401, hecStatus: 403, hecCode: 4, hecText: "Invalid token")
        case .expiredToken: RefusalRow("expired_token", 401, hecCode: 4, hecText: "Token has expired")
        case .queryStringToken: RefusalRow("query_string_token", 401, hecCode: 3, hecText: nil)
        case .forbidden: RefusalRow("forbidden", 403, hecCode: 4, hecText: nil)
        case .incorrectIndex: RefusalRow("incorrect_index", 400, hecCode: 7, hecText: "Incorrect index")
        case .conflictingRepository: RefusalRow("conflicting_repository", 400, hecCode: 7, hecText: "Incorrect index")
        case .invalidRepository: RefusalRow("invalid_repository", 400, hecCode: 7, hecText: nil)
        case .ackDisabled: RefusalRow("ack_disabled", 400, hecCode: 14, hecText: "ACK is disabled")
        case .dataChannelMissing: RefusalRow("data_channel_missing", 400, hecCode: 10, hecText: "Data channel is missing")
        case .invalidDataChannel: RefusalRow("invalid_data_channel", 400, hecCode: 11, hecText: "Invalid data channel")
        case .invalidAckQuery: RefusalRow("invalid_ack_query", 400, hecCode: 6, hecText: "Invalid data format")
        case .ackLimit: RefusalRow("ack_limit", 503, hecCode: 9, hecText: "Server is busy")
        case .malformedJSON: RefusalRow("malformed_json", 400, hecCode: 6, hecText: "Invalid data format")
        case .noData: RefusalRow("no_data", 400, hecCode: 5, hecText: "No data")
        case .eventFieldRequired: RefusalRow("event_field_required", 400, hecCode: 12, hecText: "Event field is required")
        case .eventFieldBlank: RefusalRow("event_field_blank", 400, hecCode: 13, hecText: "Event field cannot be blank")
        case .invalidEvent: RefusalRow("invalid_event", 400, hecCode: 6, hecText: "Invalid data format")
        case .malformedBulk: RefusalRow("malformed_bulk", 400, hecCode: 6, hecText: "Invalid data format")
        case .recordTooLarge: RefusalRow("record_too_large", 413, hecCode: 6, hecText: nil)
        case .rateLimited: RefusalRow("rate_limited", 429, hecCode: 9, hecText: "Server is busy")
        case .quota: RefusalRow("quota", 429, hecCode: 9, hecText: "Server is busy")
        case .blocked: RefusalRow("blocked", 503, hecCode: 9, hecText: "Server is busy")
        case .backpressure: RefusalRow("backpressure", 503, hecCode: 9, hecText: "Server is busy")
        case .diskSpaceLow: RefusalRow("disk_space_low", 503, hecCode: 9, hecText: "Server is busy")
        case .walUnavailable: RefusalRow("wal_unavailable", 503, hecCode: 9, hecText: nil)
        case .shuttingDown: RefusalRow("shutting_down", 503, hecCode: 9, hecText: "Server is busy: shutting down")
        case .replicationTimeout: RefusalRow("replication_timeout", 503, hecCode: 9, hecText: "Server is busy")
        case .notReplicated: RefusalRow("not_replicated", 503, hecCode: 9, hecText: "Server is busy")
        }
    }
}

/// One row of the refusal table.
public struct RefusalRow: Sendable, Equatable {
    /// Short, stable label: the `reason` of `sluice_ingest_rejects_total` and the bulk answer's `error.type`.
    public var label: String
    /// The HTTP status on the LogScale and Elasticsearch endpoints.
    public var status: Int
    /// The HTTP status on the HEC endpoints.
    public var hecStatus: Int
    /// Splunk's HEC code.
    public var hecCode: Int
    /// Splunk's own text for ``hecCode`` (HEC clients match on it); the refusal's message when nil.
    public var hecText: String?

    init(_ label: String, _ status: Int, hecStatus: Int? = nil, hecCode: Int, hecText: String?) {
        self.label = label
        self.status = status
        self.hecStatus = hecStatus ?? status
        self.hecCode = hecCode
        self.hecText = hecText
    }

    /// The HTTP status for an answer style.
    public func status(_ style: AnswerStyle) -> Int {
        style == .hec ? hecStatus : status
    }
}

extension BulkItemRefusal {
    /// How a refused bulk item is answered, as Elasticsearch answers it: the item's status, `error.type` and
    /// `error.reason`; docs/ingest.md ("Refusals") shows them too. Literals, so an answer allocates nothing
    /// per refused item for them.
    var row: (status: Int, type: String, reason: String) {
        switch self {
        case .deleteUnsupported: (400, "illegal_argument_exception", "delete is not supported by this ingest endpoint")
        case .updateUnsupported: (400, "illegal_argument_exception", "update is not supported by this ingest endpoint")
        case .sourceNotObject: (400, "mapper_parsing_exception", "the source must be a JSON object")
        }
    }
}
