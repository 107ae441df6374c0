import CNATS
import Foundation

/// `nats://HOST:PORT[,HOST:PORT…]/BUCKET`: the servers and the key-value bucket of a shared snapshot.
/// Credentials never appear in the URL (a command line is visible in `ps`, a URL in logs): ``credentials``
/// comes from options of their own and stays out of ``description``.
public struct SnapshotSourceURL: Sendable, Equatable, CustomStringConvertible {
    public var servers: [String]
    public var bucket: String
    public var credentials = NATSCredentials()

    public init?(_ text: String) {
        let scheme = "nats://"
        guard text.hasPrefix(scheme) else { return nil }
        let rest = text.dropFirst(scheme.count)
        guard let slash = rest.lastIndex(of: "/") else { return nil }
        let hosts = rest[..<slash].split(separator: ",", omittingEmptySubsequences: false)
        bucket = String(rest[rest.index(after: slash)...])
        guard !hosts.isEmpty, hosts.allSatisfy({ !$0.isEmpty && !$0.contains("/") && !$0.contains("@") }), !bucket.isEmpty,
              bucket.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 95 || $0 == 45 })
        else { return nil }
        servers = hosts.map { $0.hasPrefix("nats://") ? String($0) : scheme + $0 }
    }

    public var description: String {
        "nats://" + servers.map { String($0.dropFirst("nats://".count)) }.joined(separator: ",") + "/" + bucket
    }
}

/// A failed key-value call: a ``JetStreamError`` or a compare-and-set that found another revision.
public enum KeyValueError: Error, Sendable, CustomStringConvertible {
    case failed(JetStreamError)
    /// `key` no longer has the revision the write expected: another writer changed it first.
    case conflict(key: String)

    public var description: String {
        switch self {
        case let .failed(error): "\(error)"
        case let .conflict(key): "key \(key) was changed by another writer"
        }
    }
}

/// One connection to a NATS server set and one key-value bucket on it (libnats' `kvStore`). Calls are
/// synchronous; one ``KeyValueWatcher`` may run on a thread of its own beside them.
public final class KeyValueBucket: @unchecked Sendable {
    private let session: NATSSession
    private var context: OpaquePointer? { session.context }
    private var store: OpaquePointer?
    public let url: SnapshotSourceURL

    /// Connects and binds to the bucket; creates it (file storage, history 1, `replicas` copies) when it is
    /// missing and `replicas` is given.
    public init(_ url: SnapshotSourceURL, replicas: Int?, timeoutMillis: Int64 = 5000) throws(KeyValueError) {
        self.url = url
        do throws(JetStreamError) {
            session = try NATSSession(servers: url.servers, timeoutMillis: timeoutMillis, configure: { (options) throws(JetStreamError) in
                try url.credentials.apply(to: options)
            }, jetStream: { js in
                // ``createAll``: a window of publishes in flight, waiting (not failing) while it is full.
                js.PublishAsync.MaxPending = 4096
                js.PublishAsync.StallWait = 60_000
            })
        } catch {
            throw .failed(error)
        }
        defer { if store == nil { close() } }
        var status: natsStatus
        status = js_KeyValue(&store, context, url.bucket)
        if status == NATS_NOT_FOUND, let replicas {
            var config = kvConfig()
            _ = kvConfig_Init(&config)
            let name = strdup(url.bucket)
            defer { free(name) }
            config.Bucket = UnsafePointer(name)
            config.History = 1
            config.StorageType = js_FileStorage
            config.Replicas = Int32(replicas)
            status = js_CreateKeyValue(&store, context, &config)
            if status != NATS_OK { status = js_KeyValue(&store, context, url.bucket) }  // another gateway created it first
        }
        guard status == NATS_OK else { throw .failed(JetStreamError("bucket \(url.bucket)", status)) }
    }

