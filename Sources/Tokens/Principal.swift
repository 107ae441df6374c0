import CSystemShims
import Parsers

/// Who a credential authenticates as: what kind of token it is, what it may ingest into, its compiled
/// parser, and a stable label for metrics that is never the secret.
///
/// Layout: the scope (kind, its name, flags, parser, limits) lives in a `Scope` object shared by every token
/// with the same scope, and the per-token label is held inline. The token table stores no principal: it
/// stores a ``TokenEntry`` (plain indexes), which an event loop resolves against its own scopes
/// (``LoopScopes``) and any other caller against its generation's shared ones (``TokenCatalog``).
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

    /// What tokens of one scope share: the kind (without its name) plus its one name, the flags, the parser,
    /// the expiry and the generation's last-use slots.
    final class Scope: Sendable {
        /// ``Kind`` without its associated name, so a scope stores the name once for every kind.
        enum KindTag: UInt8, Sendable, Hashable {
            case ingest, organization, system, personal
        }

        struct Flags: OptionSet, Sendable, Hashable {
            let rawValue: UInt8
            static let canIngest = Flags(rawValue: 1)
            static let root = Flags(rawValue: 2)
            static let readMetrics = Flags(rawValue: 4)
            static let previousSecret = Flags(rawValue: 8)
            static let hecAcknowledgements = Flags(rawValue: 16)
        }

        let tag: KindTag
        let flags: Flags
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
            (tag, name) = Self.split(kind)
            flags = Self.flags(canIngest: canIngest, isRoot: isRoot, canReadMetrics: canReadMetrics,
                               isPreviousSecret: isPreviousSecret, hecAcknowledgements: hecAcknowledgements)
            self.parser = parser
            self.limits = limits
            self.expiresAtMillis = expiresAtMillis
            self.usage = usage?.slots ?? TokenUsage.Slots(base: nil)
            usageOwner = usage
        }

        /// A loop's own scope equal to `other`, its parser taken from the loop's own `parsers`.
        init(compiling other: Scope, parsers: ParserRegistry) {
            tag = other.tag
            flags = other.flags
            name = String(decoding: Array(other.name.utf8), as: UTF8.self)
            parser = other.parser.map { parsers.pipeline(named: $0.name) ?? $0 }
            limits = other.limits?.ownedCopy()
            expiresAtMillis = other.expiresAtMillis
            usage = other.usage
            usageOwner = other.usageOwner
        }

        /// The kind, its name included.
        var kind: Kind {
            switch tag {
            case .ingest: .ingestToken(repository: name)
            case .organization: .organizationToken(organization: name)
            case .system: .systemToken
            case .personal: .personal(user: name)
            }
        }

        static func split(_ kind: Kind) -> (KindTag, String) {
            switch kind {
            case let .ingestToken(repository): (.ingest, repository)
            case let .organizationToken(organization): (.organization, organization)
            case .systemToken: (.system, "")
            case let .personal(user): (.personal, user)
            }
        }

        static func flags(canIngest: Bool, isRoot: Bool, canReadMetrics: Bool, isPreviousSecret: Bool,
                          hecAcknowledgements: Bool) -> Flags {
            var flags: Flags = []
            if canIngest { flags.insert(.canIngest) }
            if isRoot { flags.insert(.root) }
            if canReadMetrics { flags.insert(.readMetrics) }
            if isPreviousSecret { flags.insert(.previousSecret) }
            if hecAcknowledgements { flags.insert(.hecAcknowledgements) }
            return flags
        }
    }

    let scope: Scope
    /// Where the label is: in the generation's catalog (read out only when asked for, so resolving an entry
    /// allocates nothing) or a text of the principal's own.
    private let label: Label

    enum Label: Sendable {
        case text(String)
        case catalog(TokenCatalog)
    }

    /// `<repository>/<token name>` for ingest tokens, `api/<token name>` for API tokens.
    public var metricLabel: String {
        switch label {
        case let .text(text): text
        case let .catalog(catalog): catalog.label(of: entry)
        }
    }
    /// The table entry this principal was resolved from (a principal built directly has one of no generation).
    let entry: TokenEntry
    /// The token's last-use slot in its generation's ``TokenUsage`` (0, a slot never read, for API tokens).
    var usageSlot: UInt32 { entry.usageSlot }

    public init(kind: Kind, canIngest: Bool, metricLabel: String, parser: ParserPipeline? = nil, isRoot: Bool = false,
                canReadMetrics: Bool = false) {
        self.init(scope: Scope(kind: kind, canIngest: canIngest, parser: parser, isRoot: isRoot, canReadMetrics: canReadMetrics),
                  metricLabel: metricLabel)
    }

    init(scope: Scope, metricLabel: String, usageSlot: UInt32 = 0) {
        self.init(scope: scope, metricLabel: metricLabel, entry: TokenEntry(unresolvedWithUsageSlot: usageSlot))
    }

    init(scope: Scope, metricLabel: String, entry: TokenEntry) {
        self.scope = scope
        label = .text(metricLabel)
        self.entry = entry
    }

    /// The principal of `entry` of `catalog`, its label left in the catalog's bytes.
    init(scope: Scope, catalog: TokenCatalog, entry: TokenEntry) {
        self.scope = scope
        label = .catalog(catalog)
        self.entry = entry
    }

    /// This principal with its label read out into a text of its own, for a holder that reads it request
    /// after request (``RecentCredential``).
    func withOwnLabel() -> Principal {
        guard case .catalog = label else { return self }
        return Principal(scope: scope, metricLabel: metricLabel, entry: entry)
    }

    /// True when the label is a text of the principal's own (not read from a catalog on each use).
    var ownsLabel: Bool {
        if case .text = label { return true }
        return false
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
    public var isPreviousSecret: Bool { scope.flags.contains(.previousSecret) }

    /// Records a use at `seconds` (epoch seconds) in the token's last-use slot: a load and, at most once a
    /// second per token, a store; nothing for API tokens.
    @inline(__always)
    public func noteUse(atSeconds seconds: UInt32) {
        guard let base = scope.usage.base else { return }
        let slot = base + Int(usageSlot)
        if sluice_load_relaxed_u32(slot) != seconds { sluice_store_relaxed_u32(slot, seconds) }
    }

    public var kind: Kind { scope.kind }

    /// True for ingest tokens and for API tokens holding an ingest permission of their kind.
    public var canIngest: Bool { scope.flags.contains(.canIngest) }
    /// The ingest token's parser, compiled with the snapshot it came from; nil when none is assigned.
    public var parser: ParserPipeline? { scope.parser }
    /// True for personal tokens of root users.
    public var isRoot: Bool { scope.flags.contains(.root) }
    /// True for API tokens with the `ReadMetrics` permission and for root users' personal tokens.
    public var canReadMetrics: Bool { scope.flags.contains(.readMetrics) }
    /// True for ingest tokens whose HEC requests use indexer acknowledgements (`hecAcknowledgements`).
    public var usesHECAcknowledgements: Bool { scope.flags.contains(.hecAcknowledgements) }
    /// The user of a personal token (nil for other kinds).
    public var userName: String? { scope.tag == .personal ? scope.name : nil }
    /// The ingest token's and its repository's limits and block; nil when neither has any.
    public var limits: IngestLimitPolicy? { scope.limits }
    /// The repository of an ingest token (without building a `Kind`).
    public var ingestRepository: String? { scope.tag == .ingest ? scope.name : nil }
}
