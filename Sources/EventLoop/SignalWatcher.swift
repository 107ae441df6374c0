#if canImport(Glibc)
import Glibc
#endif
import CSystemShims
import POSIX

/// Delivers process signals as plain reads from a `signalfd`. Create it on the main thread before any
/// other thread starts, so that every thread inherits the blocked mask and only this descriptor sees them.
public final class SignalWatcher: @unchecked Sendable {
    private let fd: Int32

    public init(signals: [Int32]) throws(SystemError) {
        _ = sluice_ignore_sigpipe()
        let descriptor = signals.withUnsafeBufferPointer { sluice_signalfd_for($0.baseAddress, Int32($0.count)) }
        guard descriptor >= 0 else { throw SystemError("signalfd", errno: errno) }
        fd = descriptor
    }

    deinit { Syscall.close(fd) }

    /// Blocks until one of the signals arrives and returns its number.
    public func next() -> Int32 {
        sluice_signalfd_read(fd)
    }
}