    /// The key's value and revision (value nil for a deletion marker), or nil when the key never existed.
    public func get(_ key: String) throws(KeyValueError) -> (value: [UInt8]?, revision: UInt64)? {
        var entry: OpaquePointer?
        let status = kvStore_Get(&entry, store, key)
        if status == NATS_NOT_FOUND { return nil }
        guard status == NATS_OK, let entry else { throw .failed(JetStreamError("get \(key)", status)) }
        defer { kvEntry_Destroy(entry) }
        return (KeyValueWatcher.value(of: entry), kvEntry_Revision(entry))
    }

    /// Writes `value` if the key still has `expectedRevision` (0: if it does not exist); returns the new revision.
    public func write(_ key: String, _ value: [UInt8], expectedRevision: UInt64) throws(KeyValueError) -> UInt64 {
        var revision: UInt64 = 0
        let status = value.withUnsafeBytes { bytes in
            expectedRevision == 0
                ? kvStore_Create(&revision, store, key, bytes.baseAddress, Int32(bytes.count))
                : kvStore_Update(&revision, store, key, bytes.baseAddress, Int32(bytes.count), expectedRevision)
        }
        guard status == NATS_OK else {
            let text = nats_GetLastError(nil).map { String(cString: $0) } ?? ""
            // JetStream's "wrong last sequence" (10071), or Create finding the key.
            if text.contains("wrong last sequence") || text.contains("10071") {
                throw .conflict(key: key)
            }
            throw .failed(JetStreamError("write \(key)", status))
        }
        return revision
    }

    /// Creates each key of `writes` that does not exist yet, with asynchronous publishes (a window of 4096 in
    /// flight) instead of one round trip each; a key that exists keeps its value. Returns once all are answered.
    public func createAll(_ writes: [(key: String, value: [UInt8])]) throws(KeyValueError) {
        let prefix = "$KV." + url.bucket + "."
        for write in writes {
            var msg: OpaquePointer?
            var status = write.value.withUnsafeBytes { bytes in
                natsMsg_Create(&msg, prefix + write.key, nil, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(bytes.count))
            }
            guard status == NATS_OK else { throw .failed(JetStreamError("natsMsg_Create", status)) }
            defer { natsMsg_Destroy(msg) }
            // kvStore_Create's rule: only when the subject holds nothing yet.
            _ = natsMsgHeader_Set(msg, "Nats-Expected-Last-Subject-Sequence", "0")
            status = js_PublishMsgAsync(context, &msg, nil)
            guard status == NATS_OK else { throw .failed(JetStreamError("create \(write.key)", status)) }
        }
        var options = jsPubOptions()
        _ = jsPubOptions_Init(&options)
        options.MaxWait = 120_000
        let status = js_PublishAsyncComplete(context, &options)
        guard status == NATS_OK else { throw .failed(JetStreamError("creating \(writes.count) keys", status)) }
    }

    /// Watches every key: first the current values, then each change. The server takes longer to create the
    /// watcher's consumer on a bucket of a million keys than a write may wait, and libnats creates it within
    /// the JetStream context's wait, so the watcher binds the bucket through a context of its own.
    public func watchAll(createTimeoutMillis: Int64 = 120_000) throws(KeyValueError) -> KeyValueWatcher {
        var options = jsOptions()
        _ = jsOptions_Init(&options)
        options.Wait = createTimeoutMillis
        var watchContext: OpaquePointer?
        var status = natsConnection_JetStream(&watchContext, session.connection, &options)
        guard status == NATS_OK, let watchContext else { throw .failed(JetStreamError("natsConnection_JetStream", status)) }
        var watchStore: OpaquePointer?
        status = js_KeyValue(&watchStore, watchContext, url.bucket)
        guard status == NATS_OK, let watchStore else {
            jsCtx_Destroy(watchContext)
            throw .failed(JetStreamError("bucket \(url.bucket)", status))
        }
        // Every message of the bucket's stream rather than the last per key: the bucket keeps one value per key
        // (History 1), so the two are the same entries, and the server starts an all-messages consumer at
        // once where a last-per-key one first indexes every key. With a longer history older values come
        // first and the later ones supersede them (``SnapshotMirror`` keeps the newest revision).
        var watchOptions = kvWatchOptions()
        _ = kvWatchOptions_Init(&watchOptions)
        watchOptions.IncludeHistory = true
        var watcher: OpaquePointer?
        status = kvStore_WatchAll(&watcher, watchStore, &watchOptions)
        guard status == NATS_OK, let watcher else {
            kvStore_Destroy(watchStore)
            jsCtx_Destroy(watchContext)
            throw .failed(JetStreamError("watch \(url.bucket)", status))
        }
        return KeyValueWatcher(watcher, store: watchStore, context: watchContext)
    }

