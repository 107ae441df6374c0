import CNATS
import Foundation
import Synchronization
import Tokens

/// A failed cnats call: the status text and, for JetStream API errors, the server's error code.
public struct JetStreamError: Error, Sendable, CustomStringConvertible {
    public var operation: String
    public var status: String
    public var code: Int
    /// JetStream's "stream not found".
    public var isStreamMissing: Bool { code == 10059 }
    public var description: String { "\(operation): \(status)" + (code != 0 ? " (JetStream error \(code))" : "") }

    init(_ operation: String, _ status: natsStatus, code: jsErrCode = jsErrCode(rawValue: 0)) {
        self.operation = operation
        self.status = String(cString: natsStatus_GetText(status))
        self.code = Int(code.rawValue)
    }
}

/// The publishes of one session in flight, in the order they were sent, and how far their acknowledgements
/// reach: cnats' callback thread records each answer, moves ``acknowledged`` past every record whose parts
/// are all acknowledged in order, and hands that at once to ``onAdvance`` (the replication watermark, which
/// releases the requests waiting on it from that thread); the forwarder's thread sends, reads the progress
/// for its checkpoint and sleeps in ``wait(seconds:unchangedSince:wakeOnAnswers:)`` until something it
/// waits for happens. An answer wakes only a wait that asked for answers (a full window): a forwarder
/// waiting for new records would otherwise wake once per acknowledgement with nothing to do.
final class AckTracker: @unchecked Sendable {
    private struct Sent {
        var id: String
        /// Set on a record's last part: the sequence after the record.
        var recordEnd: UInt64?
    }

    private let condition = NSCondition()
    private var sent: [Sent] = []
    private var head = 0
    /// Answers that arrived ahead of an earlier publish's (rare: JetStream answers one connection in order).
    private var early = Set<String>()
    private var failure: String?
    private var acknowledgedEnd: UInt64 = 0
    /// Counts every failure and ``poke()``: a waiter sleeps only while it is unchanged.
    private var generation: UInt64 = 0
    /// Counts every answer: a waiter for answers sleeps only while it is unchanged too.
    private var answers: UInt64 = 0
    /// Waits in progress that an answer ends.
    private var answerWaiters = 0
    /// Set from a ``poke()`` until the forwarder takes it, so a burst of pokes wakes it once.
    private let poked = Atomic<Bool>(false)
    /// Told (outside the lock, on the answering thread) each time ``acknowledged`` moves.
    private var onAdvance: (@Sendable (UInt64) -> Void)?

    /// Starts a session: nothing in flight, everything before `acknowledged` known to be acknowledged.
    func reset(acknowledged: UInt64 = 0, onAdvance: (@Sendable (UInt64) -> Void)? = nil) {
        condition.lock()
        sent.removeAll()
        head = 0
        early.removeAll()
        failure = nil
        acknowledgedEnd = acknowledged
        self.onAdvance = onAdvance
        condition.unlock()
    }

    /// Notes a publish about to be sent (before it is, so its answer always finds it).
    func willPublish(id: String, recordEnd: UInt64?) {
        condition.lock()
        sent.append(Sent(id: id, recordEnd: recordEnd))
        condition.unlock()
    }

    /// An answer from cnats' thread: `error` for a refused or timed-out publish.
    func record(id: String, error: String?) {
        condition.lock()
        let before = acknowledgedEnd
        if let error {
            failure = failure ?? error
        } else if head < sent.count, sent[head].id == id {
            take()
            while head < sent.count, !early.isEmpty, early.remove(sent[head].id) != nil { take() }
        } else {
            early.insert(id)
        }
        if head == sent.count || head > 4096 {
            sent.removeFirst(head)
            head = 0
        }
        answers &+= 1
        if error != nil { generation &+= 1 }
        let moved = acknowledgedEnd != before ? acknowledgedEnd : nil
        let tell = onAdvance
        if error != nil || answerWaiters > 0 { condition.broadcast() }
        condition.unlock()
        if let moved, let tell { tell(moved) }
    }

