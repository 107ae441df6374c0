import CSystemShims
import Logging
import Parsers
import Synchronization

/// The data directory's token authority at run time: the snapshot file, the current validated snapshot
/// (kept compactly as a `ServingSnapshot`), its compiled parsers and the credential cache the event loops
/// authenticate through.
///
/// Guarantees:
/// - The serving set only ever changes to a fully loaded and validated snapshot; a refused snapshot keeps
///   the previous set, logs one error line (file, JSON path, reason) and counts a reload failure.
/// - Reloads are serialised. The repository table is published before the cache swap, so a request that
///   authenticates with a new token also finds that token's new repository.
/// - `edit` returns only after the change is written and serving.
/// - Every install is handed to the observers (``observeInstalls(_:)``) before the reload or edit returns,
///   after the cache serves it; an observer that posts a view to event loops waits for them there.
public final class TokenStore: Sendable {
    public let file: SnapshotFile
    public let cache: TokenCache
    /// Every ingest token's last use, merged from the generations' ``TokenUsage`` (`DATA/token-usage.json`).
    public let usage: TokenUsageLedger
    let logger: Logger

    struct State: Sendable {
        var serving: ServingSnapshot
        var registry: ParserRegistry
        var repositories: [String: Repository]
        /// The limit policies of repositories with limits or a block (for requests an API token routes).
        var repositoryLimits: [String: IngestLimitPolicy] = [:]
        /// What the event loops compile their views from.
        var generation: TokenGeneration
    }

    let state: Mutex<State>
    /// Limit states kept across reloads; used under `reloading` (and in `init`).
    let limiterStates: LimiterStates
    let reloading = Mutex(())
    /// Called with each install (under `reloading`).
    let observers = Mutex<[@Sendable (TokenGeneration) -> Void]>([])
    let reloadCount = Atomic<Int>(0)
    let failureCount = Atomic<Int>(0)
    /// Where edits and reloads go instead of the file when the snapshot is shared (`TokenStore+Source.swift`).
    let source = Mutex<(any SnapshotSource)?>(nil)

    /// Loads `DATA/tokens.json`; throws when it is missing or invalid (the server must not start on it).
    /// `loaded`: serve this validated snapshot instead of reading the file (the shared bucket's, read at start).
    public init(dataDirectory: String, logger: Logger, loaded preloaded: (snapshot: Snapshot, index: SnapshotIndex)? = nil) throws(TokenError) {
        file = SnapshotFile(dataDirectory: dataDirectory)
        self.logger = logger
        let limiterStates = LimiterStates()
        self.limiterStates = limiterStates
        usage = TokenUsageLedger(dataDirectory: dataDirectory) { error in
            logger.error("token usage file unreadable; last uses start empty", metadata: ["error": "\(error)"])
        }
        let loaded = try Self.load(file, limiterStates, usage: usage, preloaded: preloaded)
        cache = loaded.cache
        state = Mutex(loaded.state)
        _ = sluice_malloc_trim()  // the load's intermediate buffers are gone by now; see `install`
    }

    private static func load(_ file: SnapshotFile, _ limiterStates: LimiterStates,
                             usage ledger: TokenUsageLedger,
                             preloaded: (snapshot: Snapshot, index: SnapshotIndex)?) throws(TokenError) -> (cache: TokenCache, state: State) {
        let (snapshot, index): (Snapshot, SnapshotIndex)
        if let preloaded { (snapshot, index) = preloaded } else { (snapshot, index) = try file.loadServing() }
        let limits = limiterStates.policies(for: snapshot, index: index)
        let usage = TokenUsage(tokenCount: index.ingestTokenCount)
        let serving = ServingSnapshot(snapshot, index: index)
        ledger.adopt(usage, table: serving.ingestTokens)
        let set = TokenSet(snapshot: snapshot, index: index, limits: limits.tokens, usage: usage)
        return (TokenCache(set),
                State(serving: serving, registry: index.registry, repositories: index.repositoriesByName,
                      repositoryLimits: limits.repositories,
                      generation: TokenGeneration(scopes: set.scopes, parsers: snapshot.parsers, registry: index.registry,
                                                  repositories: index.repositoriesByName)))
    }

    /// Loads, validates and swaps in the snapshot on disk; call it off the event loops (SIGHUP handler
    /// thread). Returns false, keeping the current set, when the file is refused.
    @discardableResult
    public func reload() -> Bool {
        do {
            try reloadOrThrow()
            return true
        } catch {
            return false
        }
    }

    /// As `reload()`, but also hands the refusal to the caller.
    public func reloadOrThrow() throws(TokenError) {
        if let source = source.withLock({ $0 }) { return try source.reload() }
        try reloading.withLock { _ throws(TokenError) in
            let loaded: (catalog: Snapshot, index: SnapshotIndex)
            do throws(TokenError) {
                loaded = try file.loadServing()
            } catch {
                failureCount.add(1, ordering: .relaxed)
                logRefusal(error)
                throw error
            }
            install(loaded.catalog, loaded.index)
        }
    }

