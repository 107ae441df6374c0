#if canImport(Glibc)
import Glibc
#endif
import Bench
import EventModel
import Foundation
import Logging
import TLSSocket
import Tokens
import WAL

/// Delivers one repository's WAL to a LogScale-compatible HTTP upstream, on a thread of its own.
///
/// It reads durable records in order from the checkpoint on, batches them into one `humio-structured`
/// body (up to ``maxBodyBytes``), POSTs it over one keep-alive connection (``BlockingHTTPClient``) and, after
/// a 2xx answer, moves the checkpoint past them. Connection errors, 5xx, 401, 403, 408 and 429 end the session: it
/// backs off (honouring `Retry-After`) and replays from the checkpoint, so the upstream may see a batch
/// twice. Any other 4xx sends the batch's records one by one; each record the upstream still refuses goes
/// to the dead-letter file beside the checkpoint (its events as NDJSON after a line with the answer),
/// is counted in `sluice_forward_rejected_total`, and the stream moves on.
final class HTTPForwarder: WALForwarder, @unchecked Sendable {
    /// A body holds records until it reaches this size (one record may make it larger).
    static let maxBodyBytes = 2 << 20
    static let maxRecordsPerBody = 2000
    static let timeoutSeconds = 30

    let deadLetterPath: String

    override init(repository: String, target: Forwarder, log: RepositoryLog, dataDirectory: String, logger: Logger) {
        deadLetterPath = ForwardCheckpoint(dataDirectory: dataDirectory, repository: repository, target: target.name)!.path + ".dead.ndjson"
        super.init(repository: repository, target: target, log: log, dataDirectory: dataDirectory, logger: logger)
    }

    private struct Pending {
        var firstSequence: UInt64
        var nextSequence: UInt64
        var events: Int
        /// The record's groups (without the enclosing brackets) in the body being gathered.
        var groups: Range<Int>
        var durableNanos: UInt64
    }

    private enum Answer {
        case accepted
        case retry(ForwardOutcome)
        case rejected(status: Int, body: [UInt8])
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
        let client = BlockingHTTPClient(url: url, tls: tls, timeoutSeconds: Self.timeoutSeconds)
        defer { client.close() }
        guard let start = checkpoint.read() else {
            return .retry(.backingOff, "checkpoint \(checkpoint.path) is damaged", reason: "checkpoint")
        }
        let reader: WALReader
        do throws(WALError) {
            reader = try WALReader(dataDirectory: dataDirectory, repository: repository, from: start)
        } catch {
            return .retry(.backingOff, "\(error)", reason: "wal")
        }
        var base = url.path
        while base.hasSuffix("/") { base.removeLast() }
        let path = base + "/api/v1/ingest/humio-structured"
        var headers = [("Authorization", "Bearer " + token), ("Content-Type", "application/json")]
        if target.compression == "gzip" { headers.append(("Content-Encoding", "gzip")) }
        return follow(client, path: path, headers: headers, reader: reader, from: start)
    }

