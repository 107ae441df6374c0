#if canImport(Glibc)
import Glibc
#endif
import Logging
import Synchronization
import Tokens
import WAL
import POSIX

/// The forwarders of a running gateway: one per (repository, target) the token snapshot names, started,
/// kept or stopped at each ``apply(_:)`` (start and every reload). With no target configured it starts
/// nothing.
public final class ForwardingService: Sendable {
    private let dataDirectory: String
    private let wal: WALStore
    private let logger: Logger
    private let state = Mutex<[Key: WALForwarder]>([:])
    private let gateway = Mutex<String?>(nil)
    /// Under `--ack-after replicated`: the watermarks the JetStream forwarders advance and requests wait on.
    public let replication: ReplicationWatermarks?

    struct Key: Hashable, Sendable {
        var repository: String
        var target: String
    }

    /// `gateway`: the gateway's id when the caller already loaded it (else it is loaded at the first forwarder).
    public init(dataDirectory: String, wal: WALStore, logger: Logger, gateway: String? = nil, replication: ReplicationWatermarks? = nil) {
        self.dataDirectory = dataDirectory
        self.wal = wal
        self.logger = logger
        self.gateway.withLock { $0 = gateway }
        self.replication = replication
    }

    /// The repositories of `snapshot` that forward to no JetStream target (which `--ack-after replicated`
    /// cannot acknowledge), sorted; system repositories (`humio-audit`, …), which the gateway writes
    /// itself, are left out.
    public static func repositoriesWithoutJetStream(_ snapshot: Snapshot) -> [String] {
        snapshot.repositories.filter { repository in
            repository.kind != .system && !repository.forwardTo.contains { snapshot.forwarder(named: $0)?.kind == .jetstream }
        }.map(\.name).sorted()
    }

    /// Starts the forwarders `snapshot` asks for and stops those it no longer does (or whose target changed).
    public func apply(_ snapshot: Snapshot) {
        var wanted: [Key: Forwarder] = [:]
        for repository in snapshot.repositories {
            for name in repository.forwardTo {
                guard let target = snapshot.forwarder(named: name) else { continue }
                wanted[Key(repository: repository.name, target: name)] = target
            }
        }
        let (stale, missing) = state.withLock { running -> ([WALForwarder], [Key]) in
            let stale = running.filter { key, forwarder in wanted[key] != forwarder.target }
            for key in stale.keys { running[key] = nil }
            return (Array(stale.values), wanted.keys.filter { running[$0] == nil })
        }
        for forwarder in stale { forwarder.stop() }
        if let replication {
            var jetstream: [String: [String]] = [:]
            for (key, target) in wanted where target.kind == .jetstream { jetstream[key.repository, default: []].append(key.target) }
            replication.retain(repositories: Set(jetstream.keys))
            for (repository, targets) in jetstream {
                replication.setTargets(repository: repository, targets: targets.sorted()) { target in
                    ForwardCheckpoint(dataDirectory: dataDirectory, repository: repository, target: target)?.read() ?? 0
                }
            }
        }
        guard !missing.isEmpty, let gatewayID = gatewayID() else { return }
        for key in missing.sorted(by: { ($0.repository, $0.target) < ($1.repository, $1.target) }) {
            let log: RepositoryLog
            do throws(WALError) {
                log = try wal.log(for: key.repository)
            } catch {
                logger.error("forwarder cannot open the repository's WAL", metadata: ["repository": "\(key.repository)", "error": "\(error)"])
                continue
            }
            let target = wanted[key]!
            let forwarder: WALForwarder = switch target.kind {
            case .jetstream: JetStreamForwarder(repository: key.repository, target: target, log: log, dataDirectory: dataDirectory,
                                                gateway: gatewayID, logger: logger, replication: replication)
            case .http: HTTPForwarder(repository: key.repository, target: target, log: log, dataDirectory: dataDirectory, logger: logger)
            }
            state.withLock { $0[key] = forwarder }
            do {
                try forwarder.start()
            } catch {
                state.withLock { $0[key] = nil }
                logger.error("forwarder thread not started", metadata: ["repository": "\(key.repository)", "target": "\(key.target)", "error": "\(error)"])
            }
        }
    }

    private func gatewayID() -> String? {
        gateway.withLock { id in
            if let id { return id }
            do throws(TokenError) {
                id = try GatewayIdentity.loadOrCreate(dataDirectory: dataDirectory)
            } catch {
                logger.error("cannot create the gateway id; forwarding stays off", metadata: ["error": "\(error)"])
            }
            return id
        }
    }

