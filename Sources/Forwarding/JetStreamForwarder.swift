import Bench
import EventModel
import Foundation
import Logging
import Synchronization
import Tokens
import WAL
import WALFormat

/// Delivers one repository's WAL to one JetStream target, on a thread of its own.
///
/// It reads records once they are durable (below the log's acknowledged watermark), in order, from the
/// checkpoint on; publishes each as one message or several parts, many in flight; takes acknowledgements
/// in order and writes the checkpoint (atomically) only up to the last record whose every part was
/// acknowledged. Any failure (publish error, missing acknowledgement, lost connection) waits for what is in
/// flight, backs off, and replays from the checkpoint; JetStream drops the replayed copies by message id.
/// It never touches an event loop or a WAL writer: it reads segment files and one atomic.
final class JetStreamForwarder: WALForwarder, @unchecked Sendable {
    private let gateway: String
    private let tracker = AckTracker()

    /// Parts in flight at most.
    static let window = 512
    static let ackWaitMillis: Int64 = 5000
    /// How often a forwarder with nothing to send looks at the log's durable watermark.
    static let pollSeconds = 0.01

    /// Under `--ack-after replicated`: told how far the stream acknowledged, and what wakes an idle session.
    private let replication: ReplicationWatermarks?

    init(repository: String, target: Forwarder, log: RepositoryLog, dataDirectory: String, gateway: String, logger: Logger,
         replication: ReplicationWatermarks? = nil) {
        self.gateway = gateway
        self.replication = replication
        super.init(repository: repository, target: target, log: log, dataDirectory: dataDirectory, logger: logger)
    }

    typealias Outcome = ForwardOutcome

    /// Under `--ack-after replicated` every answer waits for this forwarder's publishes and their
    /// acknowledgements, so it runs at the event loops' priority: below them it would wait behind the NATS
    /// servers and the very ingest whose answers it holds.
    override var threadNiceness: Int32 { replication == nil ? Self.niceness : 0 }

    /// One connection's worth of forwarding: connect, check the stream, replay from the checkpoint and
    /// follow until stopped or something fails.
    override func session() -> Outcome {
        tracker.reset()
        let client: JetStreamClient
        do throws(JetStreamError) {
            client = try JetStreamClient(target: target, tracker: tracker, maxPending: Self.window * 2)
        } catch {
            return .retry(.backingOff, error.description, reason: "connect")
        }
        defer { client.close() }
        do throws(JetStreamError) {
            try client.checkStream(target.stream ?? "")
        } catch {
            return .retry(error.isStreamMissing ? .streamMissing : .backingOff, error.description, reason: error.isStreamMissing ? "stream_missing" : "stream_info")
        }
        let start: UInt64, reader: WALReader
        switch resume() {
        case .success(let resumed): (start, reader) = resumed
        case .failure(let end): return end
        }
        setState(.forwarding)
        return follow(client, reader: reader, from: start)
    }

