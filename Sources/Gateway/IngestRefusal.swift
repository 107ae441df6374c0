import Forwarding
import Tokens
import WAL

/// Why an ingest request is refused, carrying everything each answer style needs. The single place
/// where credential, scope, decoding and WAL failures become HTTP answers (see ``Answers``).
public struct IngestRefusal: Error, Sendable, Equatable {
    public var status: Int
    /// Short, stable label for metrics (`unknown_token`, `malformed_json`, …).
    public var reason: String
    /// Human-readable; never contains a token.
    public var message: String
    /// Splunk HEC code for HEC paths.
    public var hecCode: Int
    public var invalidEventNumber: Int?
    /// Splunk's own text for ``hecCode`` (HEC clients match on it); ``message`` when nil.
    public var hecText: String?
    /// The `Retry-After` seconds of a retryable refusal; 1 when nil.
    public var retryAfterSeconds: Int?

    public init(status: Int, reason: String, message: String, hecCode: Int, invalidEventNumber: Int? = nil) {
        self.status = status
        self.reason = reason
        self.message = message
        self.hecCode = hecCode
        self.invalidEventNumber = invalidEventNumber
    }

    /// 429 and 5xx tell shippers to retry later.
    public var isRetryable: Bool { status == 429 || status >= 500 }

    public static let missingCredential = IngestRefusal(status: 401, reason: "missing_token", message: "Token is required", hecCode: 2)
    public static let malformedCredential = IngestRefusal(status: 401, reason: "malformed_authorization", message: "Invalid authorization", hecCode: 3)
    public static let expiredCredential = IngestRefusal(status: 401, reason: "expired_token", message: "Token has expired", hecCode: 4)
    public static let queryStringToken = IngestRefusal(status: 401, reason: "query_string_token", message: "Tokens in the query string are not accepted; send an Authorization header", hecCode: 3)
    public static let ackDisabled = IngestRefusal(status: 400, reason: "ack_disabled", message: "ACK is disabled", hecCode: 14)
    public static let dataChannelMissing = IngestRefusal(status: 400, reason: "data_channel_missing", message: "Data channel is missing", hecCode: 10)
    public static let invalidDataChannel = IngestRefusal(status: 400, reason: "invalid_data_channel", message: "Invalid data channel", hecCode: 11)
    public static let invalidAckQuery = IngestRefusal(status: 400, reason: "invalid_ack_query", message: "Invalid data format", hecCode: 6)
    /// The channel's or the gateway's pending acknowledgements are at their limit (Splunk's "Server is busy").
    public static let acksPending = IngestRefusal(status: 503, reason: "ack_limit", message: "Server is busy", hecCode: 9)

    /// A repository's WAL holds more than `--max-pending-bytes` waiting to be written.
    public static func backlogFull(_ repository: String) -> IngestRefusal {
        var refusal = IngestRefusal(status: 503, reason: "backpressure",
                                    message: "Server is busy: the write-ahead log of repository '\(repository)' is behind; retry later", hecCode: 9)
        refusal.hecText = "Server is busy"
        return refusal
    }

    public static let diskSpaceLow: IngestRefusal = {
        var refusal = IngestRefusal(status: 503, reason: "disk_space_low", message: "Server is busy: free disk space is below the configured minimum", hecCode: 9)
        refusal.hecText = "Server is busy"
        return refusal
    }()

    public static func walUnavailable(_ detail: String) -> IngestRefusal {
        IngestRefusal(status: 503, reason: "wal_unavailable", message: "Server is busy: the write-ahead log cannot accept events (\(detail))", hecCode: 9)
    }

    /// How a write-ahead-log failure is answered: 503 (retry later) unless retrying cannot help.
    public init(_ error: WALError) {
        switch error {
        case .closed:
            self = .shuttingDown
        case .unavailable(let detail):
            self = .walUnavailable(detail)
        case .recordTooLarge(let bytes):
            self.init(status: 413, reason: "record_too_large", message: "the request's events take \(bytes) bytes, more than one WAL record holds", hecCode: 6)
        case .invalidRepositoryName:
            self.init(status: 400, reason: "invalid_repository", message: "the repository name cannot be stored", hecCode: 7)
        }
    }

