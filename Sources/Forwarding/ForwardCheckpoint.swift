#if canImport(Glibc)
import Glibc
#endif
import Tokens
import WAL
import POSIX

/// Where a (repository, target) pair's delivery stands: `DATA/repos/<repository>/forward/<target>` holds the
/// sequence after the last event the target acknowledged, as decimal digits and a newline.
///
/// Guarantees: written atomically (temporary file, fsync, rename, fsync of the folder) and only with a
/// sequence the target acknowledged, so after a crash delivery resumes at or before what was delivered.
public struct ForwardCheckpoint: Sendable {
    public let path: String
    public let directory: String

    public init?(dataDirectory: String, repository: String, target: String) {
        guard let folder = RepositoryName.escape(repository) else { return nil }
        let base = dataDirectory.hasSuffix("/") ? String(dataDirectory.dropLast()) : dataDirectory
        directory = base + "/repos/" + folder + "/forward"
        path = directory + "/" + target
    }

    /// The sequence in `bytes`; nil when they do not hold one.
    public static func parse(_ bytes: [UInt8]) -> UInt64? {
        var digits = bytes[...]
        if digits.last == 10 { digits = digits.dropLast() }
        guard !digits.isEmpty, digits.count <= 20, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return UInt64(String(decoding: digits, as: UTF8.self))
    }

    /// The stored sequence; 0 when there is no checkpoint yet, nil when the file is unreadable or damaged.
    public func read() -> UInt64? {
        guard let bytes = readSmallFile(path) else { return 0 }
        return Self.parse(bytes)
    }

    public func write(_ sequence: UInt64) throws(TokenError) {
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw .system(file: directory, operation: "mkdir", errno: errno)
        }
        try writeFileAtomically(path: path, directory: directory, bytes: Array("\(sequence)\n".utf8))
    }
}

/// A running forwarder's progress: the sequence the destination acknowledged, and the checkpoint that
/// records it, written at most every ``intervalNanos`` unless forced (when a session ends or waits), so a
/// crash replays little and a busy forwarder does not write a file per acknowledgement.
struct CheckpointPacer {
    static let intervalNanos: UInt64 = 200_000_000
    private let checkpoint: ForwardCheckpoint
    /// The sequence after the last record the destination acknowledged.
    var acknowledged: UInt64
    private var written: UInt64
    private var lastWriteNanos: UInt64?

    init(_ checkpoint: ForwardCheckpoint, from sequence: UInt64) {
        self.checkpoint = checkpoint
        acknowledged = sequence
        written = sequence
    }

    /// Writes ``acknowledged`` when it moved and the interval passed (or `force`); a failed write is the
    /// session's reason to back off.
    mutating func write(force: Bool) -> ForwardOutcome? {
        guard acknowledged > written else { return nil }
        if !force, let last = lastWriteNanos, MonotonicClock.nanoseconds() &- last < Self.intervalNanos { return nil }
        do throws(TokenError) {
            try checkpoint.write(acknowledged)
        } catch {
            return .retry(.backingOff, "writing the checkpoint: \(error)", reason: "checkpoint")
        }
        written = acknowledged
        lastWriteNanos = MonotonicClock.nanoseconds()
        return nil
    }
}

/// A small file's bytes; nil when it does not exist, cannot be read or is larger than 1 MiB.
func readSmallFile(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { Syscall.close(fd) }
    return try? Syscall.readToEnd(fd, limit: 1 << 20)
}
