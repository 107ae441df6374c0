import Parsers

/// Per-event and per-request limits the decoders enforce (spec "Limits").
public struct DecodeLimits: Sendable, Equatable {
    /// Bytes one event may occupy (raw text plus field names and values); beyond it the raw text is
    /// truncated and suffixed `...` and the fields are dropped (tags kept, for routing).
    public var maxEventBytes = 1 << 20
    /// Fields one event may carry; beyond it the fields are sorted by name and the first `maxFields` kept.
    public var maxFields = 8000
    /// JSON nesting the envelope may have; deeper is a malformed request. It also bounds the decoders'
    /// recursion (a few hundred bytes of stack per level), so keep it in the hundreds at most.
    public var maxDepth = 64

    public init() {}

    public init(maxEventBytes: Int, maxFields: Int, maxDepth: Int) {
        self.maxEventBytes = maxEventBytes
        self.maxFields = maxFields
        self.maxDepth = maxDepth
    }
}

/// What a decode needs besides the body: the time the request was accepted, the token's parser (which
/// wins over anything the request names), the parsers requests may name, and the limits.
public struct DecodeContext: Sendable {
    /// `@ingesttimestamp`, and the time given to events without a usable timestamp; epoch milliseconds.
    public var ingestMillis: Int64
    /// The parser assigned to the token, if any.
    public var tokenParser: ParserPipeline?
    /// Parsers a request can name (unstructured `type`, HEC `sourcetype`, a `#type` field).
    public var parsers: ParserRegistry
    public var limits: DecodeLimits
    /// The `{index}` of `/{index}/_bulk`: the `#repo` of bulk items whose action names no `_index`.
    public var bulkDefaultIndex: [UInt8]
    /// Whether a bulk index names the event's repository (`#repo`, for organization and system tokens).
    /// False for repository ingest tokens, whose repository is fixed: Elasticsearch shippers always name
    /// an index (`filebeat-8.11.0-…`), so it is kept as the tag `#index` instead of refusing every item.
    public var bulkIndexNamesRepository = true

    public init(ingestMillis: Int64, tokenParser: ParserPipeline? = nil, parsers: ParserRegistry = .builtins,
                limits: DecodeLimits = DecodeLimits(), bulkDefaultIndex: [UInt8] = []) {
        self.ingestMillis = ingestMillis
        self.tokenParser = tokenParser
        self.parsers = parsers
        self.limits = limits
        self.bulkDefaultIndex = bulkDefaultIndex
    }
}
