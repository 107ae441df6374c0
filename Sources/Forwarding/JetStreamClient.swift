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

/// Acknowledgements of asynchronous publishes, recorded by cnats' callback thread and taken by the
/// forwarder's own thread.
final class AckTracker: @unchecked Sendable {
    private let condition = NSCondition()
    private var acked = Set<String>()
    private var failure: String?

    func record(id: String, error: String?) {
        condition.lock()
        if let error { failure = failure ?? error } else { acked.insert(id) }
        condition.broadcast()
        condition.unlock()
    }

    /// Whether `id` was acknowledged (forgetting it if so).
    func take(_ id: String) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return acked.remove(id) != nil
    }

    var firstFailure: String? {
        condition.lock()
        defer { condition.unlock() }
        return failure
    }

    func reset() {
        condition.lock()
        acked.removeAll()
        failure = nil
        condition.unlock()
    }

    /// Waits until an acknowledgement arrives or `seconds` pass.
    func wait(seconds: Double) {
        condition.lock()
        if acked.isEmpty && failure == nil { _ = condition.wait(until: Date().addingTimeInterval(seconds)) }
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
