#if canImport(Glibc)
import Glibc
#endif
import CSystemShims
import Synchronization
import TLSSocket
import POSIX

/// A snapshot for the live progress line.
public struct BenchProgress: Sendable {
    public var elapsedSeconds: Double
    public var requests: Int
    public var bodyBytes: Int
    public var errors: Int
    /// Over the last interval.
    public var requestsPerSecond: Double
    public var megabytesPerSecond: Double
}

/// Runs a benchmark: builds the request pool, resolves the target, starts one ``BenchWorker`` thread per
/// `--threads` with its share of connections, requests and rate, reports progress about once a second from
/// the calling thread, and merges the workers' results.
///
/// Guarantees: payloads are all generated before the clock starts; connection set-up is inside the measured
/// time; the open-loop timetables of the threads interleave so the combined offered load is evenly spaced;
/// with `stopOnSignals`, SIGINT/SIGTERM end the run early (answers in flight are awaited) and the result covers
/// the time until then.
public struct BenchRunner: Sendable {
    public let configuration: BenchConfiguration

    public init(configuration: BenchConfiguration) {
        self.configuration = configuration
    }

    public func run(
        progressEvery interval: Double = 1, stopOnSignals: Bool = false, progress: ((BenchProgress) -> Void)? = nil
    ) throws(BenchError) -> BenchResult {
        let configuration = configuration
        try configuration.validate()
        _ = sluice_ignore_sigpipe()
        let target = try SocketTarget(host: configuration.url.host, port: configuration.url.port)
        var tlsContext: TLSContext?
        if configuration.url.usesTLS {
            do {
                tlsContext = try TLSContext(client: configuration.trust)
            } catch {
                throw .tls("cannot set up TLS: \(error)")
            }
        }
        var generator = configuration.makeGenerator()
        let poolSize = configuration.poolSize
            ?? RequestPool.suggestedCount(batch: configuration.batch, eventBytes: configuration.eventBytes ?? 200)
        let pool = try RequestPool(
            url: configuration.url, token: configuration.token, tokens: configuration.tokens, format: configuration.format,
            batch: configuration.batch, gzip: configuration.gzip, generator: &generator, count: poolSize,
            extraHeaders: configuration.hecAckPollMillis == nil ? "" : AckPolling.channelHeader(configuration.hecChannel))

        let signals = stopOnSignals ? SignalStop() : nil
        defer { signals?.release() }
        let cpuBefore = Self.cpuSeconds()
        let start = MonotonicClock.nanoseconds()
        let workers = (0..<configuration.threads).map { index in
            BenchWorker(index: index, plan: plan(for: index, start: start), target: target, pool: pool,
                        tlsContext: tlsContext, host: configuration.url.host)
        }
        let failure = Mutex<BenchError?>(nil)
        var threads: [JoinableThread] = []
        for worker in workers {
            do throws(SystemError) {
                threads.append(try JoinableThread(name: "bench-\(worker.index)") {
                    do throws(BenchError) { try worker.run() } catch { failure.withLock { $0 = $0 ?? error } }
                })
            } catch {
                throw .system(call: error.call, errno: error.errno)
            }
        }
        reportProgress(workers, start: start, interval: interval, signals: signals, progress)
        for thread in threads { thread.join() }
        let end = MonotonicClock.nanoseconds()
        if let error = failure.withLock({ $0 }) { throw error }

        var result = BenchResult()
        for worker in workers { result.merge(worker.result) }
        result.slowRequests.sort { $0.answeredNanos < $1.answeredNanos }
        result.seconds = Double(end - start) / 1e9
        result.cpuSeconds = Self.cpuSeconds() - cpuBefore
        result.offeredRate = configuration.rate
        return result
    }

    /// Worker `index`'s share: connections, request budget and timetable.
    func plan(for index: Int, start: UInt64) -> BenchWorker.Plan {
        let threads = configuration.threads
        func share(_ total: Int) -> Int { total / threads + (index < total % threads ? 1 : 0) }
        let deadline = configuration.duration.map { start &+ UInt64($0 * 1e9) } ?? .max
        let budget = configuration.requests.map(share) ?? .max
        var schedule: OpenLoopSchedule?
        if let rate = configuration.rate {
            let offset = UInt64(Double(index) * 1e9 / rate)
            schedule = OpenLoopSchedule(rate: rate / Double(threads), startNanos: start &+ offset, endNanos: deadline, limit: budget)
        }
        return BenchWorker.Plan(
            connections: share(configuration.connections), requestBudget: budget, deadlineNanos: deadline,
            drainNanos: UInt64(configuration.drainSeconds * 1e9), schedule: schedule,
            requestsPerConnection: configuration.requestsPerConnection,
            ackPolling: configuration.hecAckPollMillis.map {
                AckPolling(intervalMillis: $0, url: configuration.url, token: configuration.token, channel: configuration.hecChannel)
            },
            slowNanos: configuration.slowMillis.map { UInt64($0 * 1e6) })
    }

    private func reportProgress(_ workers: [BenchWorker], start: UInt64, interval: Double, signals: SignalStop?,
                                _ progress: ((BenchProgress) -> Void)?) {
        var lastRequests = 0
        var lastBytes = 0
        var lastTime = start
        var nextReport = start &+ UInt64(interval * 1e9)
        while !workers.allSatisfy({ $0.progress.finished.load(ordering: .acquiring) }) {
            if let signals {
                if signals.wait(milliseconds: 50) {
                    for worker in workers { worker.progress.stopRequested.store(true, ordering: .relaxed) }
                }
            } else {
                var pause = timespec(tv_sec: 0, tv_nsec: 50_000_000)
                nanosleep(&pause, nil)
            }
            let now = MonotonicClock.nanoseconds()
            guard let progress, now >= nextReport else { continue }
            nextReport = now &+ UInt64(interval * 1e9)
            let requests = workers.reduce(0) { $0 + $1.progress.requests.load(ordering: .relaxed) }
            let bytes = workers.reduce(0) { $0 + $1.progress.bodyBytes.load(ordering: .relaxed) }
            let errors = workers.reduce(0) { $0 + $1.progress.errors.load(ordering: .relaxed) }
            let span = Double(now - lastTime) / 1e9
            progress(BenchProgress(
                elapsedSeconds: Double(now - start) / 1e9, requests: requests, bodyBytes: bytes, errors: errors,
                requestsPerSecond: Double(requests - lastRequests) / span,
                megabytesPerSecond: Double(bytes - lastBytes) / span / 1e6))
            lastRequests = requests
            lastBytes = bytes
            lastTime = now
        }
    }

    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}
