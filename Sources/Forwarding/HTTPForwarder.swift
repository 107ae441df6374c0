#if canImport(Glibc)
import Glibc
#endif
import Bench
import CSystemShims
import EventModel
import Foundation
import Logging
import POSIX
import TLSSocket
import Tokens
import WAL

/// Delivers one repository's WAL to a LogScale-compatible HTTP upstream, on a thread of its own.
///
/// It reads durable records in order from the checkpoint on and batches them into one `humio-structured`
/// body (up to ``maxBodyBytes``); up to ``connections`` sender threads POST bodies at once, each over its own
/// keep-alive connection (``BlockingHTTPClient``), while the forwarder encodes the next. A session starts
/// with one request in flight and opens the others after the first 2xx, so an upstream that is down sees one
/// attempt per backoff. Answers are taken in the order the bodies were read, and the checkpoint moves past
/// a body only when it and every body before it were accepted; bodies may reach the upstream out of order.
/// Connection errors, 5xx, 401, 403, 408 and 429 end the session: it waits for the requests in flight,
/// backs off (honouring `Retry-After`) and replays from the checkpoint, so the upstream may see a body
/// twice. Any other 4xx sends the body's records one by one; each record the upstream still refuses goes
/// to the dead-letter file beside the checkpoint (its events as NDJSON after a line with the answer),
/// is counted in `sluice_forward_rejected_total`, and the stream moves on.
final class HTTPForwarder: WALForwarder, @unchecked Sendable {
    /// A body holds records until it reaches this size (one record may make it larger).
    static let maxBodyBytes = 2 << 20
    static let maxRecordsPerBody = 2000
    static let timeoutSeconds = 30
    /// Requests in flight at most (one connection each).
    static let connections = 4

    let deadLetterPath: String
    private let deadLetterLock = NSLock()

    override init(repository: String, target: Forwarder, log: RepositoryLog, dataDirectory: String, logger: Logger) {
        deadLetterPath = ForwardCheckpoint(dataDirectory: dataDirectory, repository: repository, target: target.name)!.path + ".dead.ndjson"
        super.init(repository: repository, target: target, log: log, dataDirectory: dataDirectory, logger: logger)
    }

    fileprivate struct Pending {
        var firstSequence: UInt64
        var nextSequence: UInt64
        var events: Int
        /// The record's groups (without the enclosing brackets) in its body.
        var groups: Range<Int>
    }

    private enum Answer {
        case accepted
        case retry(ForwardOutcome)
        case rejected(status: Int, body: [UInt8])
    }

    /// Where the upstream is and what every request carries.
    private struct Endpoint {
        var path: String
        var headers: [(String, String)]
    }

    override func session() -> ForwardOutcome {
        guard let urlText = target.url, let url = try? BenchURL(parsing: urlText) else {
            return .retry(.backingOff, "invalid url", reason: "config")
        }
        guard let token = target.upstreamTokens[repository] ?? target.upstreamToken else {
            return .retry(.backingOff, "no upstream token for the repository", reason: "config")
        }
        var tls: TLSContext?
        if url.usesTLS {
            let trust: TLSClientTrust = target.tlsVerify == false ? .anyCertificate : target.tlsCA.map { .caFile($0) } ?? .systemCAs
            do throws(TLSError) {
                tls = try TLSContext(client: trust)
            } catch {
                return .retry(.backingOff, "TLS: \(error)", reason: "tls")
            }
        }
        let start: UInt64, reader: WALReader
        switch resume() {
        case .success(let resumed): (start, reader) = resumed
        case .failure(let end): return end
        }
        var base = url.path
        while base.hasSuffix("/") { base.removeLast() }
        var headers = [("Authorization", "Bearer " + token), ("Content-Type", "application/json")]
        if target.compression == "gzip" { headers.append(("Content-Encoding", "gzip")) }
        let endpoint = Endpoint(path: base + "/api/v1/ingest/humio-structured", headers: headers)
        let senders: SenderPool
        do {
            senders = try SenderPool(count: Self.connections,
                                     makeClient: { BlockingHTTPClient(url: url, tls: tls, timeoutSeconds: Self.timeoutSeconds) },
                                     send: { [self] client, job in send(job, over: client, to: endpoint) })
        } catch {
            return .retry(.backingOff, "starting the sender threads: \(error)", reason: "thread")
        }
        return follow(senders, reader: reader, from: start)
    }

