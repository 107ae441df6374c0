import Foundation
import Logging
import Synchronization
import Tokens
import WAL

/// How one forwarding session (a connection's worth of delivery) ended.
enum ForwardOutcome {
    case stopped
    /// Back off and start a new session; `after` (a `Retry-After`) is the least wait.
    case retry(ForwarderState, String, reason: String, after: Double? = nil)
}

/// What every forwarder kind shares: the thread, stopping, the state (one log line per change, also in the
/// `.state` file), the checkpoint and the retry loop with exponential backoff and jitter. A kind supplies
/// ``session()``: connect, replay from the checkpoint and follow the WAL until stopped or something fails.
class WALForwarder: @unchecked Sendable {
    let repository: String
    let target: Forwarder
    let metrics = ForwarderMetrics()
    let log: RepositoryLog
    let dataDirectory: String
    let checkpoint: ForwardCheckpoint
    let logger: Logger
    private let stopped = Atomic<Bool>(false)
    private let done = DispatchSemaphore(value: 0)
    /// Set by a session that delivered something: the next failure backs off from the shortest wait again.
    var madeProgress = false

    static let minBackoff = 0.1
    static let maxBackoff = 5.0

    init(repository: String, target: Forwarder, log: RepositoryLog, dataDirectory: String, logger: Logger) {
        self.repository = repository
        self.target = target
        self.log = log
        self.dataDirectory = dataDirectory
        checkpoint = ForwardCheckpoint(dataDirectory: dataDirectory, repository: repository, target: target.name)!
        self.logger = logger
    }

    /// One session; overridden by each kind.
    func session() -> ForwardOutcome { .stopped }

    func start() {
        let thread = Thread { [self] in
            run()
            done.signal()
        }
        thread.name = "sluice-forward"
        thread.start()
    }

    /// Stops the thread after what is in flight was answered (or timed out); waits for it.
    func stop() {
        stopped.store(true, ordering: .releasing)
        done.wait()
    }

    var isStopped: Bool { stopped.load(ordering: .acquiring) }

    func setState(_ state: ForwarderState, error: String? = nil) {
        guard metrics.setState(state, error: error) else { return }
        var metadata: Logger.Metadata = ["repository": "\(repository)", "target": "\(target.name)", "state": "\(state.rawValue)"]
        if let error { metadata["error"] = "\(error)" }
        if state == .forwarding || state == .stopped {
            logger.info("forwarder state", metadata: metadata)
        } else {
            logger.warning("forwarder state", metadata: metadata)
        }
        ForwardStatusFile.write(dataDirectory: dataDirectory, repository: repository, target: target.name, state: state, error: error)
    }

    private func run() {
        var backoff = Self.minBackoff
        while !isStopped {
            madeProgress = false
            let outcome = session()
            if isStopped { break }
            if case .retry(let state, let error, let reason, let after) = outcome {
                if madeProgress { backoff = Self.minBackoff }
                metrics.countError(reason)
                setState(state, error: error)
                sleep(seconds: backoff * Double.random(in: 0.8...1.2), atLeast: after ?? 0)
                backoff = min(backoff * 2, Self.maxBackoff)
            } else {
                backoff = Self.minBackoff
            }
        }
        setState(.stopped)
    }

    /// Sleeps `max(seconds, atLeast)`, waking early when stopped.
    func sleep(seconds: Double, atLeast: Double = 0) {
        let deadline = Date().addingTimeInterval(max(seconds, min(atLeast, 300)))
        while !isStopped, Date() < deadline { usleep(20_000) }
    }
}
