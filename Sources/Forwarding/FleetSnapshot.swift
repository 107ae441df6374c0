import POSIX
import CNATS
import CSystemShims
import Foundation
import Logging
import Synchronization
import Tokens

/// The token snapshot a fleet of gateways shares through a JetStream key-value bucket (docs/fleet.md,
/// "Shared snapshot"): the gateway reads the bucket once at start, watches it and serves each change that
/// passes validation; edits from this gateway (admin API) and from `sluice … --source` are compare-and-set
/// writes of the keys they change.
///
/// Guarantees:
/// - Changes serve only after validation (``SnapshotMirror``); a refused change logs one line, counts in
///   `sluice_token_reload_failures_total` and leaves the serving set as it was.
/// - An edit that loses a compare-and-set re-reads the keys it touched and runs again on the newer values (up
///   to ``maxAttempts`` times), so two writers never overwrite each other.
/// - `DATA/tokens.json` follows the accepted snapshot (written off the watcher thread, latest wins) and is
///   what a gateway starts from while the bucket cannot be reached.
public final class FleetSnapshot: SnapshotSource, @unchecked Sendable {
    public let url: SnapshotSourceURL
    public let gateway: String
    /// Copies of the bucket when this creates it; nil: never creates it.
    private let replicas: Int?
    private let logger: Logger
    public static let maxAttempts = 8

    /// Guards everything below; taken before the store's reload lock, never after it.
    private let lock = NSLock()
    private var bucket: KeyValueBucket?
    private var watcher: KeyValueWatcher?
    private var mirror: SnapshotMirror
    private var store: TokenStore?
    private var running = true
    private var thread: JoinableThread?
    private let cache: CacheWriter
    private let conflictCount = Atomic<Int>(0)
    /// Deletions seen, purged from the bucket once old enough (``DeletionPurger``).
    private var purger: DeletionPurger
    private var nextPurgeMillis: Int64 = 0

    public init(url: SnapshotSourceURL, replicas: Int?, gateway: String, logger: Logger, purgeAfterSeconds: Double = 3600) {
        purger = DeletionPurger(ageMillis: Int64(purgeAfterSeconds * 1000))
        self.url = url
        self.replicas = replicas
        self.gateway = gateway
        self.logger = logger
        cache = CacheWriter(logger: logger)
        mirror = SnapshotMirror(source: url.description)
    }

    /// One edit from the command line (`--source`): reads the bucket, applies `body` with compare-and-set
    /// (retrying on conflicts) and disconnects.
    public static func editOnce<T>(url: SnapshotSourceURL, logger: Logger, ingestToken key: TokenKey? = nil,
                                   _ body: (inout Snapshot) throws(TokenError) -> T) throws -> T {
        let host = ProcessInfo.processInfo.hostName
        let fleet = FleetSnapshot(url: url, replicas: nil, gateway: "cli@\(host)", logger: logger)
        defer { fleet.shutdown() }
        guard try fleet.connect() != nil else {
            throw TokenError.notFound("\(url) holds no snapshot yet: start a gateway with --snapshot-source \(url) to seed it")
        }
        if let key { return try fleet.edit(ingestToken: key, body) }
        return try fleet.edit(body)
    }

    /// Connects and reads the whole bucket. Returns the bucket's snapshot when it holds one, nil when it is
    /// empty; throws when it cannot be reached.
    public func connect() throws(KeyValueError) -> Snapshot? {
        try connectIndexed()?.snapshot
    }

    /// As ``connect()``, with what validating the bucket's snapshot computed, for a store to serve it as is.
    public func connectIndexed() throws(KeyValueError) -> (snapshot: Snapshot, index: SnapshotIndex)? {
        lock.lock()
        defer { lock.unlock() }
        try connectLocked()
        guard mirror.isSeeded else { return nil }
        guard let index = mirror.index ?? (try? mirror.snapshot.validate(file: url.description)) else {
            throw .failed(JetStreamError("bucket \(url.bucket) holds no valid snapshot", NATS_ERR))
        }
        return (mirror.snapshot, index)
    }

