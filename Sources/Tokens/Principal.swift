import CSystemShims
import Parsers

/// Who a credential authenticates as: what kind of token it is, what it may ingest into, its compiled
/// parser, and a stable label for metrics that is never the secret.
///
/// Layout: the scope (kind, its name, flags, parser) lives in a `Scope` object shared by every token with
/// the same scope — all ingest tokens of a repository with the same parser share one — and the per-token
/// label is held inline. So a million credentials cost no million allocations, and copying a principal out
/// of the cache costs one retain (two when the label is longer than 15 bytes).
public struct Principal: Sendable {
    /// The token kind and its scope.
    public enum Kind: Sendable, Equatable {
        /// A repository ingest token: ingests into `repository` only.
        case ingestToken(repository: String)
        /// An organization API token: acts within `organization`.
        case organizationToken(organization: String)
        /// A system API token: acts across the cluster.
        case systemToken
        /// A personal API token of `user`: admin API only, never ingest.
        case personal(user: String)
    }

    /// What tokens of one scope share: the kind as a tag plus its one name, the flags, the parser, the
    /// expiry and the generation's last-use slots.
    final class Scope: Sendable {
        let tag: UInt8
        let flags: UInt8
        let name: String
        let parser: ParserPipeline?
        /// The token's and its repository's limits; nil when neither has any.
        let limits: IngestLimitPolicy?
        /// Epoch milliseconds from which the credential is refused; `Int64.max`: never.
        let expiresAtMillis: Int64
        /// The generation's last-use slots (``TokenUsage``), which `usageOwner` keeps alive; nil for API tokens.
        let usage: TokenUsage.Slots
        let usageOwner: TokenUsage?

        init(kind: Kind, canIngest: Bool, parser: ParserPipeline?, isRoot: Bool, canReadMetrics: Bool = false,
             limits: IngestLimitPolicy? = nil, expiresAtMillis: Int64 = .max, isPreviousSecret: Bool = false,
             usage: TokenUsage? = nil, hecAcknowledgements: Bool = false) {
            switch kind {
            case let .ingestToken(repository): (tag, name) = (Principal.ingestTag, repository)
            case let .organizationToken(organization): (tag, name) = (Principal.organizationTag, organization)
            case .systemToken: (tag, name) = (Principal.systemTag, "")
            case let .personal(user): (tag, name) = (Principal.personalTag, user)
            }
            flags = (canIngest ? Principal.canIngestFlag : 0) | (isRoot ? Principal.rootFlag : 0)
                | (canReadMetrics ? Principal.readMetricsFlag : 0) | (isPreviousSecret ? Principal.previousSecretFlag : 0)
                | (hecAcknowledgements ? Principal.hecAcksFlag : 0)
            self.parser = parser
            self.limits = limits
            self.expiresAtMillis = expiresAtMillis
            self.usage = usage?.slots ?? TokenUsage.Slots(base: nil)
            usageOwner = usage
        }

        init(copying other: Scope) {
            tag = other.tag
            flags = other.flags
            name = other.name
            parser = other.parser?.privateCopy()
            limits = other.limits?.privateCopy()
            expiresAtMillis = other.expiresAtMillis
            usage = other.usage
            usageOwner = other.usageOwner
        }
    }

    static let ingestTag: UInt8 = 0, organizationTag: UInt8 = 1, systemTag: UInt8 = 2, personalTag: UInt8 = 3
    static let canIngestFlag: UInt8 = 1, rootFlag: UInt8 = 2, readMetricsFlag: UInt8 = 4, previousSecretFlag: UInt8 = 8
    static let hecAcksFlag: UInt8 = 16

    let scope: Scope
    /// `<repository>/<token name>` for ingest tokens, `api/<token name>` for API tokens.
    public let metricLabel: String
    /// The token's last-use slot in its generation's ``TokenUsage`` (0, a slot never read, for API tokens).
    let usageSlot: UInt32

    public init(kind: Kind, canIngest: Bool, metricLabel: String, parser: ParserPipeline? = nil, isRoot: Bool = false,
                canReadMetrics: Bool = false) {
        self.init(scope: Scope(kind: kind, canIngest: canIngest, parser: parser, isRoot: isRoot, canReadMetrics: canReadMetrics),
                  metricLabel: metricLabel)
    }

    init(scope: Scope, metricLabel: String, usageSlot: UInt32 = 0) {
        self.scope = scope
        self.metricLabel = metricLabel
        self.usageSlot = usageSlot
    }

    /// An equal principal whose scope object, parser and label storage are this copy's own, for a per-loop
    /// cache: every request retains what the principal it uses holds, and retaining objects both loops share
    /// moves their cache lines between the cores on each request.
    public func privateCopy() -> Principal {
        Principal(scope: Scope(copying: scope), metricLabel: String(decoding: Array(metricLabel.utf8), as: UTF8.self),
                  usageSlot: usageSlot)
    }

    /// Epoch milliseconds from which this credential is refused (the token's `expiresAt`, or for a
    /// rotated-out secret the end of the overlap); `Int64.max` when it never expires.
    @inline(__always)
    public var expiresAtMillis: Int64 { scope.expiresAtMillis }

    /// True once `nowMillis` (epoch milliseconds) has reached ``expiresAtMillis``: one compare, so the
    /// gateway checks it on every request, remembered credential or not.
    @inline(__always)
    public func hasExpired(atMillis nowMillis: Int64) -> Bool { nowMillis >= scope.expiresAtMillis }

    /// True for the secret a rotation replaced (still accepted until ``expiresAtMillis``).
    public var isPreviousSecret: Bool { scope.flags & Self.previousSecretFlag != 0 }

    /// Records a use at `seconds` (epoch seconds) in the token's last-use slot: a load and, at most once a
    /// second per token, a store; nothing for API tokens.
    @inline(__always)
    public func noteUse(atSeconds seconds: UInt32) {
        guard let base = scope.usage.base else { return }
        let slot = base + Int(usageSlot)
        if sluice_load_relaxed_u32(slot) != seconds { sluice_store_relaxed_u32(slot, seconds) }
    }

    public var kind: Kind {
        switch scope.tag {
        case Self.ingestTag: .ingestToken(repository: scope.name)
        case Self.organizationTag: .organizationToken(organization: scope.name)
        case Self.systemTag: .systemToken
        default: .personal(user: scope.name)
        }
    }

    /// True for ingest tokens and for API tokens holding an ingest permission of their kind.
    public var canIngest: Bool { scope.flags & Self.canIngestFlag != 0 }
    /// The ingest token's parser, compiled with the snapshot it came from; nil when none is assigned.
    public var parser: ParserPipeline? { scope.parser }
    /// True for personal tokens of root users.
    public var isRoot: Bool { scope.flags & Self.rootFlag != 0 }
    /// True for API tokens with the `ReadMetrics` permission and for root users' personal tokens.
    public var canReadMetrics: Bool { scope.flags & Self.readMetricsFlag != 0 }
    /// True for ingest tokens whose HEC requests use indexer acknowledgements (`hecAcknowledgements`).
    public var usesHECAcknowledgements: Bool { scope.flags & Self.hecAcksFlag != 0 }
    /// The user of a personal token (nil for other kinds).
    public var userName: String? { scope.tag == Self.personalTag ? scope.name : nil }
    /// The ingest token's and its repository's limits and block; nil when neither has any.
    public var limits: IngestLimitPolicy? { scope.limits }
    /// The repository of an ingest token (without building a `Kind`).
    public var ingestRepository: String? { scope.tag == Self.ingestTag ? scope.name : nil }
}
