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
    /// Least time between two checkpoint writes while records flow (each is an fsync).

    /// Under `--ack-after replicated`: told how far the stream acknowledged, and what wakes an idle session.
    private let replication: ReplicationWatermarks?

    init(repository: String, target: Forwarder, log: RepositoryLog, dataDirectory: String, gateway: String, logger: Logger,
         replication: ReplicationWatermarks? = nil) {
        self.gateway = gateway
        self.replication = replication
        super.init(repository: repository, target: target, log: log, dataDirectory: dataDirectory, logger: logger)
    }

    typealias Outcome = ForwardOutcome

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

    private struct InFlight {
        var id: String
        /// Set on a record's last part: the sequence after the record.
        var recordEnd: UInt64?
    }

    private func follow(_ client: JetStreamClient, reader start: WALReader, from startSequence: UInt64) -> Outcome {
        var reader = start
        var batch = EventBatch()
        /// The ndjson body of the record being sent, at its start; the buffer only grows.
        var lines: [UInt8] = []
        let zstd = target.compression == "zstd" ? ZstdCompressor() : nil
        var compressed: [UInt8] = []
        var inFlight: [InFlight] = []
        var head = 0
        var progress = CheckpointPacer(checkpoint, from: startSequence)
        var seeded = false
        let subject = target.effectiveSubjectPrefix + repository
        let maxPayload = max(client.maxPayload, ForwardMessageBuilder.headerAllowance + 1024)
        resetLag()

        replication?.advance(repository: repository, target: target.name, to: startSequence)
        func takeAcks() {
            let before = progress.acknowledged
            while head < inFlight.count, tracker.take(inFlight[head].id) {
                if let end = inFlight[head].recordEnd { progress.acknowledged = end }
                head += 1
            }
            if progress.acknowledged != before {
                replication?.advance(repository: repository, target: target.name, to: progress.acknowledged)
            }
            if head > 4096 || head == inFlight.count {
                inFlight.removeFirst(head)
                head = 0
            }
        }

        func drainAndStop(_ outcome: Outcome) -> Outcome {
            client.awaitPending(millis: Self.ackWaitMillis)
            takeAcks()
            _ = progress.write(force: true)
            return outcome
        }

        /// Publishes the record's `body` as one message or several parts; the failure, if any.
        func publish(_ header: WALRecordHeader, _ body: UnsafeRawBufferPointer, contentEncoding: String?) -> JetStreamError? {
            let messages = ForwardMessageBuilder.messages(gateway: gateway, repository: repository, header: header,
                                                          format: target.format, body: body, maxPayload: maxPayload,
                                                          contentEncoding: contentEncoding)
            for (index, message) in messages.enumerated() {
                do throws(JetStreamError) {
                    try client.publishAsync(subject: subject, message: message, body: UnsafeRawBufferPointer(rebasing: body[message.body]),
                                            ackWaitMillis: Self.ackWaitMillis)
                } catch {
                    return error
                }
                inFlight.append(InFlight(id: message.id, recordEnd: index == messages.count - 1 ? header.nextSequence : nil))
            }
            metrics.records.add(1, ordering: .relaxed)
            metrics.bytes.add(body.count, ordering: .relaxed)
            return nil
        }

        while true {
            if isStopped { return drainAndStop(.stopped) }
            takeAcks()
            if let failure = tracker.firstFailure { return drainAndStop(.retry(.backingOff, failure, reason: "publish")) }
            if let failed = progress.write(force: false) { return drainAndStop(failed) }
            let durable = log.durableNextSequence
            noteLag(durable: durable, acknowledged: progress.acknowledged)
            if inFlight.count - head >= Self.window {
                tracker.wait(seconds: 0.05)
                continue
            }
            batch.removeAll()
            switch reader.nextRecord(upTo: durable) {
            case .endOfLog:
                if head == inFlight.count {
                    if let failed = progress.write(force: true) { return drainAndStop(failed) }
                    if !client.isConnected { return drainAndStop(.retry(.backingOff, "disconnected", reason: "disconnected")) }
                    if let replication {
                        replication.waitForWork(repository: repository, seconds: 0.01)
                    } else {
                        usleep(10_000)
                    }
                } else {
                    tracker.wait(seconds: 0.01)
                }
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
