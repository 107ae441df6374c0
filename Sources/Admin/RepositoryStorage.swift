import POSIX
import Foundation
import Tokens
import WAL

/// What the admin API tells and does about where repositories' events are kept: the WAL's data folder
/// (a repository's bytes on disk), the server-wide retention a repository's log has unless it sets its
/// own, and what happens to a deleted repository's log.
public struct RepositoryStorage: Sendable {
    /// `DATA`; nil when the API runs without a WAL (then every repository shows 0 bytes).
    public var dataDirectory: String?
    public var retentionHours: Double?
    public var retentionBytes: Int?
    /// The open logs, closed when their repository is deleted.
    public var wal: WALStore?
    /// How long a deleted repository's log is kept under `DATA/deleted` before it is removed.
    public var deletedRepositoryHours: Double

    public init(dataDirectory: String? = nil, retentionHours: Double? = nil, retentionBytes: Int? = nil,
                wal: WALStore? = nil, deletedRepositoryHours: Double = 24) {
        self.dataDirectory = dataDirectory
        self.retentionHours = retentionHours
        self.retentionBytes = retentionBytes
        self.wal = wal
        self.deletedRepositoryHours = deletedRepositoryHours
    }

    public init(wal: WALStore, deletedRepositoryHours: Double = 24) {
        self.init(dataDirectory: wal.options.dataDirectory, retentionHours: wal.options.retentionHours,
                  retentionBytes: wal.options.retentionBytes, wal: wal, deletedRepositoryHours: deletedRepositoryHours)
    }

    /// The bytes `repository`'s WAL segments take on disk.
    func bytesOnDisk(_ repository: String) -> Int {
        dataDirectory.map { WALStats.bytesOnDisk(dataDirectory: $0, repository: repository) } ?? 0
    }

    /// LogScale's `timeBasedRetention`: the days `repository`'s log keeps events, its own setting or else
    /// the server's `--retention-hours`; nil when events are kept for any time.
    func timeBasedRetention(_ repository: Repository) -> Double? {
        repository.timeBasedRetention ?? retentionHours.map { $0 / 24 }
    }

    /// LogScale's `storageSizeBasedRetention`: gigabytes (10^9 bytes) on disk, the repository's own or else
    /// the server's `--retention-bytes`; nil when unlimited.
    func storageSizeBasedRetention(_ repository: Repository) -> Double? {
        repository.storageSizeBasedRetention ?? retentionBytes.map { Double($0) / 1e9 }
    }

    /// LogScale's `ingestSizeBasedRetention`: gigabytes of uncompressed events; the server has no default.
    func ingestSizeBasedRetention(_ repository: Repository) -> Double? {
        repository.ingestSizeBasedRetention
    }

    /// Closes a deleted repository's log and moves its folder to `DATA/deleted/<escaped name>~<epoch
    /// seconds>`, where an operator can still take it back until ``sweepDeleted(nowSeconds:)`` removes it.
    /// Returns the new path (nil when the repository had no log); throws when the folder cannot be moved.
    func retire(_ repository: String, nowSeconds: Int = Int(WallClock.milliseconds() / 1000)) throws -> String? {
        guard let dataDirectory, let folder = RepositoryName.escape(repository) else { return nil }
        wal?.close(repository: repository)
        let source = dataDirectory + "/repos/" + folder
        guard FileManager.default.fileExists(atPath: source) else { return nil }
        let deleted = WALStore.deletedPath(dataDirectory)
        try FileManager.default.createDirectory(atPath: deleted, withIntermediateDirectories: true)
        let target = deleted + "/" + folder + "~" + String(nowSeconds)
        try FileManager.default.moveItem(atPath: source, toPath: target)
        return target
    }

    /// Removes the logs under `DATA/deleted` moved there more than ``deletedRepositoryHours`` ago (by the
    /// time in their name); returns the paths removed. Run at start and after every delete.
    @discardableResult
    public func sweepDeleted(nowSeconds: Int = Int(WallClock.milliseconds() / 1000)) -> [String] {
        guard let dataDirectory else { return [] }
        let deleted = WALStore.deletedPath(dataDirectory)
        let cutoff = Double(nowSeconds) - deletedRepositoryHours * 3600
        var removed: [String] = []
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: deleted)) ?? [] {
            guard let mark = entry.lastIndex(of: "~"), let seconds = Int(entry[entry.index(after: mark)...]),
                  Double(seconds) <= cutoff else { continue }
            let path = deleted + "/" + entry
            if (try? FileManager.default.removeItem(atPath: path)) != nil { removed.append(path) }
        }
        return removed
    }
}