    private func connectLocked() throws(KeyValueError) {
        let bucket = try KeyValueBucket(url, replicas: replicas)
        let (fresh, watcher) = try Self.readAll(bucket, source: url.description, purger: &purger)
        self.bucket = bucket
        self.watcher = watcher
        mirror = fresh.mirror
        for refusal in fresh.refusals { store?.refuse(refusal) ?? logRefusal(refusal) }
    }

    /// Reads every key (a watcher's initial values) into a new mirror; the watcher then carries on with changes.
    private static func readAll(_ bucket: KeyValueBucket, source: String, purger: inout DeletionPurger) throws(KeyValueError)
        -> ((mirror: SnapshotMirror, refusals: [TokenError]), KeyValueWatcher) {
        let watcher = try bucket.watchAll()
        var mirror = SnapshotMirror(source: source)
        // The values are decoded together once all arrived, on every core.
        var entries: [(key: String, revision: UInt64, value: [UInt8]?)] = []
        reading: while true {
            switch watcher.next(timeoutMillis: 10_000) {
            case let .entry(key, revision, value, pending):
                if entries.isEmpty { entries.reserveCapacity(Int(min(pending, 1 << 24)) + 1) }
                entries.append((key, revision, value))
                purger.saw(key: key, revision: revision, value: value, nowMillis: Self.nowMillis())
            case .caughtUp: break reading
            case .timeout, .stopped:
                watcher.stop()
                throw .failed(JetStreamError("reading bucket \(bucket.url.bucket)", NATS_TIMEOUT))
            }
        }
        mirror.receive(entries, nowMillis: Self.nowMillis())
        // Incomplete batches at start are applied as far as their writers got.
        mirror.staleMillis = 0
        let (_, refusals) = mirror.settle(nowMillis: Self.nowMillis(), initial: true)
        mirror.staleMillis = SnapshotMirror(source: source).staleMillis
        return ((mirror, refusals), watcher)
    }

    /// Starts serving through `store`, which loaded the snapshot ``connect()`` returned (or the cached file
    /// when it threw): seeds an empty bucket from the store's snapshot, makes the store's edits and reloads
    /// come here, and watches the bucket (connecting in the background first when ``connect()`` failed).
    public func attach(to store: TokenStore) {
        lock.lock()
        self.store = store
        // The store serves what the bucket held (a joining gateway has not written its cache yet).
        if bucket != nil && mirror.isSeeded { cache.write(store: store) }
        if bucket != nil && !mirror.isSeeded { seedLocked(store.snapshot) }
        // The store serves the mirror's snapshot as it stands: later deltas apply on top of it.
        _ = mirror.takeDelta()
        lock.unlock()
        store.use(source: self)
        do {
            thread = try JoinableThread(name: "sluice-snapshot") { [self] in watchLoop() }
        } catch {
            logger.error("snapshot watcher not started; serving the loaded set", metadata: ["error": "\(error)"])
        }
    }

    public func shutdown() {
        lock.lock()
        running = false
        let watcher = self.watcher
        lock.unlock()
        watcher?.stop()
        cache.flush()
        lock.lock()
        bucket?.close()
        lock.unlock()
    }

    /// Changes refused by a compare-and-set and retried.
    public var conflictsTotal: Int { conflictCount.load(ordering: .relaxed) }

    // MARK: - SnapshotSource

    public func edit<T>(_ body: (inout Snapshot) throws(TokenError) -> T) throws(TokenError) -> T {
        try edit(focus: nil, body)
    }

    /// Changes at most the ingest token `key`: prepared without copying or comparing the whole token list
    /// (``SnapshotMirror/prepare(batchID:ingestToken:_:)``), written with the same compare-and-set.
    public func edit<T>(ingestToken key: TokenKey, _ body: (inout Snapshot) throws(TokenError) -> T) throws(TokenError) -> T {
        try edit(focus: key, body)
    }