    private func follow(_ client: JetStreamClient, reader start: WALReader, from startSequence: UInt64) -> Outcome {
        var reader = start
        var batch = EventBatch()
        /// The ndjson body of the record being sent, at its start; the buffer only grows.
        var lines: [UInt8] = []
        let zstd = target.compression == "zstd" ? ZstdCompressor() : nil
        var compressed: [UInt8] = []
        var progress = CheckpointPacer(checkpoint, from: startSequence)
        var seeded = false
        let subject = target.effectiveSubjectPrefix + repository
        let maxPayload = max(client.maxPayload, ForwardMessageBuilder.headerAllowance + 1024)
        resetLag()

        // Acknowledgements advance the replication watermark from cnats' thread as they arrive, so a parked
        // request is answered without waiting for this thread to wake.
        let (repository, targetName) = (repository, target.name)
        var onAdvance: (@Sendable (UInt64) -> Void)?
        if let replication {
            onAdvance = { end in replication.advance(repository: repository, target: targetName, to: end) }
        }
        tracker.reset(acknowledged: startSequence, onAdvance: onAdvance)
        replication?.advance(repository: repository, target: targetName, to: startSequence)
        replication?.wake(repository: repository, with: tracker)
        defer { replication?.stopWaking(repository: repository, tracker) }

        func drainAndStop(_ outcome: Outcome) -> Outcome {
            client.awaitPending(millis: Self.ackWaitMillis)
            progress.acknowledged = tracker.acknowledged
            _ = progress.write(force: true)
            return outcome
        }

        /// Publishes the record's `body` as one message or several parts; the failure, if any.
        func publish(_ header: WALRecordHeader, _ body: UnsafeRawBufferPointer, contentEncoding: String?) -> JetStreamError? {
            let messages = ForwardMessageBuilder.messages(gateway: gateway, repository: repository, header: header,
                                                          format: target.format, body: body, maxPayload: maxPayload,
                                                          contentEncoding: contentEncoding)
            for (index, message) in messages.enumerated() {
                tracker.willPublish(id: message.id, recordEnd: index == messages.count - 1 ? header.nextSequence : nil)
                do throws(JetStreamError) {
                    try client.publishAsync(subject: subject, message: message, body: UnsafeRawBufferPointer(rebasing: body[message.body]),
                                            ackWaitMillis: Self.ackWaitMillis)
                } catch {
                    return error
                }
            }
            metrics.records.add(1, ordering: .relaxed)
            metrics.bytes.add(body.count, ordering: .relaxed)
            return nil
        }

        while true {
            if isStopped { return drainAndStop(.stopped) }
            // Taken before looking at the log: a request parking or an answer after this wakes the wait below.
            let seen = tracker.observe()
            progress.acknowledged = tracker.acknowledged
            if let failure = tracker.firstFailure { return drainAndStop(.retry(.backingOff, failure, reason: "publish")) }
            if let failed = progress.write(force: false) { return drainAndStop(failed) }
            let durable = log.durableNextSequence
            noteLag(durable: durable, acknowledged: progress.acknowledged)
            let inFlight = tracker.inFlight
            if inFlight >= Self.window {
                tracker.wait(seconds: 0.05, unchangedSince: seen, wakeOnAnswers: true)
                continue
            }
            batch.removeAll()
            switch reader.nextRecord(upTo: durable) {
            case .endOfLog:
                if inFlight == 0 {
                    if let failed = progress.write(force: true) { return drainAndStop(failed) }
                    if !client.isConnected { return drainAndStop(.retry(.backingOff, "disconnected", reason: "disconnected")) }
                }
                // New durable records are noticed at the next poll; under `--ack-after replicated` a request
                // parking on them wakes this at once. Answers do not: they move the replication watermark
                // from cnats' thread, and the checkpoint and lag gauges take them at the next poll.
                tracker.wait(seconds: Self.pollSeconds, unchangedSince: seen, wakeOnAnswers: false)
            case .corruption(let segment, let offset, let reason):
                skipDamaged(segment: segment, offset: offset, reason: reason)
            case .record(let header, _):
                if target.format == .ndjson || !seeded, let failure = reader.decodeRecord(header, into: &batch) {
                    skipUndecodable(failure)
                    continue
                }
                if !seeded {
                    noteFirstRecord(batch, recordEnd: header.nextSequence)
                    seeded = true
                }
                let failure: JetStreamError?
                if target.compression == nil {
                    if target.format == .ndjson {
                        let count = ForwardMessageBuilder.ndjson(batch, into: &lines)
                        failure = lines.withUnsafeBytes { publish(header, UnsafeRawBufferPointer(rebasing: $0[0..<count]), contentEncoding: nil) }
                    } else {
                        failure = reader.withRecordBytes { publish(header, $0, contentEncoding: nil) }
                    }
                } else {
                    var body: [UInt8]
                    if target.format == .ndjson {
                        let count = ForwardMessageBuilder.ndjson(batch, into: &lines)
                        body = Array(lines[0..<count])
                    } else {
                        body = reader.withRecordBytes { Array($0) }
                    }
                    if target.compression == "gzip" {
                        do throws(BenchError) {
                            body = try GzipCompressor.compress(body)
                        } catch {
                            return drainAndStop(.retry(.backingOff, "gzip: \(error)", reason: "compress"))
                        }
                    } else if let zstd {
                        if let failure = zstd.compress(body, into: &compressed) {
                            return drainAndStop(.retry(.backingOff, "zstd: \(failure)", reason: "compress"))
                        }
                        swap(&body, &compressed)
                    }
                    failure = body.withUnsafeBytes { publish(header, $0, contentEncoding: target.compression) }
                }
                if let failure { return drainAndStop(.retry(.backingOff, failure.description, reason: "publish")) }
            }
        }
    }
}
