#if canImport(Glibc)
import WALFormat
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSystemShims
import POSIX

/// A segment file on disk: `pwrite`, `pread`, `fdatasync`, `ftruncate` on one descriptor, through POSIX's
/// ``Syscall`` (EINTR retried); a failure is thrown with the segment's path.
final class PosixSegmentFile: SegmentFile {
    private let fd: Int32
    private let path: String

    init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit { close() }

    private var closed = false

    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(SegmentIOError) -> Int {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return 0 }
        return try onPath { () throws(SystemError) in try Syscall.blocking("pwrite") { pwrite(fd, base, bytes.count, off_t(offset)) } }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(SegmentIOError) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        return try onPath { () throws(SystemError) in try Syscall.blocking("pread") { pread(fd, base, buffer.count, off_t(offset)) } }
    }

    func sync() throws(SegmentIOError) {
        try onPath { () throws(SystemError) in try Syscall.checked("fdatasync") { fdatasync(fd) } }
    }

    /// Runs a system call, naming this segment's path in its failure.
    private func onPath<T>(_ call: () throws(SystemError) -> T) throws(SegmentIOError) -> T {
        do { return try call() } catch { throw SegmentIOError(call: error.call, path: path, code: error.errno) }
    }

    func startWriteback(from offset: Int, count: Int) {
        guard count > 0 else { return }
        _ = sluice_start_writeback(fd, Int64(offset), Int64(count))
    }

    func truncate(to length: Int) throws(SegmentIOError) {
        try onPath { () throws(SystemError) in try Syscall.checked("ftruncate") { ftruncate(fd, off_t(length)) } }
    }

    func size() throws(SegmentIOError) -> Int {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw SegmentIOError(call: "fstat", path: path, code: errno) }
        return Int(st.st_size)
    }

    func close() {
        guard !closed else { return }
        closed = true
        Syscall.close(fd)
    }
}

/// `syncfs(2)` of the file system holding one directory, through that directory's descriptor.
final class PosixFileSystemSync: FileSystemSync {
    private let fd: Int32
    private let path: String
    private var closed = false

    init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit { close() }

    func sync() throws(SegmentIOError) {
        if sluice_syncfs(fd) != 0 { throw SegmentIOError(call: "syncfs", path: path, code: errno) }
    }

    func close() {
        guard !closed else { return }
        closed = true
        Syscall.close(fd)
    }
}

/// The real file system.
struct PosixFileSystem: SegmentFileSystem {
    func open(_ path: String, create: Bool) throws(SegmentIOError) -> any SegmentFile {
        let flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT | O_TRUNC : 0)
        let fd = Glibc.open(path, flags, 0o600)
        guard fd >= 0 else { throw SegmentIOError(call: "open", path: path, code: errno) }
        return PosixSegmentFile(fd: fd, path: path)
    }

    func openForReading(_ path: String) throws(SegmentIOError) -> any SegmentFile {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SegmentIOError(call: "open", path: path, code: errno) }
        return PosixSegmentFile(fd: fd, path: path)
    }

    func createDirectories(_ path: String) throws(SegmentIOError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
                throw SegmentIOError(call: "mkdir", path: prefix, code: errno)
            }
            prefix += "/"
        }
    }

    func list(_ path: String) throws(SegmentIOError) -> [String] {
        guard let dir = opendir(path) else {
            if errno == ENOENT { return [] }
            throw SegmentIOError(call: "opendir", path: path, code: errno)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    func remove(_ path: String) throws(SegmentIOError) {
        if unlink(path) != 0 && errno != ENOENT { throw SegmentIOError(call: "unlink", path: path, code: errno) }
    }

    func syncDirectory(_ path: String) throws(SegmentIOError) {
        let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SegmentIOError(call: "open", path: path, code: errno) }
        defer { _ = Glibc.close(fd) }
        if fsync(fd) != 0 { throw SegmentIOError(call: "fsync", path: path, code: errno) }
    }

    func fileSystemID(_ path: String) -> UInt64? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return UInt64(st.st_dev)
    }

    /// Local journaling or copy-on-write file systems whose `syncfs` commits and flushes what it wrote
    /// back (ext2/3/4, XFS, btrfs), on a kernel whose `syncfs` reports writeback errors (Linux 5.8+).
    /// The descriptor is opened before any record it will cover is written, so every writeback error
    /// of those records happens after it sampled the file system's error sequence.
    func openFileSystemSync(_ path: String) throws(SegmentIOError) -> (any FileSystemSync)? {
        let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SegmentIOError(call: "open", path: path, code: errno) }
        guard sluice_syncfs_trusted(fd) == 1 else {
            Syscall.close(fd)
            return nil
        }
        return PosixFileSystemSync(fd: fd, path: path)
    }

    func info(_ path: String) -> SegmentFileInfo? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return SegmentFileInfo(size: Int(st.st_size),
                               modifiedSeconds: Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9)
    }
}
