import IngestFormats
import Forwarding
import Tokens
import WAL

/// Why an ingest request is refused, carrying everything each answer style needs. The single place where
/// credential, scope, decoding, limit and WAL reasons become answers: each becomes a ``RefusalReason``,
/// whose ``RefusalReason/row`` gives status, HEC code and text (see ``Answers``).
public struct IngestRefusal: Error, Sendable, Equatable {
    public var cause: RefusalReason
    /// Human-readable; never contains a token.
    public var message: String
    public var invalidEventNumber: Int?
    /// The `Retry-After` seconds of a retryable refusal; 1 when nil.
    public var retryAfterSeconds: Int?

    /// A refusal whose message is `message`, or the row's fixed HEC text when nil.
    public init(_ cause: RefusalReason, message: String? = nil, invalidEventNumber: Int? = nil) {
        self.cause = cause
        self.message = message ?? cause.row.hecText ?? ""
        self.invalidEventNumber = invalidEventNumber
    }

    /// Short, stable label for metrics (`unknown_token`, `malformed_json`, …).
    public var reason: String { cause.row.label }
    /// Splunk HEC code for HEC paths.
    public var hecCode: Int { cause.row.hecCode }
    /// Splunk's own text for ``hecCode``, else ``message``.
    public var hecText: String { cause.row.hecText ?? message }
    /// The HTTP status in an answer style.
    public func status(_ style: AnswerStyle) -> Int { cause.row.status(style) }

    /// 429 and 5xx tell shippers to retry later.
    public var isRetryable: Bool {
        let status = cause.row.status
        return status == 429 || status >= 500
    }

    public static let missingCredential = IngestRefusal(.missingToken)
    public static let malformedCredential = IngestRefusal(.malformedAuthorization)
    public static let unknownCredential = IngestRefusal(.unknownToken)
    public static let expiredCredential = IngestRefusal(.expiredToken)
    public static let queryStringToken = IngestRefusal(.queryStringToken, message: "Tokens in the query string are not accepted; send an Authorization header")
    public static let ackDisabled = IngestRefusal(.ackDisabled)
    public static let dataChannelMissing = IngestRefusal(.dataChannelMissing)
    public static let invalidDataChannel = IngestRefusal(.invalidDataChannel)
    public static let invalidAckQuery = IngestRefusal(.invalidAckQuery)
    /// The channel's or the gateway's pending acknowledgements are at their limit (Splunk's "Server is busy").
    public static let acksPending = IngestRefusal(.ackLimit)

    /// A repository's WAL holds more than `--max-pending-bytes` waiting to be written.
    public static func backlogFull(_ repository: String) -> IngestRefusal {
        IngestRefusal(.backpressure, message: "Server is busy: the write-ahead log of repository '\(repository)' is behind; retry later")
    }

    public static let diskSpaceLow = IngestRefusal(.diskSpaceLow, message: "Server is busy: free disk space is below the configured minimum")

    public static func walUnavailable(_ why: WALUnavailable) -> IngestRefusal {
        let detail = switch why {
        case .diskFull: "disk full"
        case .readOnly: "storage is read-only"
        case .storageError: "storage error"
        case .descriptorsExhausted: "too many repositories are open at once (file descriptors reserved for connections); retry later"
        }
        return IngestRefusal(.walUnavailable, message: "Server is busy: the write-ahead log cannot accept events (\(detail))")
    }

    /// How a write-ahead-log failure is answered: 503 (retry later) unless retrying cannot help.
    public init(_ error: WALError) {
        switch error {
        case .closed:
            self = .shuttingDown
        case .unavailable(let why):
            self = .walUnavailable(why)
        case .cannotOpen:
            self = .walUnavailable(.storageError)
        case .recordTooLarge(let bytes):
            self.init(.recordTooLarge, message: "the request's events take \(bytes) bytes, more than one WAL record holds")
        case .invalidRepositoryName:
            self.init(.invalidRepository, message: "the repository name cannot be stored")
        }
    }

    /// How a credential the scope check refuses is answered: the credential itself (`forbidden`), or where
    /// event `event` goes (`incorrect_index`, the message prefixed with the event's number).
    public init(_ scope: ScopeRefusal, event: Int? = nil) {
        switch scope {
        case .unknownCredential:
            self = .unknownCredential
        case .personalToken:
            self.init(.forbidden, message: "personal API tokens cannot ingest")
        case .noIngestPermission:
            self.init(.forbidden, message: "this API token has no ingest permission")
        case .otherRepository, .noRepositoryNamed, .unknownRepository, .outsideOrganization, .notRegular:
            let text = "Incorrect index: " + Self.incorrectIndexText(scope)
            self.init(.incorrectIndex, message: event.map { "event \($0): " + text } ?? text, invalidEventNumber: event)
        }
    }

