import CSystemShims
import Glibc

/// SIGINT and SIGTERM delivered through a signalfd while a run is in progress, so Ctrl-C ends the run with a
/// summary instead of killing it. Blocks the two signals in the creating thread (worker threads started after
/// inherit the mask) and unblocks them in ``release()``.
final class SignalStop {
    private let fd: Int32
    private var mask = sigset_t()

    init?() {
        var signals: [Int32] = [SIGINT, SIGTERM]
        fd = sluice_signalfd_for(&signals, Int32(signals.count))
        guard fd >= 0 else { return nil }
        sigemptyset(&mask)
        for signal in signals { sigaddset(&mask, signal) }
    }

    /// Waits up to `milliseconds`; true when a stop signal arrived.
    func wait(milliseconds: Int32) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, milliseconds) > 0 else { return false }
        return sluice_signalfd_read(fd) > 0
    }

    func release() {
        close(fd)
        pthread_sigmask(SIG_UNBLOCK, &mask, nil)
    }
}
