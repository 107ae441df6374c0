#if canImport(Glibc)
import Glibc
#endif

extension SnapshotFile {
    /// Writes `snapshot` atomically: temporary file (0600) → fsync → rename → fsync of the folder.
    /// Call with the writer lock held.
    func write(_ snapshot: Snapshot) throws(TokenError) {
        try writeFileAtomically(path: path, directory: directory, bytes: Self.encode(snapshot))
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
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw .system(file: path, operation: "fstat", errno: errno) }
    // Read straight into an uninitialised buffer of the file's size (plus one byte to notice growth): a
    // 100 MB snapshot is written once, by `read`, not zeroed first. Then on in chunks should the file be
    // longer than it said.
    var failure: Int32 = 0
    var bytes = [UInt8](unsafeUninitializedCapacity: Int(info.st_size) + 1) { buffer, initialized in
        while initialized < buffer.count {
            let n = read(fd, buffer.baseAddress! + initialized, buffer.count - initialized)
            if n < 0 {
                if errno == EINTR { continue }
                failure = errno
                return
            }
            if n == 0 { return }
            initialized += n
        }
    }
    if failure != 0 { throw .system(file: path, operation: "read", errno: failure) }
    guard bytes.count > Int(info.st_size) else { return bytes }
    var count = bytes.count
    while true {
        if count == bytes.count { bytes.append(contentsOf: repeatElement(0, count: 1 << 16)) }
        let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + count, $0.count - count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw .system(file: path, operation: "read", errno: errno)
        }
        if n == 0 { break }
        count += n
    }
    bytes.removeLast(bytes.count - count)
    return bytes
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
    let failure: Int32 = bytes.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count {
            let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += n
        }
        return 0
    }
    guard failure == 0 else {
        close(fd)
        throw .system(file: temporary, operation: "write", errno: failure)
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
