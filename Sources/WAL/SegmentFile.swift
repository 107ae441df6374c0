#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed file-system call: which call, on what path, and errno.
struct SegmentIOError: Error, Sendable, CustomStringConvertible {
    var call: String
    var path: String
    var code: Int32

    var description: String { "\(call) \(path): \(String(cString: strerror(code))) (errno \(code))" }

    /// What happened in a client's terms: never a path or an errno (those go to the log).
    var unavailability: WALUnavailable {
        switch code {
        case ENOSPC, EDQUOT, EFBIG: .diskFull
        case EROFS: .readOnly
        default: .storageError
        }
    }
}

/// The operations the WAL performs on one open segment file; tests substitute a fault-injecting one.
///
/// Guarantees expected of implementations: `write` writes at most `bytes.count` bytes at `offset` and
/// reports how many (a short count is not an error); `sync` is `fdatasync`; a file is used by one thread
/// at a time.
protocol SegmentFile: AnyObject {
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(SegmentIOError) -> Int
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(SegmentIOError) -> Int
    func sync() throws(SegmentIOError)
    func truncate(to length: Int) throws(SegmentIOError)
    func size() throws(SegmentIOError) -> Int
    func close()
    /// Asks the kernel to start writing `count` bytes from `offset` to disk, without waiting: a hint that
    /// keeps dirty pages from piling up (see ``WritebackPacer``); it promises no durability and reports no error.
    func startWriteback(from offset: Int, count: Int)
}

extension SegmentFile {
    /// Files that are not on a kernel's page cache have nothing to write back.
    func startWriteback(from offset: Int, count: Int) {}
}

/// Size and last modification time of a file.
struct SegmentFileInfo: Sendable {
    var size: Int
    var modifiedSeconds: Double
}

/// The directory-level operations of the WAL; tests substitute a fault-injecting one.
protocol SegmentFileSystem: Sendable {
    /// Opens a segment for reading and writing; `create` creates it empty (truncating what is there).
    func open(_ path: String, create: Bool) throws(SegmentIOError) -> any SegmentFile
    func openForReading(_ path: String) throws(SegmentIOError) -> any SegmentFile
    func createDirectories(_ path: String) throws(SegmentIOError)
    /// Names in a directory (without `.` and `..`); empty when it does not exist.
    func list(_ path: String) throws(SegmentIOError) -> [String]
    func remove(_ path: String) throws(SegmentIOError)
    func syncDirectory(_ path: String) throws(SegmentIOError)
    func info(_ path: String) -> SegmentFileInfo?
    /// The identity of the file system holding `path` (its `st_dev`); nil when it cannot be read.
    func fileSystemID(_ path: String) -> UInt64?
    /// A handle on the file system holding the directory `path` that makes everything written to it
    /// durable at once (``FileSystemSync``); nil where that cannot be trusted to report a failed
    /// writeback (see `docs/wal.md`), so that the caller syncs file by file.
    func openFileSystemSync(_ path: String) throws(SegmentIOError) -> (any FileSystemSync)?
}

/// `syncfs(2)` through a descriptor of its own: writes back and flushes every file of one file system,
/// and reports a writeback error of any of them that happened since the handle was opened or last synced.
///
/// Guarantees expected of implementations: a `sync` that returns covers every write to that file system
/// completed before it started; one that throws says nothing about which file failed (each file's own
/// `fdatasync` then reports its own error); used by one thread at a time.
protocol FileSystemSync: AnyObject {
    func sync() throws(SegmentIOError)
    func close()
}

extension SegmentFile {
    /// Writes all of `bytes` at `offset`, looping over short writes; throws on an error or a zero-byte write.
    func writeAll(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(SegmentIOError) {
        var done = 0
        while done < bytes.count {
            let written = try write(UnsafeRawBufferPointer(rebasing: bytes[done...]), at: offset + done)
            if written <= 0 { throw SegmentIOError(call: "pwrite (wrote nothing)", path: "", code: ENOSPC) }
            done += written
        }
    }

    /// Writes the first `count` (default: all) of `bytes` at `offset`.
    func writeAll(_ bytes: [UInt8], count: Int? = nil, at offset: Int) throws(SegmentIOError) {
        let result: Result<Void, SegmentIOError> = bytes.withUnsafeBytes { raw in
            do throws(SegmentIOError) {
                try writeAll(UnsafeRawBufferPointer(rebasing: raw[0..<(count ?? raw.count)]), at: offset)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    /// Reads up to `buffer.count` bytes at `offset`, looping until full or end of file; returns bytes read.
    func readFully(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(SegmentIOError) -> Int {
        var done = 0
        while done < buffer.count {
            let got = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...]), at: offset + done)
            if got == 0 { break }
            done += got
        }
        return done
    }
}
