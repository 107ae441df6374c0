import TLSSocket

/// Everything a benchmark run needs, validated.
///
/// Guarantees (checked by ``validate()``): at least one connection per thread, a positive batch, a positive
/// duration or request count, a positive rate if any; `dataLines`, when given, replace generated lines.
public struct BenchConfiguration: Sendable {
    public var url: BenchURL
    public var token: String?
    /// Tokens to spread requests over (`--token-file`): pre-built request i carries tokens[i % count]
    /// instead of `token`, so workers cycling through the pool round-robin over them.
    public var tokens: [String] = []
    public var format: BenchFormat = .structured
    public var batch = 1
    public var eventBytes: Int?
    /// Lines to replay instead of generated ones (`--data-file`).
    public var dataLines: [[UInt8]] = []
    public var gzip = false
    public var connections = 64
    public var threads = 1
    /// Seconds to run; with `requests` too, whichever comes first.
    public var duration: Double?
    public var requests: Int?
    /// Open loop: requests per second across all threads; nil for closed loop.
    public var rate: Double?
    public var seed: UInt64 = 1
    /// How long to wait for answers in flight after the end, in seconds.
    public var drainSeconds: Double = 10
    /// https: the CA file the server's certificate must chain to (nil: the system's CAs).
    public var caFile: String?
    /// https: accept any server certificate.
    public var insecure = false
    /// Close each connection after this many answers and reconnect (TLS: resuming the session); nil keeps
    /// connections open.
    public var requestsPerConnection: Int?
    /// Distinct pre-built requests; nil picks ``RequestPool/suggestedCount(batch:eventBytes:)``.
    public var poolSize: Int?
    /// HEC indexer acknowledgements (``AckPolling``): every request names `hecChannel`, and each connection
    /// polls for its ids at most this often (milliseconds); nil: no acknowledgements.
    public var hecAckPollMillis: Int?
    public var hecChannel = "sluice-bench"
    /// Requests at least this slow (milliseconds) are listed one by one in ``BenchResult/slowRequests``; nil: none.
    public var slowMillis: Double?

    public init(url: BenchURL) {
        self.url = url
    }

    public func validate() throws(BenchError) {
        guard batch >= 1 else { throw .invalidOption("--batch must be at least 1") }
        guard threads >= 1 else { throw .invalidOption("--threads must be at least 1") }
        guard connections >= threads else { throw .invalidOption("--connections must be at least --threads") }
        if let eventBytes, eventBytes < 1 { throw .invalidOption("--event-bytes must be positive") }
        if let duration, !(duration > 0) { throw .invalidOption("--duration must be positive") }
        if let requests, requests < 1 { throw .invalidOption("--requests must be positive") }
        if duration == nil && requests == nil { throw .invalidOption("give --duration or --requests") }
        if let rate, !(rate > 0) { throw .invalidOption("--rate must be positive") }
        if let requestsPerConnection, requestsPerConnection < 1 { throw .invalidOption("--requests-per-connection must be positive") }
        if (caFile != nil || insecure) && !url.usesTLS { throw .invalidOption("--ca and --insecure apply to https:// URLs only") }
        if caFile != nil && insecure { throw .invalidOption("give --ca or --insecure, not both") }
        if let slowMillis, !(slowMillis >= 0) { throw .invalidOption("--slow-ms must not be negative") }
        if let hecAckPollMillis, hecAckPollMillis < 1 { throw .invalidOption("--hec-ack-poll-ms must be positive") }
        if hecAckPollMillis != nil && format != .hec && format != .hecRaw { throw .invalidOption("--hec-ack-poll-ms needs --format hec or hec-raw") }
    }

    /// How the server's certificate is checked (https).
    var trust: TLSClientTrust {
        if insecure { return .anyCertificate }
        return caFile.map(TLSClientTrust.caFile) ?? .systemCAs
    }

    /// The payload generator this configuration describes.
    public func makeGenerator() -> PayloadGenerator {
        PayloadGenerator(seed: seed, eventBytes: eventBytes, replay: dataLines)
    }
}
