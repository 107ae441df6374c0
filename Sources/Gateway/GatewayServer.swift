#if canImport(Glibc)
import Glibc
#endif
import Admin
import EventLoop
import Forwarding
import Foundation
import Logging
import POSIX
import Tokens
import WAL

/// A running Sluice: first-start bootstrap, token store, write-ahead logs, the HTTP server (plain and
/// TLS listeners), and the signal loop (SIGHUP reloads tokens and the TLS certificate, SIGTERM/SIGINT
/// drain and stop). ``run()`` returns the exit code.
public final class GatewayServer {
    public let configuration: GatewayConfiguration
    private var logger: Logger

    public init(configuration: GatewayConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    public func run() throws -> Int32 {
        // Before any thread starts, so that every thread inherits the blocked signals.
        let signals = try SignalWatcher(signals: [SIGTERM, SIGINT, SIGHUP])
        let data = configuration.dataDirectory
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        // Every line this gateway logs names it, so a fleet's logs can be told apart.
        let gatewayID = try GatewayIdentity.loadOrCreate(dataDirectory: data)
        logger[metadataKey: "gateway"] = "\(gatewayID)"
        let logger = self.logger

        let (fleet, bootstrap, tokens) = try openTokens()
        fleet?.attach(to: tokens)
        let usageFlusher = TokenUsageFlusher(ledger: tokens.usage) { [logger] error in
            logger.error("token last uses not saved", metadata: ["error": "\(error)"])
        }
        try usageFlusher.start()
        let descriptors = DescriptorLimit.raiseToHard()
        var walOptions = configuration.walOptions
        walOptions.maxOpenSegments = descriptors.walBudget(maxConnections: configuration.http.maxConnections)
        // The catalog (no ingest tokens) is enough for `forwardTo`: `tokens.snapshot` would rebuild every token
        // at each retention pass of each repository.
        walOptions.retentionHold = ForwardingService.retentionHold(dataDirectory: data) { tokens.serving.catalog }
        // A repository's own retention settings, read from the serving snapshot at each retention pass.
        walOptions.repositoryRetention = { tokens.repository(named: $0)?.retentionLimits }
        if configuration.ackAfter == .replicated {
            let missing = ForwardingService.repositoriesWithoutJetStream(tokens.snapshot)
            guard missing.isEmpty else { throw GatewayStartError.notReplicated(missing) }
        }
        let wal = try WALStore(options: walOptions, logger: logger)
        let replication = configuration.ackAfter == .replicated
            ? ReplicationWatermarks(timeoutSeconds: configuration.replicationTimeoutSeconds) : nil
        let forwarding = ForwardingService(dataDirectory: data, wal: wal, logger: logger, gateway: gatewayID, replication: replication)
        var http = configuration.http
        // Requests waiting for their stream finish within the drain too.
        if replication != nil {
            http.shutdownGraceMillis = max(http.shutdownGraceMillis, Int64(configuration.replicationTimeoutSeconds * 1000) + 1000)
        }
        if let files = configuration.tls {
            http.tlsContexts = try TLSContextProvider(files: files)
        }
        let tlsContexts = http.tlsContexts
        let server = HTTPServer(configuration: http, logger: logger)
        let storage = RepositoryStorage(wal: wal, deletedRepositoryHours: configuration.deletedRepositoryHours)
        storage.sweepDeleted()
        let admin = AdminAPI(tokens: tokens, audit: WALAuditSink(wal: wal, logger: logger, gateway: fleet?.gateway), storage: storage,
                             logger: logger)
        let adminPool = try AdminWorkerPool(threads: 2)
        let metricsAccess = MetricsAccess(onIngestListeners: configuration.metricsListen == nil, requiresToken: configuration.metricsAuth)
        let services = GatewayServices(tokens: tokens, wal: wal, metrics: GatewayMetrics(shardCount: configuration.http.threads),
                                       server: server, decodeLimits: configuration.decodeLimits, admin: admin, adminPool: adminPool,
                                       forwarding: forwarding, metricsAccess: metricsAccess,
                                       hecAcks: HECAcknowledgements(forAllTokens: configuration.hecAcks, limits: configuration.hecAckLimits),
                                       diskSpace: configuration.minFreeBytes.map { DiskSpaceGuard(path: data, minFreeBytes: $0) },
                                       gateway: gatewayID)
        try server.start { loop in GatewayHandler(services: services, loop: loop) }
        let metricsServer = try startMetricsServer(services)

        let ports = server.boundPorts.withLock { $0 }
        if let bootstrap, let first = configuration.http.listen.first {
            printBootstrap(bootstrap, address: ListenAddress(host: first.host, port: ports.first ?? first.port))
        }
        try writeRuntimeFile("sluice.pid", "\(getpid())\n")
        try writeRuntimeFile("sluice.port", "\(ports.first ?? 0)\n")
        let tlsPorts = server.boundTLSPorts.withLock { $0 }
        if let first = tlsPorts.first { try writeRuntimeFile("sluice.tls-port", "\(first)\n") }
        let metricsPort = metricsServer?.boundPorts.withLock { $0.first }
        if let metricsPort { try writeRuntimeFile("sluice.metrics-port", "\(metricsPort)\n") }
        logger.info("listening", metadata: [
            "addresses": "\(zip(configuration.http.listen, ports).map { "\($0.host):\($1)" })",
            "tls": "\(zip(http.tlsListen, tlsPorts).map { "\($0.host):\($1)" })",
            "metrics": "\(configuration.metricsListen.map { "\($0.host):\(metricsPort ?? $0.port)" } ?? "on the ingest listeners")\(configuration.metricsAuth ? " (token required)" : "")",
            "threads": "\(configuration.http.threads)", "data": "\(data)", "fsync": "\(configuration.fsync)",
            "wal_writers": "\(walOptions.writerThreads)", "open_files": "\(descriptors.soft)",
            "wal_open_segments_max": "\(walOptions.maxOpenSegments ?? 0)",
        ])

        forwarding.apply(tokens.serving.catalog)

        while true {
            let signal = signals.next()
            if signal == SIGHUP {
                let reloaded = tokens.reload()
                logger.info("reload", metadata: ["tokens": "\(reloaded ? "reloaded" : "kept previous set")"])
                forwarding.apply(tokens.serving.catalog)
                if reloaded { wal.enforceRetentionSoon() }
                if let tlsContexts { reloadTLS(tlsContexts) }
                continue
            }
            // Unhealthy first, so a status request still in flight tells the load balancer to move on.
            services.draining.store(true, ordering: .relaxed)
            logger.info("shutting down", metadata: ["signal": "\(signal)", "drain_timeout": "\(configuration.drainTimeoutSeconds)"])
            break
        }
        let drainDeadline = MonotonicClock.nanoseconds() + UInt64(max(0, configuration.drainTimeoutSeconds) * 1e9)
        server.shutdown()
        metricsServer?.shutdown()
        server.wait()
        services.loopViews.close()
        metricsServer?.wait()
        adminPool.shutdown()
        usageFlusher.stop()
        // The listeners are closed and every request answered: what is left is the backlog to forward.
        let left = forwarding.drain(deadlineNanos: drainDeadline)
        if left > 0 {
            logger.warning("drain timeout: records not yet forwarded stay in the WAL for the next start", metadata: ["records": "\(left)"])
        } else {
            logger.info("drained")
        }
        replication?.stopAll()
        forwarding.shutdown()
        fleet?.shutdown()
        wal.shutdown()
        unlink("\(data)/sluice.pid")
        logger.info("stopped")
        return 0
    }

    /// The token store, from the shared bucket (`--snapshot-source`) or `DATA/tokens.json` (bootstrapped on a
    /// first start). A gateway joining a fleet serves the bucket's snapshot and bootstraps nothing of its own.
    private func openTokens() throws -> (FleetSnapshot?, BootstrapResult?, TokenStore) {
        let (fleet, shared) = try connectSnapshotSource()
        let bootstrap = shared == nil ? try TokenStore.bootstrap(dataDirectory: configuration.dataDirectory) : nil
        return (fleet, bootstrap, try TokenStore(dataDirectory: configuration.dataDirectory, logger: logger, loaded: shared))
    }

    /// `--snapshot-source`: reads the shared snapshot, validated, for the store to serve (so a gateway joining a
    /// fleet does not bootstrap credentials of its own; `DATA/tokens.json` follows in the background).
    /// Unreachable: starts from the cached file and keeps trying in the background; with no cached file it
    /// cannot start.
    private func connectSnapshotSource() throws -> (FleetSnapshot?, (snapshot: Snapshot, index: SnapshotIndex)?) {
        guard let text = configuration.snapshotSource, var url = SnapshotSourceURL(text) else { return (nil, nil) }
        url.credentials = configuration.snapshotCredentials
        let data = configuration.dataDirectory
        let fleet = FleetSnapshot(url: url, replicas: configuration.snapshotReplicas,
                                  gateway: try GatewayIdentity.loadOrCreate(dataDirectory: data), logger: logger,
                                  purgeAfterSeconds: configuration.snapshotPurgeAfterSeconds)
        do {
            if let shared = try fleet.connectIndexed() {
                logger.info("token snapshot read from the shared bucket", metadata: ["source": "\(url)", "tokens": "\(shared.snapshot.ingestTokens.count)"])
                return (fleet, shared)
            }
        } catch {
            guard SnapshotFile(dataDirectory: data).exists else {
                throw TokenError.notFound("--snapshot-source \(url) cannot be reached (\(error)) and \(data)/tokens.json holds no cached snapshot")
            }
            logger.warning("shared token snapshot unreachable; starting from the cached tokens.json",
                           metadata: ["source": "\(url)", "error": "\(error)"])
        }
        return (fleet, nil)
    }

    /// `--metrics-listen`: one loop of its own serving `/metrics` only, with the ingest listeners' limits.
    private func startMetricsServer(_ services: GatewayServices) throws -> HTTPServer? {
        guard let address = configuration.metricsListen else { return nil }
        var http = configuration.http
        http.listen = [address]
        http.tlsListen = []
        http.tlsContexts = nil
        http.threads = 1
        http.maxConnections = min(http.maxConnections, 256)
        let server = HTTPServer(configuration: http, logger: logger)
        try server.start { _ in MetricsHandler(services: services) }
        return server
    }

    /// A bad certificate/key pair keeps the previous context serving and logs one line saying why.
    private func reloadTLS(_ contexts: TLSContextProvider) {
        do {
            try contexts.reload()
            logger.info("tls certificate reloaded", metadata: ["certificate": "\(contexts.files.certificateChain)"])
        } catch {
            logger.error("tls certificate reload refused; keeping the previous certificate", metadata: ["error": "\(error)"])
        }
    }

    private func writeRuntimeFile(_ name: String, _ contents: String) throws {
        try contents.write(toFile: "\(configuration.dataDirectory)/\(name)", atomically: true, encoding: .utf8)
    }

    private func printBootstrap(_ bootstrap: BootstrapResult, address: ListenAddress) {
        print("""
            First start: created \(configuration.dataDirectory)/tokens.json with repository '\(bootstrap.repository)'.
              ingest token (\(bootstrap.repository)/\(bootstrap.ingestTokenName)): \(bootstrap.ingestToken)
              API token (user \(bootstrap.user), root): \(bootstrap.apiToken)
            Saved to \(configuration.dataDirectory)/bootstrap-credentials.json (mode 0600). Try:
              \(bootstrap.curlCommand(baseURL: "http://\(address)"))
            """)
        fflush(nil)
    }
}

/// Why `sluice serve` refuses to start.
public enum GatewayStartError: Error, CustomStringConvertible {
    /// `--ack-after replicated` with repositories that forward to no JetStream stream.
    case notReplicated([String])

    public var description: String {
        switch self {
        case .notReplicated(let repositories):
            return "--ack-after replicated: repositories \(repositories.map { "'\($0)'" }.joined(separator: ", ")) forward to no JetStream "
                + "target, so nothing could acknowledge their events. Attach one (sluice forwarders add --kind jetstream ... --repo NAME, "
                + "or sluice forwarders attach --repo NAME --target T) or start with --ack-after local."
        }
    }
}