    private func edit<T>(focus: TokenKey?, _ body: (inout Snapshot) throws(TokenError) -> T) throws(TokenError) -> T {
        lock.lock()
        defer { lock.unlock() }
        for attempt in 1...Self.maxAttempts {
            guard let bucket else {
                throw .invalidArgument("the shared token snapshot (\(url)) cannot be reached; changes are refused until it is back")
            }
            let prepared = if let focus {
                try mirror.prepare(batchID: Self.batchID(), ingestToken: focus, body)
            } else {
                try mirror.prepare(batchID: Self.batchID(), body)
            }
            if prepared.writes.isEmpty { return prepared.result }
            var revisions: [UInt64] = []
            do throws(KeyValueError) {
                for write in prepared.writes {
                    revisions.append(try bucket.write(write.key, write.value, expectedRevision: write.expectedRevision))
                }
            } catch {
                guard case let .conflict(key) = error else {
                    throw .invalidArgument("the shared token snapshot (\(url)) could not be written: \(error)")
                }
                conflictCount.add(1, ordering: .relaxed)
                logger.warning("token snapshot write conflict; re-reading and retrying",
                               metadata: ["key": "\(key)", "attempt": "\(attempt)", "gateway": "\(gateway)"])
                refreshLocked(prepared.writes.map(\.key))
                continue
            }
            mirror.committed(prepared, revisions: revisions)
            adoptLocked()
            logger.info("token snapshot changed", metadata: ["keys": "\(prepared.writes.count)", "gateway": "\(gateway)"])
            return prepared.result
        }
        throw .conflict("the shared token snapshot kept changing under this edit (\(Self.maxAttempts) attempts); retry it")
    }

    public func reload() throws(TokenError) {
        lock.lock()
        defer { lock.unlock() }
        do throws(KeyValueError) {
            guard let bucket else { throw .failed(JetStreamError("not connected", NATS_NOT_YET_CONNECTED)) }
            let (fresh, watcher) = try Self.readAll(bucket, source: url.description, purger: &purger)
            watcher.stop()
            for refusal in fresh.refusals { store?.refuse(refusal) }
            guard fresh.mirror.isSeeded else { throw .failed(JetStreamError("bucket \(url.bucket) is empty", NATS_NOT_FOUND)) }
            // Keep the newest revisions seen: the running watcher skips what this read covered.
            mirror = fresh.mirror
            adoptLocked()
        } catch {
            let refusal = TokenError.invalidSnapshot(file: url.description, path: "$", reason: "not re-read: \(error)")
            store?.refuse(refusal)
            throw refusal
        }
    }

    // MARK: - Internals (with `lock` held)

    /// Serves the mirror's accepted snapshot: only what changed when every change since the last install was
    /// a delta the store can apply in place, else the whole set.
    private func adoptLocked() {
        guard let store else { return }
        if let delta = mirror.takeDelta(), let entries = mirror.entries(for: delta),
           store.adoptDelta(mirror.snapshot, delta, entries: entries) {
            cache.write(store: store)
            return
        }
        guard let index = mirror.index ?? (try? mirror.snapshot.validate(file: url.description)) else { return }
        store.adopt(mirror.snapshot, index: index)
        cache.write(store: store)
    }

