import ArgumentParser
import EventLoop
import Forwarding
import Gateway
import Logging
import WAL

/// `sluice serve`: runs the gateway until SIGTERM/SIGINT.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the ingest gateway (creates the data folder, a sandbox repository and tokens on first start).")

    @Option(name: .long, help: "Data folder: tokens.json, repos/<repository>/wal, sluice.pid, sluice.port.")
    var data = "./sluice-data"

    @Option(name: .long, help: "HOST:PORT to listen on (repeatable; port 0 picks a free port).")
    var listen: [String] = ["127.0.0.1:8080"]

    @Option(name: .long, help: "HOST:PORT to listen on with TLS (repeatable; needs --tls-cert and --tls-key).")
    var tlsListen: [String] = []

    @Option(name: .long, help: "PEM certificate chain for --tls-listen (server certificate first; reloaded on SIGHUP).")
    var tlsCert: String?

    @Option(name: .long, help: "PEM private key of --tls-cert (reloaded on SIGHUP).")
    var tlsKey: String?

    @Option(name: .long, help: "PEM CA bundle: TLS clients must present a certificate it signed (mTLS), in addition to their token.")
    var tlsClientCa: String?

    @Option(name: .long, help: "Seconds a TLS handshake may take.")
    var tlsHandshakeTimeout = 10.0

    @Option(name: .long, help: "TLS handshakes in progress per event loop above which new TLS connections are closed at once.")
    var tlsMaxHandshakes = 256

    @Option(name: .long, help: "HOST:PORT of a separate listener for /metrics (then not served on --listen); port 0 picks a free port (in DATA/sluice.metrics-port).")
    var metricsListen: String?

    @Flag(name: .long, help: "Require an API token with the ReadMetrics permission (or a root user's personal token) for /metrics.")
    var metricsAuth = false

    @Option(name: .long, help: "Event loops (threads); default: number of cores.")
    var threads = HTTPServerConfiguration.coreCount

    @Option(name: .long, help: "Largest request body after decompression, in bytes.")
    var maxRequestBytes = 32 * 1024 * 1024

    @Option(name: .long, help: "Largest request head, in bytes.")
    var maxHeadBytes = 64 * 1024

    @Option(name: .long, help: "Open connections; a new one above it closes the loop's oldest unauthenticated connection, or is closed at once when there is none.")
    var maxConnections = 10_000

    @Option(name: .long, help: "Connections that have not yet sent a verified credential (default: half of --max-connections); above it the oldest of them is closed.")
    var maxUnauthenticatedConnections: Int?

    @Option(name: .long, help: "Seconds a request head may take to arrive.")
    var headTimeout = 10.0

    @Option(name: .long, help: "Seconds a whole request body may take, counted from the end of its head.")
    var bodyTimeout = 60.0

    @Option(name: .long, help: "Bytes per second a request body must average after a 5 s grace period (0 = no minimum).")
    var minBodyRate = 1024

    @Option(name: .long, help: "Bytes per event loop that buffers of request bodies still arriving may take (default: 128 MiB, at least one largest request); above it new bodies get 503 with Retry-After.")
    var maxInflightBodyBytes: Int?

    @Option(name: .long, help: "Seconds after the end of a request head before --min-body-rate applies.")
    var bodyRateGrace = 5.0

    @Option(name: .long, help: "Seconds an idle keep-alive connection stays open.")
    var idleTimeout = 60.0

    @Option(name: .long, help: "Durability before answering: always (fdatasync), interval=MS, or none.")
    var fsync = "always"

    @Option(name: .long, help: "WAL segment size at which a new segment starts, in bytes.")
    var segmentBytes = 128 << 20

    @Option(name: .long, help: "Zero bytes the WAL keeps written ahead of its records under --fsync always and interval, so an fdatasync commits no file growth (0 = off).")
    var walReserveBytes = WALOptions.defaultServerReserveBytes

    @Option(name: .long, help: "WAL writer threads serving every repository (each repository belongs to one); default: number of cores.")
    var walWriters = WALOptions.coreCount

    @Option(name: .long, help: "Seconds without a write after which a repository closes its WAL segment's descriptor and frees its buffers (0 = never); the next write reopens it.")
    var walIdleClose = 300.0

    @Flag(name: .long, inversion: .prefixedNo, help: "Make the files several repositories wrote on one file system durable with one syncfs (a group commit's when cheaper than their fdatasyncs; an interval's for every file with unsynced data). Default: when the data folder is a file system of its own (a mount point), elsewhere only while per-file syncs cannot keep --fsync interval, since syncfs also writes back other programs' data.")
    var walSyncfs: Bool? = nil

    @Option(name: .long, help: "Under --fsync interval: queues per WAL writer on which its repositories' fdatasyncs run, so up to this many overlap (more keep the interval with many repositories, at the CPU each sync costs).")
    var walSyncQueues = 1

    @Option(name: .long, help: "Per-repository WAL size above which the oldest sealed segments are deleted, in bytes (the default: a repository's storageSizeBasedRetention wins).")
    var retentionBytes: Int?

    @Option(name: .long, help: "Age in hours after which sealed WAL segments are deleted (the default: a repository's timeBasedRetention wins).")
    var retentionHours: Double?

    @Option(name: .long, help: "Hours a deleted repository's WAL is kept under DATA/deleted before it is removed.")
    var deletedRepositoryHours: Double = 24
    @Option(name: .long, help: "Per-repository WAL size past which retention deletes segments forwarding targets have not acknowledged yet (else they wait), in bytes.")
    var retentionMaxBytes: Int?
    @Option(name: .long, help: "Per-repository bytes of WAL records waiting to be written past which ingest is answered 503 with Retry-After (HEC code 9) at once; 0 = no bound. Default: an eighth of physical memory, between 64 MiB and 1 GiB.")
    var maxPendingBytes: Int?
    @Option(name: .long, help: "Free bytes on the data folder's file system below which ingest is answered 503 and the health endpoints say unhealthy.")
    var minFreeBytes: Int?
    @Option(name: .long, help: "nats://HOST:PORT[,…]/BUCKET: keep the token snapshot in this JetStream key-value bucket, shared by a fleet of gateways (docs/fleet.md); DATA/tokens.json becomes its cache.")
    var snapshotSource: String?
    @Option(name: .long, help: "Copies of the --snapshot-source bucket when this gateway creates it.")
    var snapshotReplicas = 1
    @OptionGroup var snapshotAuth: SnapshotAuthOptions
    @Option(name: .long, help: "Seconds after which a deleted key of the --snapshot-source bucket is purged (longer than any NATS outage a gateway rides out without restarting).")
    var snapshotPurgeAfter = 3600.0

    @Flag(name: .long, help: "Splunk HEC indexer acknowledgements for every token (otherwise only for tokens with hecAcknowledgements: true).")
    var hecAcks = false
    @Option(name: .long, help: "Seconds after which an HEC acknowledgement channel neither posted to nor polled is forgotten.")
    var hecAckIdleTimeout = 600.0
    @Option(name: .long, help: "HEC acknowledgement ids not yet reported true, per channel, past which requests on it are answered 503 (code 9).")
    var hecAckMaxPendingPerChannel = HECAckTable.Limits().maxPendingPerChannel
    @Option(name: .long, help: "HEC acknowledgement ids not yet reported true, over all channels, past which requests are answered 503 (code 9).")
    var hecAckMaxPending = HECAckTable.Limits().maxPendingTotal

    @Option(name: .long, help: "When ingest is answered: local (records in the WAL under --fsync) or replicated (also acknowledged by the JetStream stream each repository forwards to; every repository needs one).")
    var ackAfter = "local"
    @Option(name: .long, help: "Seconds a request waits for its stream under --ack-after replicated before it is answered 503 with Retry-After (its events stay in the WAL and are forwarded later).")
    var replicationTimeout = 10.0
    @Option(name: .long, help: "Seconds after SIGTERM to finish requests in flight and go on forwarding the backlog before exiting.")
    var drainTimeout = 30.0

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    func validate() throws {
        guard FsyncPolicy(argument: fsync) != nil else { throw ValidationError("--fsync must be always, none or interval=MS") }
        for address in listen where ListenAddress(parsing: address) == nil {
            throw ValidationError("--listen \(address): expected HOST:PORT")
        }
        for address in tlsListen where ListenAddress(parsing: address) == nil {
            throw ValidationError("--tls-listen \(address): expected HOST:PORT")
        }
        if let metricsListen, ListenAddress(parsing: metricsListen) == nil {
            throw ValidationError("--metrics-listen \(metricsListen): expected HOST:PORT")
        }
        if !tlsListen.isEmpty && (tlsCert == nil || tlsKey == nil) {
            throw ValidationError("--tls-listen needs --tls-cert and --tls-key")
        }
        if tlsListen.isEmpty && (tlsCert != nil || tlsKey != nil || tlsClientCa != nil) {
            throw ValidationError("--tls-cert, --tls-key and --tls-client-ca need --tls-listen")
        }
        guard tlsHandshakeTimeout > 0, tlsMaxHandshakes >= 1 else {
            throw ValidationError("--tls-handshake-timeout and --tls-max-handshakes must be positive")
        }
        guard AckAfter(rawValue: ackAfter) != nil else { throw ValidationError("--ack-after must be local or replicated") }
        guard replicationTimeout > 0, drainTimeout >= 0 else {
            throw ValidationError("--replication-timeout must be positive and --drain-timeout not negative")
        }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level \(logLevel) is not a level") }
        guard (maxPendingBytes ?? 0) >= 0, (minFreeBytes ?? 0) >= 0, hecAckIdleTimeout > 0, hecAckMaxPendingPerChannel >= 1, hecAckMaxPending >= 1 else {
            throw ValidationError("--max-pending-bytes and --min-free-bytes must not be negative; --hec-ack-idle-timeout, --hec-ack-max-pending(-per-channel) must be positive")
        }
        if let snapshotSource { _ = try snapshotAuth.url(snapshotSource, option: "--snapshot-source") }
        guard snapshotReplicas >= 1 else { throw ValidationError("--snapshot-replicas must be positive") }
        guard snapshotPurgeAfter > 0 else { throw ValidationError("--snapshot-purge-after must be positive") }
        guard walWriters >= 1, walIdleClose >= 0 else { throw ValidationError("--wal-writers must be positive and --wal-idle-close not negative") }
        guard walSyncQueues >= 1 else { throw ValidationError("--wal-sync-queues must be positive") }
        guard threads >= 1, maxRequestBytes >= 1, maxHeadBytes >= 1024, maxConnections >= 1 else {
            throw ValidationError("--threads, --max-request-bytes, --max-connections must be positive and --max-head-bytes at least 1024")
        }
        guard bodyTimeout > 0, minBodyRate >= 0, maxUnauthenticatedConnections.map({ $0 >= 1 }) ?? true else {
            throw ValidationError("--body-timeout and --max-unauthenticated-connections must be positive, --min-body-rate at least 0")
        }
        guard (maxInflightBodyBytes ?? .max) >= maxRequestBytes + maxHeadBytes, bodyRateGrace >= 0 else {
            throw ValidationError("--max-inflight-body-bytes must hold at least one largest request (--max-request-bytes + --max-head-bytes); --body-rate-grace must not be negative")
        }
    }

    func run() throws {
        AllocatorTuning.apply()
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var configuration = GatewayConfiguration(dataDirectory: data)
        configuration.http.listen = listen.compactMap(ListenAddress.init(parsing:))
        configuration.http.threads = threads
        configuration.http.tlsListen = tlsListen.compactMap(ListenAddress.init(parsing:))
        configuration.http.tlsHandshakeTimeoutMillis = Int64(tlsHandshakeTimeout * 1000)
        configuration.http.maxTLSHandshakesPerLoop = tlsMaxHandshakes
        if let tlsCert, let tlsKey {
            configuration.tls = TLSFiles(certificateChain: tlsCert, privateKey: tlsKey, clientCA: tlsClientCa)
        }
        configuration.metricsListen = metricsListen.flatMap(ListenAddress.init(parsing:))
        configuration.metricsAuth = metricsAuth
        configuration.http.limits.maxBodyBytes = maxRequestBytes
        configuration.http.limits.maxHeadBytes = maxHeadBytes
        configuration.http.maxConnections = maxConnections
        configuration.http.maxUnauthenticatedConnections = maxUnauthenticatedConnections
        configuration.http.headTimeoutMillis = Int64(headTimeout * 1000)
        configuration.http.bodyTimeoutMillis = Int64(bodyTimeout * 1000)
        configuration.http.minBodyBytesPerSecond = minBodyRate
        configuration.http.maxInflightBodyBytesPerLoop = maxInflightBodyBytes ?? max(128 << 20, maxRequestBytes + maxHeadBytes)
        configuration.http.minBodyRateGraceMillis = Int64(bodyRateGrace * 1000)
        configuration.http.idleTimeoutMillis = Int64(idleTimeout * 1000)
        configuration.fsync = FsyncPolicy(argument: fsync)!
        configuration.segmentBytes = segmentBytes
        configuration.walReserveBytes = walReserveBytes
        configuration.walWriters = walWriters
        configuration.walIdleCloseMillis = walIdleClose > 0 ? max(1, Int(walIdleClose * 1000)) : nil
        configuration.walSyncfs = walSyncfs
        configuration.walSyncQueues = walSyncQueues
        configuration.retentionBytes = retentionBytes
        configuration.retentionHours = retentionHours
        configuration.deletedRepositoryHours = deletedRepositoryHours
        configuration.retentionMaxBytes = retentionMaxBytes
        if let maxPendingBytes { configuration.maxPendingBytes = maxPendingBytes > 0 ? maxPendingBytes : nil }
        configuration.minFreeBytes = minFreeBytes
        configuration.snapshotSource = snapshotSource
        configuration.snapshotReplicas = snapshotReplicas
        configuration.snapshotCredentials = try snapshotAuth.credentials()
        configuration.snapshotPurgeAfterSeconds = snapshotPurgeAfter
        configuration.hecAcks = hecAcks
        configuration.hecAckLimits.idleMillis = Int64(hecAckIdleTimeout * 1000)
        configuration.hecAckLimits.maxPendingPerChannel = hecAckMaxPendingPerChannel
        configuration.hecAckLimits.maxPendingTotal = hecAckMaxPending
        configuration.ackAfter = AckAfter(rawValue: ackAfter)!
        configuration.replicationTimeoutSeconds = replicationTimeout
        configuration.drainTimeoutSeconds = drainTimeout
        let code = try GatewayServer(configuration: configuration, logger: Logger(label: "sluice")).run()
        throw ExitCode(code)
    }
}
