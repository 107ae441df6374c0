#if canImport(Glibc)
import Glibc
#endif
import POSIX

/// The snapshot on disk (`DATA/tokens.json` by default).
///
/// Guarantees:
/// - The file is only ever replaced whole: write to a temporary file in the same folder (mode 0600),
///   fsync it, rename it over the snapshot, fsync the folder. A reader sees the old or the new file, and
///   after a crash the file is one of the two.
/// - Writers serialise through `flock` on `tokens.lock` beside the snapshot, and `edit` re-reads the file
///   under that lock, so two writers (CLI, admin API, another process) never lose each other's change.
/// - Nothing invalid is written: `edit` validates the edited snapshot before writing it.
public final class SnapshotFile: Sendable {
    public let path: String
    public let lockPath: String
    public let directory: String

    public init(path: String) {
        self.path = path
        let slash = path.lastIndex(of: "/")
        directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        lockPath = (directory == "/" ? "" : directory) + "/" + (base.hasSuffix(".json") ? String(base.dropLast(5)) : base) + ".lock"
    }

    /// The snapshot file of a data directory: `DATA/tokens.json`.
    public convenience init(dataDirectory: String) {
        self.init(path: dataDirectory + "/tokens.json")
    }

    public var exists: Bool { access(path, F_OK) == 0 }

    /// Reads, decodes and validates the snapshot.
    public func load() throws(TokenError) -> Snapshot {
        try loadIndexed().snapshot
    }

    /// Reads, decodes and validates the snapshot, returning what validation computed as well.
    public func loadIndexed() throws(TokenError) -> (snapshot: Snapshot, index: SnapshotIndex) {
        let bytes = try readAll()
        let snapshot = try decode(bytes)
        return (snapshot, try snapshot.validate(file: path))
    }

    /// Reads, decodes and validates the snapshot for serving: the snapshot without its ingest tokens, which
    /// are in `index` compactly (decoded straight into that form; the file's bytes are released before
    /// validation). What a store loads; the same refusals as ``loadIndexed()``.
    public func loadServing() throws(TokenError) -> (catalog: Snapshot, index: SnapshotIndex) {
        let (catalog, table) = try SnapshotCodec.decodeServing(try readAll(), file: path)
        return (catalog, try catalog.validate(file: path, ingestTokens: table))
    }

    /// Under the writers' lock: re-reads the snapshot, applies `body`, validates the result and writes it
    /// atomically. Nothing is written when `body` throws or the result is invalid.
    @discardableResult
    public func edit<T>(_ body: (inout Snapshot) throws(TokenError) -> T) throws(TokenError) -> T {
        try editIndexed(body).result
    }

    /// As `edit`, also returning the snapshot written and what validating it computed (so a store can
    /// serve it without reading the file back).
    public func editIndexed<T>(_ body: (inout Snapshot) throws(TokenError) -> T) throws(TokenError)
        -> (result: T, snapshot: Snapshot, index: SnapshotIndex) {
        try withWriterLock { () throws(TokenError) in
            // Decoded but not validated before the edit: the edited result is validated in full, and a
            // problem already in the file is reported with its path all the same.
            var snapshot = try decode(try readAll())
            let result = try body(&snapshot)
            let index = try snapshot.validate(file: path)
            try write(snapshot)
            return (result, snapshot, index)
        }
    }

    /// Under the writers' lock: writes `make()` when no snapshot exists yet. Returns false (and writes
    /// nothing) when one exists.
    public func createIfAbsent(_ make: () throws(TokenError) -> Snapshot) throws(TokenError) -> Bool {
        try withWriterLock { () throws(TokenError) -> Bool in
            if exists { return false }
            let snapshot = try make()
            _ = try snapshot.validate(file: path)
            try write(snapshot)
            return true
        }
    }

    /// Holds the exclusive `flock` on the lock file while `body` runs.
    public func withWriterLock<T>(_ body: () throws(TokenError) -> T) throws(TokenError) -> T {
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .system(file: lockPath, operation: "open", errno: errno) }
        defer { Syscall.close(fd) }
        do {
            try Syscall.checked("flock") { flock(fd, LOCK_EX) }
        } catch {
            throw .system(file: lockPath, operation: error.call, errno: error.errno)
        }
        return try body()
    }

    // MARK: - The codec

    func decode(_ bytes: [UInt8]) throws(TokenError) -> Snapshot {
        try SnapshotCodec.decode(bytes, file: path)
    }

    static func encode(_ snapshot: Snapshot) -> [UInt8] {
        SnapshotCodec.encode(snapshot)
    }
}