    /// For ``WALOptions/retentionHold``: the lowest checkpoint of the repository's targets (0 for a target
    /// without one or with a damaged one), read from disk, so it holds from the first start on, before any
    /// forwarder runs; nil when the repository forwards nowhere.
    public static func retentionHold(dataDirectory: String, snapshot: @escaping @Sendable () -> Snapshot) -> @Sendable (String) -> UInt64? {
        { repository in
            guard let targets = snapshot().repository(named: repository)?.forwardTo, !targets.isEmpty else { return nil }
            return targets.map { ForwardCheckpoint(dataDirectory: dataDirectory, repository: repository, target: $0)?.read() ?? 0 }.min()
        }
    }

    /// Stops every forwarder (each after what it has in flight was answered).
    public func shutdown() {
        let all = state.withLock { running in
            defer { running.removeAll() }
            return Array(running.values)
        }
        for forwarder in all { forwarder.stop() }
    }

    /// Each forwarder's repository, target and state, for `/api/v1/status`.
    public var targets: [(repository: String, target: String, state: String, lagRecords: Int)] {
        state.withLock { Array($0.values) }.sorted { ($0.repository, $0.target.name) < ($1.repository, $1.target.name) }.map {
            ($0.repository, $0.target.name, $0.metrics.currentState.state.rawValue, $0.metrics.lagRecords.load(ordering: .relaxed))
        }
    }

    /// JetStream forwarders not forwarding now (connecting, backing off, stream missing), as
    /// "repository → target (state)": under `--ack-after replicated` their repositories cannot acknowledge.
    public var unreachableJetStreamTargets: [String] {
        state.withLock { Array($0.values) }.filter { $0.target.kind == .jetstream && $0.metrics.currentState.state != .forwarding }
            .sorted { ($0.repository, $0.target.name) < ($1.repository, $1.target.name) }
            .map { "\($0.repository) → \($0.target.name) (\($0.metrics.currentState.state.rawValue))" }
    }

    /// Waits until every forwarder delivered what its log holds durably now, or `deadline` (uptime
    /// nanoseconds) passes; the records still to deliver then (0 when drained).
    public func drain(deadlineNanos: UInt64) -> Int {
        let all = state.withLock { Array($0.values) }
        let goals = all.map { $0.log.durableNextSequence }
        while true {
            let left = zip(all, goals).reduce(0) { total, pair in
                let delivered = pair.0.delivered.load(ordering: .acquiring)
                return total + (pair.1 > delivered ? Int(pair.1 - delivered) : 0)
            }
            if left == 0 || MonotonicClock.nanoseconds() >= deadlineNanos { return left }
            usleep(20_000)
        }
    }

    /// Prometheus text of every forwarder's metrics; empty with none running.
    public func metricsText() -> String {
        let all = state.withLock { Array($0.values) }.sorted { ($0.repository, $0.target.name) < ($1.repository, $1.target.name) }
        guard !all.isEmpty else { return "" }
        func labels(_ f: WALForwarder) -> String {
            "repository=\"\(PrometheusLabel.escape(f.repository))\",target=\"\(PrometheusLabel.escape(f.target.name))\""
        }
        var out = ""
        func family(_ name: String, _ type: String, _ help: String, _ value: (WALForwarder) -> Int) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for f in all { out += "\(name){\(labels(f))} \(value(f))\n" }
        }
        family("sluice_forward_records_total", "counter", "WAL records published to the target (replays included).") { $0.metrics.records.load(ordering: .relaxed) }
        family("sluice_forward_bytes_total", "counter", "Message body bytes published to the target.") { $0.metrics.bytes.load(ordering: .relaxed) }
        family("sluice_forward_lag_records", "gauge", "Durable events not yet acknowledged by the target.") { $0.metrics.lagRecords.load(ordering: .relaxed) }
        family("sluice_forward_rejected_total", "counter", "Events the target refused for good, moved to the dead-letter file.") { $0.metrics.rejected.load(ordering: .relaxed) }
        out += "# HELP sluice_forward_lag_seconds Seconds since the first record not yet forwarded was written.\n# TYPE sluice_forward_lag_seconds gauge\n"
        let now = MonotonicClock.nanoseconds()
        for f in all { out += "sluice_forward_lag_seconds{\(labels(f))} \(f.metrics.lagSeconds(now: now))\n" }
        out += "# HELP sluice_forward_errors_total Forwarding failures by reason.\n# TYPE sluice_forward_errors_total counter\n"
        for f in all {
            for (reason, count) in f.metrics.errorCounts.sorted(by: { $0.key < $1.key }) {
                out += "sluice_forward_errors_total{\(labels(f)),reason=\"\(reason)\"} \(count)\n"
            }
        }
        out += "# HELP sluice_forward_up Whether the forwarder is forwarding (1) or not (0).\n# TYPE sluice_forward_up gauge\n"
        for f in all { out += "sluice_forward_up{\(labels(f))} \(f.metrics.currentState.state == .forwarding ? 1 : 0)\n" }
        return out
    }
}

func mkdirIfNeeded(_ path: String) -> Bool {
    mkdir(path, 0o755) == 0 || errno == EEXIST
}