    private func follow(_ senders: SenderPool, reader start: WALReader, from startSequence: UInt64) -> ForwardOutcome {
        var reader = start
        var batch = EventBatch()
        var body = StructuredBody()
        var pending: [Pending] = []
        /// `[` and the pending records' groups, separated by commas.
        var gathered: [UInt8] = [UInt8(ascii: "[")]
        var progress = CheckpointPacer(checkpoint, from: startSequence)
        var seeded = false
        /// Bodies handed to the senders, and how many of their answers were taken (in order).
        var submitted = 0
        var taken = 0
        /// Set by the session's first 2xx: from then on every connection is used.
        var accepting = false
        resetLag()

        /// Takes the answers that are in, in order; the outcome of the first failed body, if any.
        func takeAnswers() -> ForwardOutcome? {
            while taken < submitted, let result = senders.result(taken) {
                taken += 1
                switch result {
                case .done(let end, let records):
                    progress.acknowledged = end
                    metrics.records.add(records, ordering: .relaxed)
                    madeProgress = true
                    accepting = true
                    setState(.forwarding)
                case .failed(let outcome, let end, let records):
                    if let end {
                        progress.acknowledged = end
                        madeProgress = true
                    }
                    metrics.records.add(records, ordering: .relaxed)
                    // The bodies after it are sent again by the next session, whatever their answers.
                    taken = submitted
                    return outcome
                }
            }
            return nil
        }

        /// Waits for the requests in flight, keeps what was accepted before the first failure, and ends.
        func finish(_ outcome: ForwardOutcome) -> ForwardOutcome {
            senders.close()
            let failed = takeAnswers()
            if let failedWrite = progress.write(force: true) { return failedWrite }
            return failed ?? outcome
        }

        func submit() {
            gathered.append(UInt8(ascii: "]"))
            senders.submit(SenderPool.Job(index: submitted, records: pending, body: gathered))
            submitted += 1
            pending.removeAll(keepingCapacity: true)
            gathered = senders.spareBuffer()
            gathered.append(UInt8(ascii: "["))
        }

        while true {
            if isStopped { return finish(.stopped) }
            if let failed = takeAnswers() { return finish(failed) }
            if let failed = progress.write(force: false) { return finish(failed) }
            let durable = log.durableNextSequence
            noteLag(durable: durable, acknowledged: progress.acknowledged)
            let room = submitted - taken < (accepting ? Self.connections : 1)
            if gathered.count >= Self.maxBodyBytes || pending.count >= Self.maxRecordsPerBody {
                if room { submit() } else { senders.waitForAnswer(taken, seconds: 0.05) }
                continue
            }
            batch.removeAll()
            switch reader.nextRecord(upTo: durable) {
            case .endOfLog:
                if !pending.isEmpty && room {
                    submit()
                } else if submitted > taken {
                    senders.waitForAnswer(taken, seconds: 0.01)
                } else {
                    if let failed = progress.write(force: true) { return finish(failed) }
                    usleep(10_000)
                }
            case .corruption(let segment, let offset, let reason):
                skipDamaged(segment: segment, offset: offset, reason: reason)
            case .record(let header, _):
                if let failure = reader.decodeRecord(header, into: &batch) {
                    skipUndecodable(failure)
                    continue
                }
                if !seeded {
                    noteFirstRecord(batch, recordEnd: header.nextSequence)
                    seeded = true
                }
                body.begin()
                body.append(batch)
                body.finish()
                if !pending.isEmpty { gathered.append(UInt8(ascii: ",")) }
                let start = gathered.count
                gathered.append(contentsOf: body.bytes[1..<(body.bytes.count - 1)])
                pending.append(Pending(firstSequence: header.firstSequence, nextSequence: header.nextSequence,
                                       events: Int(header.eventCount), groups: start..<gathered.count))
            }
        }
    }