    /// An event names a repository its token may not write to (HEC code 7).
    public static func incorrectIndex(_ message: String, event: Int) -> IngestRefusal {
        var refusal = IngestRefusal(status: 400, reason: "incorrect_index", message: message, hecCode: 7, invalidEventNumber: event)
        refusal.hecText = "Incorrect index"
        return refusal
    }

    /// An event's routing fields name two different repositories (HEC `index` and a `#repo` field, a tag and
    /// an attribute, a name sent twice): refused rather than stored with a `#repo` other than the one checked.
    public static func conflictingRepositories(event: Int) -> IngestRefusal {
        var refusal = IngestRefusal(status: 400, reason: "conflicting_repository",
                                    message: "Incorrect index: event \(event) names more than one repository (#repo fields with different values)",
                                    hecCode: 7, invalidEventNumber: event)
        refusal.hecText = "Incorrect index"
        return refusal
    }

    /// Over a token's or repository's rate limit (429). HEC: Splunk has no throttling code of its own; its
    /// retry-later code is 9 "Server is busy" (docs/limits.md).
    public static func rateLimited(_ owner: IngestLimitPolicy.Owner, retryAfter seconds: Int) -> IngestRefusal {
        tooManyRequests(reason: "rate_limited", "the \(ownerText(owner)) rate limit is reached", retryAfter: seconds)
    }

    /// Over a token's or repository's daily byte quota (429 until the next UTC midnight; HEC code 9).
    public static func quotaExceeded(_ owner: IngestLimitPolicy.Owner, retryAfter seconds: Int) -> IngestRefusal {
        tooManyRequests(reason: "quota", "the \(ownerText(owner)) daily byte quota is used up", retryAfter: seconds)
    }

    private static func ownerText(_ owner: IngestLimitPolicy.Owner) -> String {
        owner.rawValue == "token" ? "ingest token's" : "repository's"
    }

    /// A 429 that says what is exhausted and when to retry; HEC "Server is busy" (code 9).
    private static func tooManyRequests(reason: String, _ what: String, retryAfter seconds: Int) -> IngestRefusal {
        var refusal = IngestRefusal(status: 429, reason: reason, message: "Too many requests: \(what); retry after \(seconds) s", hecCode: 9)
        refusal.hecText = "Server is busy"
        refusal.retryAfterSeconds = seconds
        return refusal
    }

    /// Ingest into the repository is blocked by its operator (503, HEC code 9, the operator's message).
    public static func blocked(_ message: String) -> IngestRefusal {
        var refusal = IngestRefusal(status: 503, reason: "blocked", message: "Ingest is blocked: " + message, hecCode: 9)
        refusal.hecText = "Server is busy"
        return refusal
    }

    /// How a limit policy's verdict is answered; nil when it admits.
    public init?(_ verdict: IngestLimitPolicy.Verdict, blockedMessage: String?) {
        switch verdict {
        case .admit: return nil
        case let .rateLimited(owner, seconds): self = .rateLimited(owner, retryAfter: seconds)
        case let .quotaExceeded(owner, seconds): self = .quotaExceeded(owner, retryAfter: seconds)
        case .blocked: self = .blocked(blockedMessage ?? "")
        }
    }

    /// How a request whose records are durable but not acknowledged by their stream (`--ack-after
    /// replicated`) is answered: 503 with `Retry-After`; the records stay in the WAL and are forwarded later.
    public init(replication outcome: ReplicationOutcome, repository: String) {
        switch outcome {
        case .replicated:
            preconditionFailure("a replicated request is not refused")
        case .timedOut:
            self.init(status: 503, reason: "replication_timeout",
                      message: "Server is busy: the stream of repository '\(repository)' did not acknowledge the events within --replication-timeout; retry later",
                      hecCode: 9)
        case .noTarget:
            self.init(status: 503, reason: "not_replicated",
                      message: "Server is busy: repository '\(repository)' forwards to no JetStream stream, which --ack-after replicated needs",
                      hecCode: 9)
        case .stopped:
            self = .shuttingDown
        }
        hecText = "Server is busy"
    }

    public static let shuttingDown = IngestRefusal(status: 503, reason: "shutting_down", message: "Server is busy: shutting down", hecCode: 9)
}