    private func take() {
        if let end = sent[head].recordEnd { acknowledgedEnd = end }
        head += 1
    }

    /// The sequence after the last record whose every part (and every earlier one) was acknowledged.
    var acknowledged: UInt64 {
        condition.lock()
        defer { condition.unlock() }
        return acknowledgedEnd
    }

    /// Publishes sent and not yet answered.
    var inFlight: Int {
        condition.lock()
        defer { condition.unlock() }
        return sent.count - head
    }

    var firstFailure: String? {
        condition.lock()
        defer { condition.unlock() }
        return failure
    }

    /// Wakes a ``wait(seconds:unchangedSince:wakeOnAnswers:)``: new records are there to send (a request parked on them).
    func poke() {
        guard !poked.exchange(true, ordering: .acquiringAndReleasing) else { return }
        condition.lock()
        generation &+= 1
        condition.broadcast()
        condition.unlock()
    }

    /// What a wait compares with: pokes and failures, and answers.
    struct Observation: Equatable {
        var generation: UInt64
        var answers: UInt64
    }

    /// Takes the pending poke and returns what to wait on: anything after this call (an answer, a failure,
    /// a poke) changes it. Call before looking at the log, so no poke is lost in between.
    func observe() -> Observation {
        poked.store(false, ordering: .releasing)
        condition.lock()
        defer { condition.unlock() }
        return Observation(generation: generation, answers: answers)
    }

    /// Waits until a poke or a failure came since ``observe()`` returned `seen` (or, with `wakeOnAnswers`,
    /// an answer), or `seconds` pass.
    func wait(seconds: Double, unchangedSince seen: Observation, wakeOnAnswers: Bool) {
        condition.lock()
        if wakeOnAnswers { answerWaiters += 1 }
        if generation == seen.generation && (!wakeOnAnswers || answers == seen.answers) {
            _ = condition.wait(until: Date().addingTimeInterval(seconds))
        }
        if wakeOnAnswers { answerWaiters -= 1 }
        condition.unlock()
    }
}

/// cnats calls this for every asynchronous publish's answer (on its own thread).
private let publishAnswered: jsPubAckHandler = { _, msg, _, pae, closure in
    defer { natsMsg_Destroy(msg) }
    guard let closure, let msg else { return }
    let tracker = Unmanaged<AckTracker>.fromOpaque(closure).takeUnretainedValue()
    var value: UnsafePointer<CChar>?
    _ = natsMsgHeader_Get(msg, "Nats-Msg-Id", &value)
    let id = value.map { String(cString: $0) } ?? ""
    if let pae {
        let text = pae.pointee.ErrText.map { String(cString: $0) } ?? String(cString: natsStatus_GetText(pae.pointee.Err))
        tracker.record(id: id, error: text.isEmpty ? "publish failed" : text)
    } else {
        tracker.record(id: id, error: nil)
    }
}

/// One connection to a NATS server set with a JetStream context whose asynchronous publishes report to an
/// ``AckTracker``. Used by one thread at a time; cnats reconnects on its own after a server loss.
final class JetStreamClient: @unchecked Sendable {
    private let session: NATSSession
    private var context: OpaquePointer? { session.context }
    let tracker: AckTracker
    /// The server's `max_payload`.
    let maxPayload: Int

    init(target: Forwarder, tracker: AckTracker, maxPending: Int = 1024) throws(JetStreamError) {
        self.tracker = tracker
        session = try NATSSession(servers: target.servers, timeoutMillis: 5000, configure: { (options) throws(JetStreamError) in
            try NATSCredentials(target).apply(to: options)
        }, jetStream: { js in
            js.PublishAsync.MaxPending = Int64(maxPending)
            js.PublishAsync.AckHandler = publishAnswered
            js.PublishAsync.AckHandlerClosure = Unmanaged.passUnretained(tracker).toOpaque()
        })
        maxPayload = Int(natsConnection_GetMaxPayload(session.connection))
    }