    /// Sends one body (on a sender thread): accepted, or refused record by record into the dead-letter file,
    /// or failed (with how far it got).
    private func send(_ job: SenderPool.Job, over client: BlockingHTTPClient, to endpoint: Endpoint) -> SenderPool.Result {
        switch post(job.body, over: client, to: endpoint) {
        case .accepted:
            return .done(end: job.records.last!.nextSequence, records: job.records.count)
        case .retry(let outcome):
            return .failed(outcome, acknowledged: nil, records: 0)
        case .rejected(let status, let answerBody):
            if job.records.count == 1 {
                if let failed = deadLetter(job.records[0], status: status, answer: answerBody) { return .failed(failed, acknowledged: nil, records: 0) }
                return .done(end: job.records[0].nextSequence, records: 1)
            }
            var acknowledged: UInt64?
            var count = 0
            for record in job.records {
                var single: [UInt8] = [UInt8(ascii: "[")]
                single.append(contentsOf: job.body[record.groups])
                single.append(UInt8(ascii: "]"))
                switch post(single, over: client, to: endpoint) {
                case .accepted:
                    break
                case .retry(let outcome):
                    return .failed(outcome, acknowledged: acknowledged, records: count)
                case .rejected(let status, let answerBody):
                    if let failed = deadLetter(record, status: status, answer: answerBody) {
                        return .failed(failed, acknowledged: acknowledged, records: count)
                    }
                }
                acknowledged = record.nextSequence
                count += 1
            }
            return .done(end: acknowledged!, records: count)
        }
    }

    /// POSTs one whole body.
    private func post(_ body: [UInt8], over client: BlockingHTTPClient, to endpoint: Endpoint) -> Answer {
        var bytes = body
        if target.compression == "gzip" {
            do throws(BenchError) {
                bytes = try GzipCompressor.compress(body)
            } catch {
                return .retry(.retry(.backingOff, "gzip: \(error)", reason: "compress"))
            }
        }
        let answer: HTTPAnswer
        do throws(BenchError) {
            answer = try client.post(path: endpoint.path, headers: endpoint.headers, body: bytes)
        } catch {
            return .retry(.retry(.backingOff, "upstream: \(error)", reason: "connect"))
        }
        switch answer.status {
        case 200..<300:
            metrics.bytes.add(bytes.count, ordering: .relaxed)
            return .accepted
        // 401 and 403 refuse the token, not the record: dead-lettering would empty the whole stream into
        // the file, so they are retried like an outage until the operator fixes the token.
        case 401, 403, 408, 429, 500...:
            return .retry(.retry(.backingOff, "upstream answered \(answer.status)", reason: "status_\(answer.status)",
                                 after: answer.retryAfterSeconds))
        case 400..<500:
            return .rejected(status: answer.status, body: answer.body)
        default:
            return .retry(.retry(.backingOff, "upstream answered \(answer.status)", reason: "status_\(answer.status)"))
        }
    }

