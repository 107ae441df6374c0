import Logging

/// A snapshot kept elsewhere than the data folder's file (a key-value bucket a fleet of gateways shares,
/// docs/fleet.md): edits and SIGHUP reloads go to it, and it hands the store each new validated snapshot
/// through ``TokenStore/adopt(_:index:)``.
public protocol SnapshotSource: Sendable {
    /// Applies `body` to the newest snapshot and stores the change; returns once it serves on this gateway.
    func edit<T>(_ body: (inout Snapshot) throws(TokenError) -> T) throws(TokenError) -> T
    /// As ``edit(_:)`` for an edit that changes at most the ingest token `key`, which a source may apply
    /// without going over the whole set.
    func edit<T>(ingestToken key: TokenKey, _ body: (inout Snapshot) throws(TokenError) -> T) throws(TokenError) -> T
    /// Re-reads the whole source (SIGHUP).
    func reload() throws(TokenError)
}

extension SnapshotSource {
    public func edit<T>(ingestToken key: TokenKey, _ body: (inout Snapshot) throws(TokenError) -> T) throws(TokenError) -> T {
        try edit(body)
    }
}

extension TokenStore {
    /// From now on, edits and reloads go to `source` (nil: back to the file).
    public func use(source: (any SnapshotSource)?) {
        self.source.withLock { $0 = source }
    }

    /// Serves `snapshot` (validated into `index`): the same swap as a reload of the file.
    public func adopt(_ snapshot: Snapshot, index: SnapshotIndex) {
        reloading.withLock { _ in install(snapshot, index) }
    }

    /// Counts and logs (one line: source, key, reason) a change the source refused; the set keeps serving.
    public func refuse(_ error: TokenError) {
        failureCount.add(1, ordering: .relaxed)
        logRefusal(error)
    }

    /// Writes `snapshot` to the data folder's file (atomically, 0600) as the cache a gateway starts from
    /// when its source cannot be reached.
    public func writeCache(_ snapshot: Snapshot) throws(TokenError) {
        try file.withWriterLock { () throws(TokenError) in try file.write(snapshot) }
    }

    /// Writes `snapshot` as `dataDirectory`'s `tokens.json` before any store reads it.
    /// Writes the serving snapshot as ``writeCache(_:)`` does, encoding the ingest tokens from the listing
    /// table one by one (no list of a million `IngestToken` values is made).
    public func writeCache() throws(TokenError) {
        let serving = serving
        try file.withWriterLock { () throws(TokenError) in try file.write(serving) }
    }

    public static func writeCache(_ snapshot: Snapshot, dataDirectory: String) throws(TokenError) {
        try makeDirectories(dataDirectory)
        let file = SnapshotFile(dataDirectory: dataDirectory)
        try file.withWriterLock { () throws(TokenError) in try file.write(snapshot) }
    }
}