    private static func incorrectIndexText(_ scope: ScopeRefusal) -> String {
        switch scope {
        case let .otherRepository(own, named): "this ingest token belongs to repository '\(own)', the event names '\(named)'"
        case .noRepositoryNamed: "the event names no repository"
        case let .unknownRepository(named): "unknown repository '\(named)'"
        case let .outsideOrganization(named): "repository '\(named)' is outside the token's organization"
        case let .notRegular(kind, named): "\(kind.rawValue) repository '\(named)' accepts only its own ingest tokens"
        case .unknownCredential, .personalToken, .noIngestPermission: ""
        }
    }

    /// How a body the decoder refuses is answered.
    public init(_ error: DecodeError) {
        switch error {
        case let .malformedJSON(offset, reason):
            self.init(.malformedJSON, message: "Malformed JSON at byte \(offset): \(reason)")
        case let .malformedEvent(number, offset, reason):
            self.init(.malformedJSON, message: "Invalid data format: event \(number) is malformed JSON at byte \(offset): \(reason)")
        case .noData:
            self.init(RefusalReason.noData)
        case .eventFieldRequired:
            self.init(RefusalReason.eventFieldRequired)
        case .eventFieldBlank:
            self.init(RefusalReason.eventFieldBlank)
        case let .invalidEvent(number, reason):
            self.init(.invalidEvent, message: "Invalid data format: event \(number): \(reason)")
        case let .malformedBulk(line, reason):
            self.init(.malformedBulk, message: "Malformed bulk request at line \(line): \(reason)")
        }
        invalidEventNumber = error.eventNumber
    }

    /// An ingest token's event names another repository than the token's (HEC code 7).
    public static func incorrectIndex(event: Int) -> IngestRefusal {
        IngestRefusal(.incorrectIndex, message: "Incorrect index: event \(event) names another repository than its token's",
                      invalidEventNumber: event)
    }

    /// An event's routing fields name two different repositories (HEC `index` and a `#repo` field, a tag and
    /// an attribute, a name sent twice): refused rather than stored with a `#repo` other than the one checked.
    public static func conflictingRepositories(event: Int) -> IngestRefusal {
        IngestRefusal(.conflictingRepository,
                      message: "Incorrect index: event \(event) names more than one repository (#repo fields with different values)",
                      invalidEventNumber: event)
    }

    /// Over a token's or repository's rate limit (429). HEC: Splunk has no throttling code of its own; its
    /// retry-later code is 9 "Server is busy" (docs/limits.md).
    public static func rateLimited(_ owner: IngestLimitPolicy.Owner, retryAfter seconds: Int) -> IngestRefusal {
        tooManyRequests(.rateLimited, "the \(ownerText(owner)) rate limit is reached", retryAfter: seconds)
    }

    /// Over a token's or repository's daily byte quota (429 until the next UTC midnight; HEC code 9).
    public static func quotaExceeded(_ owner: IngestLimitPolicy.Owner, retryAfter seconds: Int) -> IngestRefusal {
        tooManyRequests(.quota, "the \(ownerText(owner)) daily byte quota is used up", retryAfter: seconds)
    }

    private static func ownerText(_ owner: IngestLimitPolicy.Owner) -> String {
        owner.rawValue == "token" ? "ingest token's" : "repository's"
    }

    /// A 429 that says what is exhausted and when to retry.
    private static func tooManyRequests(_ cause: RefusalReason, _ what: String, retryAfter seconds: Int) -> IngestRefusal {
        var refusal = IngestRefusal(cause, message: "Too many requests: \(what); retry after \(seconds) s")
        refusal.retryAfterSeconds = seconds
        return refusal
    }

    /// Ingest into the repository is blocked by its operator (the operator's message).
    public static func blocked(_ message: String) -> IngestRefusal {
        IngestRefusal(.blocked, message: "Ingest is blocked: " + message)
    }

    /// How a limit policy's verdict is answered; nil when it admits. Inlined, with the message read only
    /// when the verdict is a block, because every request with limits asks it twice and nearly always admits.
    @inline(__always)
    public init?(_ verdict: IngestLimitPolicy.Verdict, blockedMessage: @autoclosure () -> String?) {
        switch verdict {
        case .admit: return nil
        case let .rateLimited(owner, seconds): self = .rateLimited(owner, retryAfter: seconds)
        case let .quotaExceeded(owner, seconds): self = .quotaExceeded(owner, retryAfter: seconds)
        case .blocked: self = .blocked(blockedMessage() ?? "")
        }
    }

    /// How a request whose records are durable but not acknowledged by their stream (`--ack-after
    /// replicated`) is answered: 503 with `Retry-After`; the records stay in the WAL and are forwarded later.
    public init(replication outcome: ReplicationOutcome, repository: String) {
        switch outcome {
        case .replicated:
            preconditionFailure("a replicated request is not refused")
        case .timedOut:
            self.init(.replicationTimeout, message: "Server is busy: the stream of repository '\(repository)' did not acknowledge the events within --replication-timeout; retry later")
        case .noTarget:
            self.init(.notReplicated, message: "Server is busy: repository '\(repository)' forwards to no JetStream stream, which --ack-after replicated needs")
        case .stopped:
            self = .shuttingDown
        }
    }

    public static let shuttingDown = IngestRefusal(.shuttingDown)
}
