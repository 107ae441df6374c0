import EventLoop
import Forwarding
import IngestFormats
import WAL

/// Everything `sluice serve` can be told, with its defaults.
public struct GatewayConfiguration: Sendable {
    public var dataDirectory: String
    public var http = HTTPServerConfiguration()
    public var fsync = FsyncPolicy.always
    public var segmentBytes = 128 << 20
    /// Zero-filled bytes kept ahead of the records under `fsync always` and `interval` (``WALOptions/reserveBytes``).
    public var walReserveBytes = WALOptions.defaultServerReserveBytes
    /// WAL writer threads (``WALOptions/writerThreads``) and the idle close (``WALOptions/idleCloseMillis``).
    public var walWriters = WALOptions.coreCount
    public var walIdleCloseMillis: Int? = 300_000
    /// ``WALOptions/syncfsRounds`` (nil: on a file system of the WAL's own, elsewhere as the interval's fallback).
    public var walSyncfs: Bool? = nil
    /// ``WALOptions/syncQueuesPerWriter``.
    public var walSyncQueues = 1
    public var retentionBytes: Int?
    public var retentionHours: Double?
    /// Hours a deleted repository's WAL is kept under `DATA/deleted` before it is removed.
    public var deletedRepositoryHours: Double = 24
    /// Hard cap past which retention deletes segments forwarding targets still need (``WALOptions/retentionMaxBytes``).
    public var retentionMaxBytes: Int?
    /// Per repository: WAL backlog past which ingest is refused with 503 (``WALOptions/maxPendingBytes``).
    public var maxPendingBytes: Int? = WALOptions.defaultMaxPendingBytes()
    /// Free bytes on the data folder's file system below which ingest is refused with 503 (nil: no bound).
    public var minFreeBytes: Int?
    /// `nats://HOST:PORT[,…]/BUCKET`: the token snapshot a fleet shares (docs/fleet.md); nil: `DATA/tokens.json` only.
    public var snapshotSource: String?
    /// Copies of the bucket when a gateway creates it.
    public var snapshotReplicas = 1
    /// How the bucket's NATS servers are reached (user/password, token, creds, TLS CA).
    public var snapshotCredentials = NATSCredentials()
    /// Seconds after which a deleted key is purged from the bucket.
    public var snapshotPurgeAfterSeconds = 3600.0
    /// HEC indexer acknowledgements for every token (`--hec-acks`), and the ack table's limits.
    public var hecAcks = false
    public var hecAckLimits = HECAckTable.Limits()
    /// `--ack-after`: when an ingest request is answered (see ``AckAfter``).
    public var ackAfter = AckAfter.local
    /// `--replication-timeout`: seconds a request waits for its stream under `replicated` before a 503.
    public var replicationTimeoutSeconds = 10.0
    /// `--drain-timeout`: seconds after SIGTERM during which the gateway finishes requests in flight and
    /// goes on forwarding its backlog before it exits.
    public var drainTimeoutSeconds = 30.0
    public var decodeLimits = DecodeLimits()
    /// Certificate, key and optional client CA for `http.tlsListen`; loaded at start and on SIGHUP.
    public var tls: TLSFiles?
    /// Where `/metrics` is served when set: a listener of its own (one thread), and not on
    /// `http.listen` / `http.tlsListen`, so operators can firewall it apart from ingest.
    public var metricsListen: ListenAddress?
    /// `/metrics` answers 401/403 unless the request carries an API token with the `ReadMetrics` permission
    /// (or a root user's personal token).
    public var metricsAuth = false

    public init(dataDirectory: String) {
        self.dataDirectory = dataDirectory
    }

    var walOptions: WALOptions {
        var options = WALOptions(dataDirectory: dataDirectory)
        options.fsync = fsync
        options.segmentBytes = segmentBytes
        options.reserveBytes = walReserveBytes
        options.writerThreads = walWriters
        options.idleCloseMillis = walIdleCloseMillis
        options.syncfsRounds = walSyncfs
        options.syncQueuesPerWriter = walSyncQueues
        options.retentionBytes = retentionBytes
        options.retentionHours = retentionHours
        options.retentionMaxBytes = retentionMaxBytes
        options.maxPendingBytes = maxPendingBytes
        return options
    }
}

/// When an ingest request is answered.
public enum AckAfter: String, Sendable, CaseIterable {
    /// Once its records are in the WAL under the fsync policy.
    case local
    /// Once every record is also acknowledged by the JetStream stream its repository forwards to.
    case replicated
}
