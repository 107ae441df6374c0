import WALFormat
import Logging
import POSIX
import Synchronization

/// Every repository's write-ahead log under `DATA/repos`.
///
/// Guarantees: at init every existing repository's log is opened and recovered, so no request pays for
/// recovery; ``log(for:)`` returns the same ``RepositoryLog`` for a name until ``shutdown()``; after
/// ``shutdown()`` every queued append has completed and later appends fail with ``WALError/closed``.
public final class WALStore: Sendable {
    public let options: WALOptions
    private let logger: Logger
    private let fs: any SegmentFileSystem
    private let state: Mutex<State>
    private let pool: WriterPool

    private struct State: ~Copyable {
        var logs: [String: RepositoryLog] = [:]
        var closed = false
    }

    public convenience init(options: WALOptions, logger: Logger) throws {
        try self.init(options: options, logger: logger, fileSystem: PosixFileSystem())
    }

    init(options: WALOptions, logger: Logger, fileSystem: any SegmentFileSystem) throws(WALError) {
        self.options = options
        self.logger = logger
        self.fs = fileSystem
        state = Mutex(State())
        do throws(SystemError) {
            pool = try WriterPool(options: options)
        } catch {
            throw .cannotOpen("starting the WAL writer threads: \(error)")
        }
        let repos = SegmentDirectory.reposPath(options.dataDirectory)
        do throws(SegmentIOError) {
            try fs.createDirectories(repos)
            for folder in try fs.list(repos).sorted() {
                guard let name = RepositoryName.unescape(folder) else {
                    logger.warning("ignoring a folder that is not an escaped repository name", metadata: ["folder": "\(repos)/\(folder)"])
                    continue
                }
                let log = try RepositoryLog(repository: name, directory: SegmentDirectory(dataDirectory: options.dataDirectory, escapedRepository: folder),
                                            fs: fs, options: options, logger: logger, pool: pool)
                state.withLock { $0.logs[name] = log }
            }
        } catch {
            shutdown()
            throw .cannotOpen("opening the WAL under \(repos): \(error)")
        }
    }

    /// The log of `repository`, opened (and recovered) on first use.
    public func log(for repository: String) throws(WALError) -> RepositoryLog {
        let result: Result<RepositoryLog, WALError> = state.withLock { state in
            if state.closed { return .failure(.closed) }
            if let log = state.logs[repository] { return .success(log) }
            guard let folder = RepositoryName.escape(repository) else { return .failure(.invalidRepositoryName) }
            do throws(SegmentIOError) {
                let log = try RepositoryLog(repository: repository,
                                            directory: SegmentDirectory(dataDirectory: options.dataDirectory, escapedRepository: folder),
                                            fs: fs, options: options, logger: logger, pool: pool)
                state.logs[repository] = log
                return .success(log)
            } catch {
                logger.error("opening a repository's WAL failed", metadata: ["repository": "\(repository)", "error": "\(error)"])
                return .failure(.unavailable(error.unavailability))
            }
        }
        return try result.get()
    }

    /// Closes `repository`'s log and forgets it: appends already queued complete, later ones through the
    /// closed log fail with ``WALError/closed``, and the next ``log(for:)`` of the name opens its folder
    /// afresh. For a deleted repository, whose folder the caller then moves aside.
    public func close(repository: String) {
        let log = state.withLock { $0.logs.removeValue(forKey: repository) }
        log?.close()
    }

    /// Runs retention on `repository`'s log (every open log when nil) at its writer's next wake-up, rather
    /// than at the next rotation or minute: for retention settings that changed. Returns at once.
    public func enforceRetentionSoon(repository: String? = nil) {
        let logs = state.withLock { state in repository.map { state.logs[$0].map { [$0] } ?? [] } ?? Array(state.logs.values) }
        for log in logs { log.requestRetention() }
    }

    /// `DATA/deleted`: the logs of deleted repositories, kept for a grace period.
    public static func deletedPath(_ dataDirectory: String) -> String {
        (dataDirectory.hasSuffix("/") ? String(dataDirectory.dropLast()) : dataDirectory) + "/deleted"
    }

    deinit { shutdown() }

    /// Syncs and stops every writer; appends after this fail with ``WALError/closed``. Idempotent; must not
    /// be called from an append's completion (which runs on a writer thread).
    public func shutdown() {
        state.withLock { $0.closed = true }
        pool.shutdown()
    }

    /// Repositories whose active segment holds a descriptor now (the others are closed while idle).
    public var openRepositories: Int { pool.openRepositories.load(ordering: .relaxed) }

    /// Repositories refusing appends for their backlog (``RepositoryLog/isRefusing``), sorted.
    public var refusingRepositories: [String] {
        state.withLock { state in state.logs.values.filter(\.isRefusing).map(\.repository) }.sorted()
    }

    /// Every open log by repository name (what ``log(for:)`` returns for each now, without opening any).
    public var openLogs: [String: RepositoryLog] {
        state.withLock { $0.logs }
    }

    /// Names of the repositories with an open log.
    public var repositories: [String] {
        state.withLock { Array($0.logs.keys) }.sorted()
    }

    /// Prometheus exposition text for every repository's log.
    public func metricsText() -> String {
        let logs = state.withLock { Array($0.logs.values) }.sorted { $0.repository < $1.repository }
        var lines: [String: [String]] = [:]
        for log in logs { log.metrics.exposition(repository: log.repository, into: &lines) }
        var out = ""
        for (name, type, help) in RepositoryMetrics.help where name != "sluice_forward_dropped_records_total" || lines[name] != nil {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for line in lines[name] ?? [] { out += line + "\n" }
        }
        out += pool.metricsText()
        return out
    }
}