    /// Throws when `stream` does not exist (``JetStreamError/isStreamMissing``) or cannot be asked about.
    func checkStream(_ stream: String) throws(JetStreamError) {
        var info: UnsafeMutablePointer<jsStreamInfo>?
        var code = jsErrCode(rawValue: 0)
        let status = js_GetStreamInfo(&info, context, stream, nil, &code)
        if let info { jsStreamInfo_Destroy(info) }
        if status == NATS_NOT_FOUND { throw JetStreamError("stream \(stream)", status, code: jsErrCode(rawValue: 10059)) }
        guard status == NATS_OK else { throw JetStreamError("stream \(stream)", status, code: code) }
    }

    /// Creates `stream` on subjects `<prefix>>` in file storage with `replicas` copies and a duplicate window.
    func createStream(_ stream: String, subjectPrefix: String, replicas: Int, duplicateWindowSeconds: Double) throws(JetStreamError) {
        var config = jsStreamConfig()
        _ = jsStreamConfig_Init(&config)
        let name = strdup(stream)
        let subject = strdup(subjectPrefix + ">")
        defer { free(name); free(subject) }
        var subjects: [UnsafePointer<CChar>?] = [UnsafePointer(subject)]
        var info: UnsafeMutablePointer<jsStreamInfo>?
        var code = jsErrCode(rawValue: 0)
        let status: natsStatus = subjects.withUnsafeMutableBufferPointer { list in
            config.Name = UnsafePointer(name)
            config.Subjects = list.baseAddress
            config.SubjectsLen = 1
            config.Storage = js_FileStorage
            config.Replicas = Int64(replicas)
            config.Duplicates = Int64(duplicateWindowSeconds * 1e9)
            return js_AddStream(&info, context, &config, nil, &code)
        }
        if let info { jsStreamInfo_Destroy(info) }
        guard status == NATS_OK else { throw JetStreamError("creating stream \(stream)", status, code: code) }
    }

    /// Publishes `body` (copied once, into cnats' message) without waiting; the answer reaches the tracker.
    /// Blocks while too many are in flight.
    func publishAsync(subject: String, message: ForwardMessage, body: UnsafeRawBufferPointer, ackWaitMillis: Int64) throws(JetStreamError) {
        var msg: OpaquePointer?
        var status = natsMsg_Create(&msg, subject, nil, body.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(body.count))
        guard status == NATS_OK else { throw JetStreamError("natsMsg_Create", status) }
        defer { natsMsg_Destroy(msg) }
        _ = natsMsgHeader_Set(msg, "Nats-Msg-Id", message.id)
        for header in message.headers { _ = natsMsgHeader_Set(msg, header.name, header.value) }
        var publish = jsPubOptions()
        _ = jsPubOptions_Init(&publish)
        publish.MaxWait = ackWaitMillis
        status = js_PublishMsgAsync(context, &msg, &publish)
        guard status == NATS_OK else { throw JetStreamError("publish", status) }
    }

    /// Waits (up to `millis`) for every publish in flight to be answered.
    func awaitPending(millis: Int64) {
        var publish = jsPubOptions()
        _ = jsPubOptions_Init(&publish)
        publish.MaxWait = millis
        _ = js_PublishAsyncComplete(context, &publish)
    }

    var isConnected: Bool { session.isConnected }

    func close() { session.close() }
}

/// Stream management for the command line (`sluice forwarders create-stream`).
public enum JetStreamAdmin {
    /// Creates the target's stream on subjects `<subjectPrefix>>` with `replicas` copies and a duplicate
    /// window of `duplicateWindowSeconds` (it must cover the longest replay: an outage plus a restart).
    public static func createStream(_ target: Forwarder, replicas: Int, duplicateWindowSeconds: Double) throws(JetStreamError) {
        let client = try JetStreamClient(target: target, tracker: AckTracker())
        defer { client.close() }
        try client.createStream(target.stream ?? "", subjectPrefix: target.effectiveSubjectPrefix, replicas: replicas,
                                duplicateWindowSeconds: duplicateWindowSeconds)
    }
}
