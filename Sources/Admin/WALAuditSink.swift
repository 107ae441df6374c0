#if canImport(Glibc)
import Glibc
#endif
import EventModel
import Logging
import Tokens
import WAL
import POSIX

/// Appends audit events to the `humio-audit` repository's write-ahead log, one event per record, and
/// waits until the record is durable under the WAL's fsync policy. A failed append is logged (without
/// any token value) and does not fail the mutation, which has already taken effect.
public struct WALAuditSink: AuditSink {
    public static let repository = "humio-audit"

    private let wal: WALStore
    private let logger: Logger
    /// The gateway that made the change, named in each event when a fleet shares the snapshot.
    private let gateway: String?

    public init(wal: WALStore, logger: Logger, gateway: String? = nil) {
        self.wal = wal
        self.logger = logger
        self.gateway = gateway
    }

    public func record(_ event: AuditEvent) async {
        var event = event
        if event.gateway == nil { event.gateway = gateway }
        let batch = Self.batch(for: event, nowMillis: WallClock.milliseconds())
        let log: RepositoryLog
        do {
            log = try wal.log(for: Self.repository)
        } catch {
            logger.error("audit event not stored", metadata: ["operation": "\(event.operation)", "error": "\(error)"])
            return
        }
        let failure: WALError? = await withCheckedContinuation { continuation in
            log.append(batch) { result in
                if case let .failure(error) = result { continuation.resume(returning: error) } else { continuation.resume(returning: nil) }
            }
        }
        if let failure {
            logger.error("audit event not stored", metadata: ["operation": "\(event.operation)", "error": "\(failure)"])
        }
    }

    /// One event: the JSON line as raw string, every field as an event field, timestamp now.
    public static func batch(for event: AuditEvent, nowMillis: Int64) -> EventBatch {
        var batch = EventBatch()
        _ = batch.beginEvent(rawstring: batch.store(Array(event.jsonLine.utf8)), ingestMillis: nowMillis)
        batch.setTimestamp(millis: nowMillis)
        for field in event.fields {
            let name = batch.store(Array(field.name.utf8))
            let value = batch.store(Array(field.value.utf8))
            batch.addField(name: name, value: value)
        }
        return batch
    }
}