    /// Appends the record and the answer to the dead-letter file (fsynced before the checkpoint moves past
    /// it); nil when it is safely there.
    private func deadLetter(_ record: Pending, status: Int, answer: [UInt8]) -> ForwardOutcome? {
        deadLetterLock.lock()
        defer { deadLetterLock.unlock() }
        var bytes: [UInt8] = Array(#"{"deadLetter":{"repository":"#.utf8)
        Array(repository.utf8).withUnsafeBytes { WALEventJSON.appendString($0, to: &bytes) }
        bytes.append(contentsOf: #","firstSequence":\#(record.firstSequence),"events":\#(record.events),"status":\#(status),"answer":"#.utf8)
        answer.prefix(64 * 1024).withUnsafeBytes { WALEventJSON.appendString($0, to: &bytes) }
        bytes.append(contentsOf: "}}\n".utf8)
        // The record's events as `sluice wal cat` prints them, read again from the WAL: only a refused record
        // pays for the second encoding.
        var batch = EventBatch()
        do throws(WALError) {
            var reader = try WALReader(dataDirectory: dataDirectory, repository: repository, from: record.firstSequence)
            guard case .record(let header, _) = reader.nextRecord(), header.firstSequence == record.firstSequence,
                  reader.decodeRecord(header, into: &batch) == nil else {
                return .retry(.backingOff, "cannot read record \(record.firstSequence) again for the dead-letter file", reason: "dead_letter")
            }
        } catch {
            return .retry(.backingOff, "cannot read record \(record.firstSequence) again: \(error)", reason: "dead_letter")
        }
        for index in 0..<batch.count { WALEventJSON.appendLine(batch, event: index, to: &bytes) }
        _ = mkdirIfNeeded(checkpoint.directory)
        let fd = open(deadLetterPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            return .retry(.backingOff, "cannot open \(deadLetterPath): errno \(errno)", reason: "dead_letter")
        }
        defer { Syscall.close(fd) }
        do {
            try bytes.withUnsafeBytes { raw in try Syscall.writeAll(fd, raw) }
            try Syscall.checked("fsync") { fsync(fd) }
        } catch {
            return .retry(.backingOff, "writing \(deadLetterPath): \(error)", reason: "dead_letter")
        }
        metrics.rejected.add(record.events, ordering: .relaxed)
        logger.error("upstream refused a record; it is in the dead-letter file", metadata: [
            "repository": "\(repository)", "target": "\(target.name)", "firstSequence": "\(record.firstSequence)",
            "status": "\(status)", "file": "\(deadLetterPath)"])
        return nil
    }
}

/// The sender threads of one HTTP session: each takes the next body, POSTs it over its own keep-alive
/// connection and leaves the result under the body's index for the forwarder, which takes them in order.
/// Emptied bodies come back as spare buffers, so a session allocates its bodies once.
private final class SenderPool: @unchecked Sendable {
    struct Job {
        var index: Int
        var records: [HTTPForwarder.Pending]
        /// The whole JSON array.
        var body: [UInt8]
    }

    enum Result {
        /// Accepted or dead-lettered, every record: the sequence after the last one.
        case done(end: UInt64, records: Int)
        /// The session must end; `acknowledged` is how far the body got record by record.
        case failed(ForwardOutcome, acknowledged: UInt64?, records: Int)
    }

    private let condition = NSCondition()
    private var queue: [Job] = []
    private var results: [Int: Result] = [:]
    private var spare: [[UInt8]] = []
    private var closed = false
    private var threads: [JoinableThread] = []
    private let makeClient: () -> BlockingHTTPClient
    private let send: (BlockingHTTPClient, Job) -> Result

    init(count: Int, makeClient: @escaping () -> BlockingHTTPClient, send: @escaping (BlockingHTTPClient, Job) -> Result) throws(SystemError) {
        self.makeClient = makeClient
        self.send = send
        do {
            for _ in 0..<count {
                threads.append(try JoinableThread(name: "sluice-forward") { [self] in
                    let client = self.makeClient()
                    work(client)
                    client.close()
                })
            }
        } catch {
            close()
            throw error
        }
    }

    private func work(_ client: BlockingHTTPClient) {
        while true {
            condition.lock()
            while queue.isEmpty && !closed { condition.wait() }
            if queue.isEmpty {
                condition.unlock()
                return
            }
            var job = queue.removeFirst()
            condition.unlock()
            let result = send(client, job)
            job.body.removeAll(keepingCapacity: true)
            condition.lock()
            results[job.index] = result
            spare.append(job.body)
            condition.broadcast()
            condition.unlock()
        }
    }

    func submit(_ job: Job) {
        condition.lock()
        queue.append(job)
        condition.broadcast()
        condition.unlock()
    }

    /// The result of body `index` when it is in (forgetting it).
    func result(_ index: Int) -> Result? {
        condition.lock()
        defer { condition.unlock() }
        return results.removeValue(forKey: index)
    }

    /// Waits until the result of body `index` is in or `seconds` pass.
    func waitForAnswer(_ index: Int, seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        condition.lock()
        while results[index] == nil, condition.wait(until: deadline) {}
        condition.unlock()
    }

    /// An empty buffer, with the capacity of a body sent before when there is one.
    func spareBuffer() -> [UInt8] {
        condition.lock()
        defer { condition.unlock() }
        return spare.popLast() ?? []
    }

    /// Drops the bodies not yet taken, lets the senders finish those in flight, then stops them (closing their
    /// connections).
    func close() {
        condition.lock()
        closed = true
        queue.removeAll()
        condition.broadcast()
        condition.unlock()
        for thread in threads { thread.join() }
    }
}