    /// Writes every part of `snapshot` into the empty bucket, `meta` first: the gateway that creates `meta`
    /// seeds, any other finds it taken and takes the seeder's keys from its watcher. The other keys are
    /// created in a window of asynchronous publishes; their revisions reach the mirror through the watcher.
    private func seedLocked(_ snapshot: Snapshot) {
        guard let bucket, let index = try? snapshot.validate(file: url.description) else { return }
        let writes = SnapshotMirror.seedWrites(snapshot)
        do throws(KeyValueError) {
            let revision = try bucket.write(writes[0].key, writes[0].value, expectedRevision: 0)
            try bucket.createAll(writes.dropFirst().map { ($0.key, $0.value) })
            mirror.seeded(snapshot, index: index, writes: [writes[0]], revisions: [revision], echoed: writes.dropFirst())
            logger.info("shared token snapshot seeded from this gateway", metadata: ["source": "\(url)", "keys": "\(writes.count)"])
        } catch {
            if case .conflict = error {
                logger.info("shared token snapshot is being seeded by another gateway", metadata: ["source": "\(url)"])
            } else {
                logger.error("seeding the shared token snapshot", metadata: ["source": "\(url)", "error": "\(error)"])
            }
        }
    }

    /// After a conflict: the current values of `keys`, applied like any change.
    private func refreshLocked(_ keys: [String]) {
        guard let bucket else { return }
        for key in keys {
            let read: (value: [UInt8]?, revision: UInt64)?
            do throws(KeyValueError) { read = try bucket.get(key) } catch { continue }
            guard let current = read else {
                // Purged: a deletion (which this gateway may have missed), then the key is created anew.
                mirror.receive(key: key, revision: (mirror.revisions[key] ?? 0) + 1, value: nil, nowMillis: Self.nowMillis())
                mirror.forget(key: key)
                continue
            }
            mirror.receive(key: key, revision: current.revision, value: current.value, nowMillis: Self.nowMillis())
        }
        settleLocked()
    }

    private func settleLocked(initial: Bool = false) {
        let (changed, refusals) = mirror.settle(nowMillis: Self.nowMillis(), initial: initial)
        for refusal in refusals { store?.refuse(refusal) ?? logRefusal(refusal) }
        if changed { adoptLocked() }
    }

    /// Purges the deletions that are old enough, a bounded number twice a second (each is one request under
    /// the lock edits take); one that fails is left for the next start.
    private func purgeLocked() {
        let now = Self.nowMillis()
        guard let bucket, now >= nextPurgeMillis else { return }
        nextPurgeMillis = now + 500
        for deletion in purger.due(nowMillis: now, limit: 200) {
            do throws(KeyValueError) {
                try bucket.purge(deletion.key, upTo: deletion.revision)
                if mirror.revisions[deletion.key] == deletion.revision { mirror.forget(key: deletion.key) }
            } catch {
                logger.warning("deleted snapshot key not purged", metadata: ["key": "\(deletion.key)", "error": "\(error)"])
            }
        }
    }

    private func logRefusal(_ error: TokenError) {
        logger.error("token snapshot change refused; the previous set keeps serving", metadata: ["reason": "\(error)"])
    }

    // MARK: - Watcher thread

    private func watchLoop() {
        while true {
            lock.lock()
            let running = self.running
            let watcher = self.watcher
            lock.unlock()
            guard running else { return }
            guard let watcher else {
                reconnect()
                continue
            }
            let event = watcher.next(timeoutMillis: 250)
            lock.lock()
            switch event {
            case let .entry(key, revision, value, pending):
                mirror.receive(key: key, revision: revision, value: value, nowMillis: Self.nowMillis())
                purger.saw(key: key, revision: revision, value: value, nowMillis: Self.nowMillis())
                if pending == 0 { settleLocked() }
            case .caughtUp, .timeout:
                if mirror.hasUnsettled { settleLocked() }
            case .stopped:
                self.watcher = nil
            }
            purgeLocked()
            lock.unlock()
        }
    }