    private func follow(_ client: BlockingHTTPClient, path: String, headers: [(String, String)], reader start: WALReader,
                        from startSequence: UInt64) -> ForwardOutcome {
        var reader = start
        var batch = EventBatch()
        var body = StructuredBody()
        var pending: [Pending] = []
        /// `[` and the pending records' groups, separated by commas.
        var gathered: [UInt8] = [UInt8(ascii: "[")]
        var progress = CheckpointPacer(checkpoint, from: startSequence)

        func finish(_ outcome: ForwardOutcome) -> ForwardOutcome {
            if let failed = progress.write(force: true) { return failed }
            return outcome
        }

        /// POSTs `records` as one body.
        func post(_ records: ArraySlice<Pending>) -> Answer {
            var bytes: [UInt8]
            if records.count == pending.count {
                bytes = gathered
            } else {
                bytes = [UInt8(ascii: "[")]
                for (index, record) in records.enumerated() {
                    if index > 0 { bytes.append(UInt8(ascii: ",")) }
                    bytes.append(contentsOf: gathered[record.groups])
                }
            }
            bytes.append(UInt8(ascii: "]"))
            if target.compression == "gzip" {
                do throws(BenchError) {
                    bytes = try GzipCompressor.compress(bytes)
                } catch {
                    return .retry(.retry(.backingOff, "gzip: \(error)", reason: "compress"))
                }
            }
            let answer: HTTPAnswer
            do throws(BenchError) {
                answer = try client.post(path: path, headers: headers, body: bytes)
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

        func accepted(_ records: ArraySlice<Pending>) {
            progress.acknowledged = records.last!.nextSequence
            metrics.records.add(records.count, ordering: .relaxed)
            madeProgress = true
            setState(.forwarding)
        }

        /// Sends what is pending; nil when it all went (accepted or dead-lettered).
        func flush() -> ForwardOutcome? {
            guard !pending.isEmpty else { return nil }
            defer {
                pending.removeAll(keepingCapacity: true)
                gathered.removeSubrange(1...)
            }
            switch post(pending[...]) {
            case .accepted:
                accepted(pending[...])
                return nil
            case .retry(let outcome):
                return outcome
            case .rejected(let status, let answerBody):
                guard pending.count > 1 else {
                    return deadLetter(pending[0], status: status, answer: answerBody) ?? { accepted(pending[...]); return nil }()
                }
                for index in pending.indices {
                    switch post(pending[index...index]) {
                    case .accepted:
                        accepted(pending[index...index])
                    case .retry(let outcome):
                        return outcome
                    case .rejected(let status, let answerBody):
                        if let failed = deadLetter(pending[index], status: status, answer: answerBody) { return failed }
                        accepted(pending[index...index])
                    }
                }
                return nil
            }
        }

        while true {
            if isStopped { return finish(.stopped) }
            if let failed = progress.write(force: false) { return failed }
            let durable = log.durableNextSequence
            metrics.lagRecords.store(Int(durable > progress.acknowledged ? durable - progress.acknowledged : 0), ordering: .relaxed)
            let oldest = pending.first?.durableNanos
            metrics.lagMillis.store(oldest.map { Int((DispatchTime.now().uptimeNanoseconds &- $0) / 1_000_000) } ?? 0, ordering: .relaxed)
            if gathered.count >= Self.maxBodyBytes || pending.count >= Self.maxRecordsPerBody {
                if let failed = flush() { return finish(failed) }
                continue
            }
            batch.removeAll()
            switch reader.nextRecord(upTo: durable) {
            case .endOfLog:
                if !pending.isEmpty {
                    if let failed = flush() { return finish(failed) }
                } else {
                    if let failed = progress.write(force: true) { return failed }
                    usleep(10_000)
                }
            case .corruption(let segment, let offset, let reason):
                metrics.countError("wal_damaged")
                logger.error("forwarder skips a damaged WAL record", metadata: [
                    "repository": "\(repository)", "target": "\(target.name)", "segment": "\(segment)",
                    "offset": "\(offset)", "reason": "\(reason)"])
            case .record(let header, _):
                if let failure = reader.decodeRecord(header, into: &batch) {
                    metrics.countError("wal_damaged")
                    logger.error("forwarder skips an undecodable WAL record", metadata: [
                        "repository": "\(repository)", "target": "\(target.name)", "reason": "\(failure)"])
                    continue
                }
                body.begin()
                body.append(batch)
                body.finish()
                if !pending.isEmpty { gathered.append(UInt8(ascii: ",")) }
                let start = gathered.count
                gathered.append(contentsOf: body.bytes[1..<(body.bytes.count - 1)])
                pending.append(Pending(firstSequence: header.firstSequence, nextSequence: header.nextSequence,
                                       events: Int(header.eventCount), groups: start..<gathered.count,
                                       durableNanos: DispatchTime.now().uptimeNanoseconds))
            }
        }
    }

    /// Appends the record and the answer to the dead-letter file (fsynced before the checkpoint moves past
    /// it); nil when it is safely there.
    private func deadLetter(_ record: Pending, status: Int, answer: [UInt8]) -> ForwardOutcome? {
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
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return .retry(.backingOff, "writing \(deadLetterPath): errno \(errno)", reason: "dead_letter") }
            offset += count
        }
        guard fsync(fd) == 0 else { return .retry(.backingOff, "fsync \(deadLetterPath): errno \(errno)", reason: "dead_letter") }
        metrics.rejected.add(record.events, ordering: .relaxed)
        logger.error("upstream refused a record; it is in the dead-letter file", metadata: [
            "repository": "\(repository)", "target": "\(target.name)", "firstSequence": "\(record.firstSequence)",
            "status": "\(status)", "file": "\(deadLetterPath)"])
        return nil
    }
}