    /// Swaps in a validated snapshot: the repositories first, then the credentials. Call with `reloading` held.
    /// The ingest tokens are `index`'s (`snapshot.ingestTokens` may be empty, as a load for serving leaves it).
    func install(_ snapshot: Snapshot, _ index: SnapshotIndex) {
        let limits = limiterStates.policies(for: snapshot, index: index)
        let usage = TokenUsage(tokenCount: index.ingestTokenCount)
        // The credentials and the listing's compact table are built from the same snapshot independently.
        let (set, serving) = bothAtOnce({ TokenSet(snapshot: snapshot, index: index, limits: limits.tokens, usage: usage) },
                                        { ServingSnapshot(snapshot, index: index) })
        let generation = TokenGeneration(scopes: set.scopes, parsers: snapshot.parsers, registry: index.registry,
                                         repositories: index.repositoriesByName)
        let next = State(serving: serving, registry: index.registry, repositories: index.repositoriesByName,
                         repositoryLimits: limits.repositories, generation: generation)
        self.usage.adopt(usage, table: next.serving.ingestTokens)
        let previous = state.withLock { state in
            let previous = state
            state = next
            return previous
        }
        cache.replace(with: set)
        for observer in observers.withLock({ $0 }) { observer(generation) }
        reloadCount.add(1, ordering: .relaxed)
        logger.info("token snapshot loaded", metadata: ["file": "\(file.path)", "tokens": "\(set.count)"])
        _ = previous  // the old generation is released here, outside the state lock
        // Loading a large snapshot frees far more than the serving set keeps (the file, its decoded
        // form, build buffers): hand it back, or a large reload holds far more than it uses
        // (perf/token-reload.sh measures it).
        _ = sluice_malloc_trim()
    }

    /// Calls `observer` with every later install, before that reload or edit returns, and returns the
    /// generation serving now (no install falls between the two).
    public func observeInstalls(_ observer: @escaping @Sendable (TokenGeneration) -> Void) -> TokenGeneration {
        reloading.withLock { _ in
            observers.withLock { $0.append(observer) }
            return state.withLock { $0.generation }
        }
    }

    /// Edits the snapshot under the writers' lock (see `SnapshotFile.edit`) and serves the written
    /// snapshot, so the change takes effect before this returns (counted as a reload).
    @discardableResult
    public func edit<T>(_ body: (inout Snapshot) throws(TokenError) -> T) throws(TokenError) -> T {
        if let source = source.withLock({ $0 }) { return try source.edit(body) }
        var result: T?
        do throws(TokenError) {
            try reloading.withLock { _ throws(TokenError) in
                let edited = try file.editIndexed(body)
                install(edited.snapshot, edited.index)
                result = edited.result
            }
        } catch {
            switch error {
            case .system, .invalidSnapshot:
                // Callers answer with what happened only; the file and errno are for the operator.
                logger.error("token snapshot edit failed", metadata: ["error": "\(error)"])
            default: break
            }
            throw error
        }
        return result!
    }

    /// As ``edit(_:)`` for an edit that changes at most the ingest token `key` (adds, removes or updates
    /// it): a snapshot source applies it without copying or comparing the whole token list.
    @discardableResult
    public func edit<T>(ingestToken key: TokenKey, _ body: (inout Snapshot) throws(TokenError) -> T) throws(TokenError) -> T {
        if let source = source.withLock({ $0 }) { return try source.edit(ingestToken: key, body) }
        return try edit(body)
    }

    /// The credential's principal, or nil (see `TokenCache.lookup`).
    public func lookup(_ credential: UnsafeRawBufferPointer) -> Principal? {
        cache.lookup(credential)
    }

    /// The snapshot currently serving, as the store keeps it (one consistent generation).
    public var serving: ServingSnapshot { state.withLock { $0.serving } }

    /// The snapshot currently serving, rebuilt whole: O(tokens), for listings and tests. Permission
    /// questions need only `serving.catalog`.
    public var snapshot: Snapshot { serving.snapshot }

    /// The parsers of the snapshot currently serving (built-ins and custom).
    public var parsers: ParserRegistry { state.withLock { $0.registry } }

    public func repository(named name: String) -> Repository? {
        state.withLock { $0.repositories[name] }
    }

    /// The limits and block of `repository` (nil when it has none), for requests an API token routes there.
    public func repositoryLimits(named repository: String) -> IngestLimitPolicy? {
        state.withLock { $0.repositoryLimits.isEmpty ? nil : $0.repositoryLimits[repository] }
    }

    public var reloadsTotal: Int { reloadCount.load(ordering: .relaxed) }
    public var reloadFailuresTotal: Int { failureCount.load(ordering: .relaxed) }

    /// Prometheus text: `sluice_token_reloads_total` (successful reloads after start),
    /// `sluice_token_reload_failures_total`, `sluice_tokens` (credentials serving).
    public func metricsText() -> String {
        """
        # HELP sluice_token_reloads_total Token snapshot reloads that succeeded.
        # TYPE sluice_token_reloads_total counter
        sluice_token_reloads_total \(reloadsTotal)
        # HELP sluice_token_reload_failures_total Token snapshot reloads refused; the previous set kept serving.
        # TYPE sluice_token_reload_failures_total counter
        sluice_token_reload_failures_total \(reloadFailuresTotal)
        # HELP sluice_tokens Credentials (ingest and API tokens) serving.
        # TYPE sluice_tokens gauge
        sluice_tokens \(cache.count)

        """
    }

    /// Logs that `principal`'s token was refused because it expired (or, for a rotated-out secret, its
    /// overlap ended): the token's repository and name, never its secret.
    public func logExpiredCredential(_ principal: Principal) {
        let reason = principal.isPreviousSecret ? "the rotated-out secret's overlap has ended" : "the token has expired"
        logger.warning("ingest token refused", metadata: [
            "token": "\(principal.metricLabel)", "reason": "\(reason)",
            "expiresAt": "\(RFC3339.format(millis: principal.expiresAtMillis))",
        ])
    }

    func logRefusal(_ error: TokenError) {
        var metadata: Logger.Metadata = ["file": "\(file.path)"]
        if case let .invalidSnapshot(source, path, reason) = error {
            metadata["file"] = "\(source)"
            metadata["path"] = "\(path)"
            metadata["reason"] = "\(reason)"
        } else {
            metadata["reason"] = "\(error)"
        }
        logger.error("token snapshot refused; the previous set keeps serving", metadata: metadata)
    }
}