    /// Connects (retrying each second while running), then reads the bucket whole and serves it, or seeds it.
    private func reconnect() {
        lock.lock()
        defer { lock.unlock() }
        guard running else { return }
        do throws(KeyValueError) {
            if let bucket, bucket.isConnected {
                let (fresh, watcher) = try Self.readAll(bucket, source: url.description, purger: &purger)
                self.watcher = watcher
                mirror = fresh.mirror
                for refusal in fresh.refusals { store?.refuse(refusal) }
            } else {
                try connectLocked()
            }
            logger.info("shared token snapshot connected", metadata: ["source": "\(url)"])
            if mirror.isSeeded { adoptLocked() } else if let store { seedLocked(store.snapshot) }
        } catch {
            logger.warning("shared token snapshot unreachable; serving the cached set", metadata: ["source": "\(url)", "error": "\(error)"])
            lock.unlock()
            usleep(1_000_000)
            lock.lock()
        }
    }

    static func nowMillis() -> Int64 { WallClock.milliseconds() }

    static func batchID() -> String {
        String(UInt64.random(in: 0...UInt64.max), radix: 36)
    }
}

/// Writes the serving snapshot to `DATA/tokens.json` on a thread of its own, coalescing: the snapshot is
/// read from the store when the write starts, so a burst of changes costs one write and the watcher never
/// waits for the disk. A write starts no sooner than fifteen times the previous one took after it ended (and
/// at least a second after), so writing a large set that changes often takes at most a sixteenth of a core;
/// and the thread runs at nice 19, so on a busy machine that share goes to serving (and to the other
/// gateways' watchers) first. ``flush()`` writes at once, on the caller's thread.
final class CacheWriter: @unchecked Sendable {
    static let niceness: Int32 = 19
    private let logger: Logger
    /// Guards `pending`, `nextAllowedNanos`, `stopped` and `thread`; its condition wakes the thread.
    private let condition: ConditionMutex?
    private var pending: TokenStore?
    private var nextAllowedNanos: UInt64 = 0
    private var stopped = false
    private var thread: JoinableThread?
    /// Serialises the writes of the thread and of ``flush()``.
    private let writing = Mutex(())

    init(logger: Logger) {
        self.logger = logger
        do throws(SystemError) {
            condition = try ConditionMutex()
        } catch {
            logger.error("token snapshot cache writer not started; the cache is written at shutdown only", metadata: ["error": "\(error)"])
            condition = nil
        }
    }

    func write(store: TokenStore?) {
        guard let store, let condition else { return }
        condition.withLock {
            pending = store
            if thread == nil && !stopped {
                do throws(SystemError) {
                    thread = try JoinableThread(name: "sluice-cache") { [self] in run() }
                } catch {
                    logger.error("token snapshot cache writer not started; the cache is written at shutdown only", metadata: ["error": "\(error)"])
                }
            }
        }
        condition.signal()
    }

    private func run() {
        _ = sluice_set_thread_nice(Self.niceness)
        guard let condition else { return }
        while true {
            condition.lock()
            while !stopped && (pending == nil || MonotonicClock.nanoseconds() < nextAllowedNanos) {
                if pending == nil { condition.wait() } else { _ = condition.wait(untilMonotonicNanos: nextAllowedNanos) }
            }
            let store = pending
            pending = nil
            let stop = stopped
            condition.unlock()
            if stop { return }
            if let store { drain(store) }
        }
    }

    private func drain(_ store: TokenStore) {
        writing.withLock { _ in
            let started = MonotonicClock.nanoseconds()
            do throws(TokenError) {
                try store.writeCache()
            } catch {
                logger.error("token snapshot cache not written", metadata: ["error": "\(error)"])
            }
            let ended = MonotonicClock.nanoseconds()
            condition?.withLock { nextAllowedNanos = ended + max(1_000_000_000, 15 * (ended - started)) }
        }
    }

    /// Writes what is pending now (waiting for a write under way) and stops the thread.
    func flush() {
        guard let condition else { return }
        let (store, thread) = condition.withLock {
            stopped = true
            defer { pending = nil }
            return (pending, self.thread)
        }
        condition.broadcast()
        thread?.join()
        if let store { drain(store) }
    }
}
