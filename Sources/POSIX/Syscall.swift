#if canImport(Glibc)
import Glibc
#endif
import CSystemShims

/// Every system call that can be interrupted or would block goes through here: EINTR is retried, EAGAIN
/// becomes `.wouldBlock`, anything else is thrown as a ``SystemError`` naming the call.
///
/// The wrappers are `@inlinable` and always inlined: they sit on the event loops' read, write and
/// `epoll_wait` path, and inlined they compile to the bare call and a sign test (`perf/cpu-per-request.sh`).
public enum Syscall {
    @inlinable @inline(__always)
    public static func retrying(_ call: StaticString, _ body: () -> Int) throws(SystemError) -> IOResult<Int> {
        while true {
            let result = body()
            if result >= 0 { return .done(result) }
            let code = Glibc.errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return .wouldBlock }
            throw SystemError("\(call)", errno: code)
        }
    }

    @inlinable @inline(__always)
    public static func read(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> IOResult<Int> {
        try retrying("read") { Glibc.read(fd, buffer.baseAddress, buffer.count) }
    }

    @inlinable @inline(__always)
    public static func write(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws(SystemError) -> IOResult<Int> {
        try retrying("write") { Glibc.write(fd, buffer.baseAddress, buffer.count) }
    }

    /// A call on a blocking descriptor (a file, a pipe, a blocking socket) that returns a count or -1: EINTR is
    /// retried, any other failure (EAGAIN included: a blocking descriptor does not report it) is thrown.
    @inlinable @inline(__always)
    public static func blocking(_ call: StaticString, _ body: () -> Int) throws(SystemError) -> Int {
        while true {
            let result = body()
            if result >= 0 { return result }
            let code = Glibc.errno
            if code == EINTR { continue }
            throw SystemError("\(call)", errno: code)
        }
    }

    /// A call that returns 0 or -1 (`fdatasync`, `ftruncate`, `flock`, …): EINTR is retried, any other failure thrown.
    @inlinable
    public static func checked(_ call: StaticString, _ body: () -> Int32) throws(SystemError) {
        _ = try blocking(call) { Int(body()) }
    }

    /// Writes all of `bytes` to a blocking descriptor, however many calls it takes.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            offset += try blocking("write") { Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset) }
        }
    }

    /// Reads a blocking descriptor to its end. `limit`: more bytes than this is refused as `EFBIG`.
    /// `expected`: the size to read into first (a file's size), so one read usually suffices.
    public static func readToEnd(_ fd: Int32, expected: Int = 0, limit: Int = .max) throws(SystemError) -> [UInt8] {
        // The expected size plus one byte (to notice growth) is read into an uninitialised buffer, so a
        // large file is written once, by `read`, not zeroed first; then on in chunks.
        var failure: SystemError?
        let first = max(expected + 1, 4096)
        var bytes = [UInt8](unsafeUninitializedCapacity: first) { buffer, initialized in
            while initialized < buffer.count {
                let n: Int
                do throws(SystemError) {
                    n = try blocking("read") { Glibc.read(fd, buffer.baseAddress! + initialized, buffer.count - initialized) }
                } catch {
                    failure = error
                    return
                }
                if n == 0 { return }
                initialized += n
            }
        }
        if let failure { throw failure }
        if bytes.count > limit { throw SystemError("read", errno: EFBIG) }
        if bytes.count < first { return bytes }
        var count = bytes.count
        while true {
            if count == bytes.count { bytes.append(contentsOf: repeatElement(0, count: max(bytes.count, 1 << 16))) }
            // Array's closure methods rethrow untyped, so the typed error travels as a Result.
            let n = try bytes.withUnsafeMutableBytes { buffer in
                Result { () throws(SystemError) in
                    try blocking("read") { Glibc.read(fd, buffer.baseAddress! + count, buffer.count - count) }
                }
            }.get()
            if n == 0 { break }
            count += n
            if count > limit { throw SystemError("read", errno: EFBIG) }
        }
        bytes.removeLast(bytes.count - count)
        return bytes
    }

    /// Waits up to `timeoutMillis` (negative: forever) for ready descriptors; returns how many `events` holds.
    /// An interrupted wait returns 0 (the caller's loop looks at its clock and waits again) rather than
    /// restarting with the full timeout.
    @inlinable @inline(__always)
    public static func epollWait(_ epollFD: Int32, _ events: UnsafeMutablePointer<epoll_event>, capacity: Int32,
                                 timeoutMillis: Int32) throws(SystemError) -> Int {
        try readyCount(sluice_epoll_wait(epollFD, events, capacity, timeoutMillis))
    }

    /// ``epollWait(_:_:capacity:timeoutMillis:)`` with a nanosecond timeout (`epoll_pwait2`; negative: forever).
    @inlinable @inline(__always)
    public static func epollWait(_ epollFD: Int32, _ events: UnsafeMutablePointer<epoll_event>, capacity: Int32,
                                 timeoutNanos: Int64) throws(SystemError) -> Int {
        try readyCount(sluice_epoll_wait_nanos(epollFD, events, capacity, timeoutNanos))
    }

    /// What an `epoll_wait` returned: the ready count, 0 when interrupted, else the failure thrown.
    @inlinable @inline(__always)
    static func readyCount(_ ready: Int32) throws(SystemError) -> Int {
        if ready >= 0 { return Int(ready) }
        let code = Glibc.errno
        if code == EINTR { return 0 }
        throw SystemError("epoll_wait", errno: code)
    }

    /// Changes (or with `SLUICE_EPOLL_CTL_DEL` removes) a descriptor's registration in an epoll set.
    public static func epollControl(_ epollFD: Int32, _ operation: Int32, _ fd: Int32, events: UInt32,
                                    data: UInt64) throws(SystemError) {
        guard sluice_epoll_ctl(epollFD, operation, fd, events, data) == 0 else {
            let name: String
            switch operation {
            case SLUICE_EPOLL_CTL_ADD: name = "epoll_ctl(add)"
            case SLUICE_EPOLL_CTL_MOD: name = "epoll_ctl(mod)"
            case SLUICE_EPOLL_CTL_DEL: name = "epoll_ctl(del)"
            default: name = "epoll_ctl"
            }
            throw SystemError(name, errno: Glibc.errno)
        }
    }

    /// Closes a descriptor, never retried and nothing reported: Linux releases the descriptor even when
    /// close reports EINTR (a retry could close a descriptor another thread has just been given).
    @inlinable
    public static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }
}
