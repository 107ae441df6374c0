import Synchronization

/// Counters one worker publishes while it runs, read by the progress line from another thread (relaxed
/// atomics: each is written by its worker only, so updates are uncontended).
final class WorkerProgress: Sendable {
    let requests = Atomic<Int>(0)
    let bodyBytes = Atomic<Int>(0)
    let errors = Atomic<Int>(0)
    let finished = Atomic<Bool>(false)
    /// Set by the runner on SIGINT/SIGTERM: stop issuing, drain what is in flight, report.
    let stopRequested = Atomic<Bool>(false)
}