    /// Removes `key`'s messages up to and including `revision` from the bucket's stream (a stream purge
    /// filtered on the key's subject, up to sequence `revision + 1`): a deletion stored at `revision` goes,
    /// a value written after it stays, so this never races a writer. Watchers see nothing; a later read
    /// finds the key absent, and a writer creates it anew (revision 0).
    public func purge(_ key: String, upTo revision: UInt64) throws(KeyValueError) {
        var options = jsOptions()
        _ = jsOptions_Init(&options)
        let subject = strdup("$KV." + url.bucket + "." + key)
        defer { free(subject) }
        options.Stream.Purge.Subject = UnsafePointer(subject)
        options.Stream.Purge.Sequence = revision + 1
        var code = jsErrCode(rawValue: 0)
        let status = js_PurgeStream(context, "KV_" + url.bucket, &options, &code)
        guard status == NATS_OK else { throw .failed(JetStreamError("purge \(key)", status, code: code)) }
    }

    public var isConnected: Bool { session.isConnected }

    public func close() {
        if let store { kvStore_Destroy(store) }
        store = nil
        session.close()
    }

    deinit { close() }
}

/// A bucket watcher (`kvWatcher`): ``next(timeoutMillis:)`` from one thread, ``stop()`` from any.
public final class KeyValueWatcher: @unchecked Sendable {
    private let watcher: OpaquePointer

    public enum Event: Sendable {
        /// A key's value (nil: deleted or purged); `pending`: entries the watcher already knows are behind it.
        case entry(key: String, revision: UInt64, value: [UInt8]?, pending: UInt64)
        /// Every value the bucket held when the watch started has been delivered.
        case caughtUp
        case timeout
        case stopped
    }

    /// The watcher's own bucket handle and JetStream context, released after it.
    private let store: OpaquePointer
    private let context: OpaquePointer

    init(_ watcher: OpaquePointer, store: OpaquePointer, context: OpaquePointer) {
        self.watcher = watcher
        self.store = store
        self.context = context
    }

    public func next(timeoutMillis: Int64) -> Event {
        var entry: OpaquePointer?
        let status = kvWatcher_Next(&entry, watcher, timeoutMillis)
        if status == NATS_TIMEOUT { return .timeout }
        guard status == NATS_OK else { return .stopped }
        guard let entry else { return .caughtUp }
        defer { kvEntry_Destroy(entry) }
        return .entry(key: String(cString: kvEntry_Key(entry)), revision: kvEntry_Revision(entry), value: Self.value(of: entry),
                      pending: kvEntry_Delta(entry))
    }

    static func value(of entry: OpaquePointer) -> [UInt8]? {
        guard kvEntry_Operation(entry) == kvOp_Put else { return nil }
        let count = Int(kvEntry_ValueLen(entry))
        guard count > 0, let pointer = kvEntry_Value(entry) else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    public func stop() { _ = kvWatcher_Stop(watcher) }

    deinit {
        kvWatcher_Destroy(watcher)
        kvStore_Destroy(store)
        jsCtx_Destroy(context)
    }
}
