#if canImport(Glibc)
import Glibc
#endif
import POSIX

extension SnapshotFile {
    /// Writes `snapshot` atomically: temporary file (0600) → fsync → rename → fsync of the folder.
    /// Call with the writer lock held.
    func write(_ snapshot: Snapshot) throws(TokenError) {
        try writeFileAtomically(path: path, directory: directory, bytes: Self.encode(snapshot))
    }

    /// Writes `serving` as ``write(_:)`` writes the same snapshot (the same bytes).
    func write(_ serving: ServingSnapshot) throws(TokenError) {
        try writeFileAtomically(path: path, directory: directory, bytes: SnapshotCodec.encode(serving))
    }

    /// The whole snapshot file's bytes.
    func readAll() throws(TokenError) -> [UInt8] {
        try readFile(path)
    }
}

/// The whole file's bytes.
func readFile(_ path: String) throws(TokenError) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw .system(file: path, operation: "open", errno: errno) }
    defer { Syscall.close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw .system(file: path, operation: "fstat", errno: errno) }
    // Read straight into a buffer of the file's size; on in chunks should the file be longer than it said.
    do {
        return try Syscall.readToEnd(fd, expected: Int(info.st_size))
    } catch {
        throw .system(file: path, operation: error.call, errno: error.errno)
    }
}

/// Creates `path` and its missing parents with mode 0700.
func makeDirectories(_ path: String) throws(TokenError) {
    var prefix = path.hasPrefix("/") ? "/" : ""
    for component in path.split(separator: "/") {
        prefix += component + "/"
        if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
            throw .system(file: prefix, operation: "mkdir", errno: errno)
        }
    }
}

/// Writes `bytes` to `path` atomically: temporary file (0600) → fsync → rename → fsync of `directory` (the
/// folder holding `path`). Two writers of the same path must hold a lock of their own.
public func writeFileAtomically(path: String, directory: String, bytes: [UInt8]) throws(TokenError) {
    let temporary = path + ".tmp-\(getpid())"
    var fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    if fd < 0 && errno == EEXIST {
        unlink(temporary)  // left by a writer of this pid that crashed; the caller holds the lock now
        fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    }
    guard fd >= 0 else { throw .system(file: temporary, operation: "open", errno: errno) }
    var written = false
    defer { if !written { unlink(temporary) } }
    // Array's closure methods rethrow untyped, so the typed error travels as a Result.
    let outcome = bytes.withUnsafeBytes { raw in Result { () throws(SystemError) in try Syscall.writeAll(fd, raw) } }
    if case .failure(let failure) = outcome {
        close(fd)
        throw .system(file: temporary, operation: failure.call, errno: failure.errno)
    }
    guard fsync(fd) == 0 else {
        let code = errno
        close(fd)
        throw .system(file: temporary, operation: "fsync", errno: code)
    }
    close(fd)
    guard rename(temporary, path) == 0 else { throw .system(file: path, operation: "rename", errno: errno) }
    written = true
    let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard directoryFD >= 0 else { throw .system(file: directory, operation: "open", errno: errno) }
    defer { close(directoryFD) }
    guard fsync(directoryFD) == 0 else { throw .system(file: directory, operation: "fsync", errno: errno) }
}
