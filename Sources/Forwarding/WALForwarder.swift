import CSystemShims
import EventModel
import Foundation
import Logging
import Synchronization
import Tokens
import WAL
import POSIX

/// How one forwarding session (a connection's worth of delivery) ended (an `Error` too, so a step that ends
/// the session can return it as a `Result`'s failure).
enum ForwardOutcome: Error {
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
    /// The forwarder's thread, set by ``start()``.
    private let thread = Mutex<JoinableThread?>(nil)
    /// Set by a session that delivered something: the next failure backs off from the shortest wait again.
    var madeProgress = false
    /// The sequence after the last record the target acknowledged (for draining at shutdown).
    let delivered = Atomic<UInt64>(0)
    /// When records became durable, for ``sluice_forward_lag_seconds``.
    private var writtenTimes = WrittenTimes()

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

    /// Where a session resumes: the checkpoint's sequence and a WAL reader from it, or why it cannot.
    func resume() -> Result<(start: UInt64, reader: WALReader), ForwardOutcome> {
        guard let start = checkpoint.read() else {
            return .failure(.retry(.backingOff, "checkpoint \(checkpoint.path) is damaged", reason: "checkpoint"))
        }
        do throws(WALError) {
            return .success((start, try WALReader(dataDirectory: dataDirectory, repository: repository, from: start)))
        } catch {
            return .failure(.retry(.backingOff, "\(error)", reason: "wal"))
        }
    }

    /// The forwarder threads' nice value: ingest is what clients wait on, so on a busy machine the event loops
    /// and WAL writers run first and a forwarder catches up with the time they leave.
    static let niceness: Int32 = 10

    /// This forwarder's nice value (its client's threads inherit it): ``niceness`` unless requests wait on it.
    var threadNiceness: Int32 { Self.niceness }

    func start() throws(SystemError) {
        // The name is set by the thread itself, so the NATS client's threads, started here, inherit it.
        let thread = try JoinableThread(name: "sluice-forward") { [self] in
            _ = sluice_set_thread_nice(threadNiceness)
            run()
        }
        self.thread.withLock { $0 = thread }
    }

    /// Stops the thread after what is in flight was answered (or timed out); waits for it.
    func stop() {
        stopped.store(true, ordering: .releasing)
        thread.withLock { $0 }?.join()
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
                waitFollowingLag(seconds: backoff * Double.random(in: 0.8...1.2), atLeast: after ?? 0)
                backoff = min(backoff * 2, Self.maxBackoff)
            } else {
                backoff = Self.minBackoff
            }
        }
        setState(.stopped)
    }

    /// Updates the lag gauges: `durable` is the log's watermark, `acknowledged` the sequence after what the
    /// target acknowledged.
    func noteLag(durable: UInt64, acknowledged: UInt64) {
        let now = MonotonicClock.nanoseconds()
        if acknowledged > delivered.load(ordering: .relaxed) { delivered.store(acknowledged, ordering: .releasing) }
        writtenTimes.observe(durable: durable, at: now)
        metrics.lagRecords.store(Int(durable > acknowledged ? durable - acknowledged : 0), ordering: .relaxed)
        metrics.oldestUnforwardedNanos.store(durable > acknowledged ? writtenTimes.writtenNanos(of: acknowledged) ?? now : 0,
                                             ordering: .relaxed)
    }

    /// Notes when the first record a session reads (ending before `recordEnd`) was written, from its events'
    /// ingest times: it may be older than the session.
    /// A damaged stretch of the WAL is skipped: counted and logged.
    func skipDamaged(segment: String, offset: Int, reason: String) {
        metrics.countError("wal_damaged")
        logger.error("forwarder skips a damaged WAL record", metadata: [
            "repository": "\(repository)", "target": "\(target.name)", "segment": "\(segment)",
            "offset": "\(offset)", "reason": "\(reason)"])
    }

    /// A record whose checksum holds but whose events do not decode is skipped: counted and logged.
    func skipUndecodable(_ failure: String) {
        metrics.countError("wal_damaged")
        logger.error("forwarder skips an undecodable WAL record", metadata: [
            "repository": "\(repository)", "target": "\(target.name)", "reason": "\(failure)"])
    }

    func noteFirstRecord(_ batch: EventBatch, recordEnd: UInt64) {
        guard let oldest = ForwardLag.oldestIngestMillis(batch) else { return }
        seedLag(recordEnd: recordEnd, writtenMillis: oldest)
    }

    private func seedLag(recordEnd: UInt64, writtenMillis: Int64) {
        let ageNanos = UInt64(max(0, ForwardLag.nowMillis() - writtenMillis)) * 1_000_000
        let now = MonotonicClock.nanoseconds()
        writtenTimes.seed(recordEnd: recordEnd, writtenAt: now - min(now - 1, ageNanos))
    }

    /// Forgets what a session saw (a new one starts from the checkpoint).
    func resetLag() { writtenTimes.reset() }

    /// Sleeps `max(seconds, atLeast)` (waking early when stopped) while the lag gauges go on following the
    /// log: between sessions nothing moves past the checkpoint, and the first record after it keeps ageing.
    private func waitFollowingLag(seconds: Double, atLeast: Double) {
        let acknowledged = checkpoint.read() ?? 0
        writtenTimes.reset()
        let durable = log.durableNextSequence
        noteLag(durable: durable, acknowledged: acknowledged)
        if durable > acknowledged,
           let written = ForwardLag.writtenMillis(dataDirectory: dataDirectory, repository: repository, from: acknowledged, upTo: durable) {
            seedLag(recordEnd: acknowledged + 1, writtenMillis: written)
            noteLag(durable: durable, acknowledged: acknowledged)
        }
        let deadline = Date().addingTimeInterval(max(seconds, min(atLeast, 300)))
        while !isStopped, Date() < deadline {
            usleep(20_000)
            noteLag(durable: log.durableNextSequence, acknowledged: acknowledged)
        }
    }
}
