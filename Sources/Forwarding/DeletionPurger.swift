import Tokens

/// Which deleted keys of a shared snapshot bucket are due for a purge (docs/fleet.md, "Deleted keys"): a
/// deletion is a compare-and-set write of an empty value, which the bucket would otherwise keep for ever, so
/// a fleet with heavy token churn would grow its bucket without bound. Every deletion this gateway sees
/// (at start or from its watcher) is purged once it is `ageMillis` old, by revision, so a value written
/// after it is never touched. Pure; the bucket's I/O is the caller's.
///
/// Guarantees: a key is listed at most once per deletion revision; a newer revision of the same key replaces
/// an older one; only deletions are listed.
public struct DeletionPurger: Sendable {
    public let ageMillis: Int64
    /// Deletions waiting, by key: the revision and when this gateway saw it.
    private var waiting: [String: (revision: UInt64, seenMillis: Int64)] = [:]

    public init(ageMillis: Int64) { self.ageMillis = ageMillis }

    public var count: Int { waiting.count }

    /// Takes one bucket entry: a deletion is noted; any other value of the key cancels a noted deletion.
    public mutating func saw(key: String, revision: UInt64, value: [UInt8]?, nowMillis: Int64) {
        if let known = waiting[key], known.revision >= revision { return }
        if SnapshotValue(parsing: value ?? []).isDeletion {
            waiting[key] = (revision, nowMillis)
        } else {
            waiting[key] = nil
        }
    }

    /// The deletions old enough to purge now (removed from the list), at most `limit` of them.
    public mutating func due(nowMillis: Int64, limit: Int = 1000) -> [(key: String, revision: UInt64)] {
        var due: [(key: String, revision: UInt64)] = []
        for (key, entry) in waiting where nowMillis - entry.seenMillis >= ageMillis {
            due.append((key, entry.revision))
            if due.count == limit { break }
        }
        for entry in due { waiting[entry.key] = nil }
        return due
    }
}
