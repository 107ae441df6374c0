#if canImport(Glibc)
import Glibc
#endif

/// A failed system call: which call and the errno it set.
public struct SystemError: Error, Sendable, CustomStringConvertible {
    public let call: String
    public let errno: Int32

    public init(_ call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    public var description: String {
        "\(call): \(String(cString: strerror(errno))) (errno \(errno))"
    }
}

/// The outcome of a non-blocking call: done with a value, or it would block.
public enum IOResult<Value> {
    case done(Value)
    case wouldBlock
}

/// Every syscall the loop makes goes through here: EINTR is retried, EAGAIN becomes `.wouldBlock`,
/// anything else is thrown as a ``SystemError`` naming the call.
enum Syscall {
    @inline(__always)
    static func retrying(_ call: StaticString, _ body: () -> Int) throws(SystemError) -> IOResult<Int> {
        while true {
            let result = body()
            if result >= 0 { return .done(result) }
            let code = Glibc.errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return .wouldBlock }
            throw SystemError("\(call)", errno: code)
        }
    }

    static func read(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> IOResult<Int> {
        try retrying("read") { Glibc.read(fd, buffer.baseAddress, buffer.count) }
    }

    static func write(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws(SystemError) -> IOResult<Int> {
        try retrying("write") { Glibc.write(fd, buffer.baseAddress, buffer.count) }
    }

    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)  // Linux releases the descriptor even when close reports EINTR.
    }
}
