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
    private var options: OpaquePointer?
    private var connection: OpaquePointer?
    private var context: OpaquePointer?
    let tracker: AckTracker
    /// The server's `max_payload`.
    let maxPayload: Int

    init(target: Forwarder, tracker: AckTracker, maxPending: Int = 1024) throws(JetStreamError) {
        self.tracker = tracker
        var options: OpaquePointer?
        var status = natsOptions_Create(&options)
        guard status == NATS_OK else { throw JetStreamError("natsOptions_Create", status) }
        var connection: OpaquePointer?
        var context: OpaquePointer?
        func fail(_ error: JetStreamError) -> JetStreamError {
            if let context { jsCtx_Destroy(context) }
            if let connection { natsConnection_Destroy(connection) }
            natsOptions_Destroy(options)
            return error
        }
        let servers = target.servers.map { strdup($0) }
        defer { servers.forEach { free($0) } }
        var serverPointers = servers.map { UnsafePointer<CChar>($0) }
        status = serverPointers.withUnsafeMutableBufferPointer { natsOptions_SetServers(options, $0.baseAddress, Int32($0.count)) }
        guard status == NATS_OK else { throw fail(JetStreamError("natsOptions_SetServers", status)) }
        _ = natsOptions_SetAllowReconnect(options, true)
        _ = natsOptions_SetMaxReconnect(options, -1)
        _ = natsOptions_SetReconnectWait(options, 250)
        _ = natsOptions_SetTimeout(options, 5000)
        if let user = target.user, let password = target.password { _ = natsOptions_SetUserInfo(options, user, password) }
        if let token = target.token { _ = natsOptions_SetToken(options, token) }
        if let creds = target.credsFile { _ = natsOptions_SetUserCredentialsFromFiles(options, creds, nil) }
        if let ca = target.tlsCA {
            _ = natsOptions_SetSecure(options, true)
            status = natsOptions_LoadCATrustedCertificates(options, ca)
            guard status == NATS_OK else { throw fail(JetStreamError("loading the TLS CA \(ca)", status)) }
        }
        status = natsConnection_Connect(&connection, options)
        guard status == NATS_OK else { throw fail(JetStreamError("connecting to \(target.servers.joined(separator: ","))", status)) }
        var jsOptions = CNATS.jsOptions()
        _ = jsOptions_Init(&jsOptions)
        jsOptions.PublishAsync.MaxPending = Int64(maxPending)
        jsOptions.PublishAsync.AckHandler = publishAnswered
        jsOptions.PublishAsync.AckHandlerClosure = Unmanaged.passUnretained(tracker).toOpaque()
        jsOptions.Wait = 5000
        status = natsConnection_JetStream(&context, connection, &jsOptions)
        guard status == NATS_OK else { throw fail(JetStreamError("natsConnection_JetStream", status)) }
        maxPayload = Int(natsConnection_GetMaxPayload(connection))
        self.options = options
        self.connection = connection
        self.context = context
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

    var isConnected: Bool { connection.map { natsConnection_Status($0) == NATS_CONN_STATUS_CONNECTED } ?? false }

    func close() {
        if let context { jsCtx_Destroy(context) }
        context = nil
        if let connection {
            natsConnection_Close(connection)
            natsConnection_Destroy(connection)
        }
        connection = nil
        if let options { natsOptions_Destroy(options) }
        options = nil
    }

    deinit { close() }
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
