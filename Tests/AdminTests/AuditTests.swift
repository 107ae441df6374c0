import Admin
import Foundation
import Logging
import WAL
import EventModel
import Testing
import Tokens

/// Every mutation, applied or refused, leaves one audit event naming the actor, never a token value.
@Suite struct AuditTests {
    @Test func appliedAndRefusedMutationsAreRecorded() async throws {
        let harness = try AdminHarness()
        let added = try await harness.run(#"mutation { addIngestTokenV3(input: {repositoryName: "web", name: "audited"}) { token } }"#, as: .manager)
        let token = try #require(added.value("addIngestTokenV3", "token") as? String)
        _ = try await harness.run(#"mutation { removeIngestToken(repositoryName: "web", name: "audited") { result } }"#, as: .plainUser)
        _ = try await harness.run(#"mutation { removeIngestToken(repositoryName: "web", name: "audited") { result } }"#, as: .orgManager)
        _ = try await harness.run(#"{ repository(name: "web") { ingestTokens { name } } }"#)

        let events = harness.audit.recorded
        #expect(events == [
            AuditEvent(actor: "alice", actorKind: "user", operation: "addIngestTokenV3", repository: "web", tokenName: "audited",
                       result: .success, error: nil),
            AuditEvent(actor: "bob", actorKind: "user", operation: "removeIngestToken", repository: "web", tokenName: "audited",
                       result: .refused, error: AdminMessages.changeIngestTokens),
            AuditEvent(actor: "ops", actorKind: "organizationToken", operation: "removeIngestToken", repository: "web",
                       tokenName: "audited", result: .success, error: nil),
        ])
        #expect(!events.contains { $0.jsonLine.contains(token) })
    }

    @Test func walBatchCarriesEveryField() throws {
        let event = AuditEvent(actor: "admin", actorKind: "user", operation: "enableFeature", repository: nil, tokenName: nil,
                               result: .refused, error: "say \"no\"")
        let batch = WALAuditSink.batch(for: event, nowMillis: 1_700_000_000_000)
        #expect(batch.count == 1)
        let raw = String(decoding: batch.bytes(batch.events[0].rawstring), as: UTF8.self)
        #expect(raw == #"{"actor":"admin","actorKind":"user","operation":"enableFeature","result":"refused","error":"say \"no\""}"#)
        let fields = batch.fields(of: 0).map {
            (String(decoding: batch.bytes($0.name), as: UTF8.self), String(decoding: batch.bytes($0.value), as: UTF8.self))
        }
        #expect(fields.map(\.0) == ["actor", "actorKind", "operation", "result", "error"])
        #expect(fields.last?.1 == "say \"no\"")
        #expect(batch.events[0].timestampMillis == 1_700_000_000_000)
    }

    @Test func walSinkStoresTheEventBeforeReturning() async throws {
        let harness = try AdminHarness()
        let wal = try WALStore(options: WALOptions(dataDirectory: harness.path), logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        defer { wal.shutdown() }
        let sink = WALAuditSink(wal: wal, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let event = AuditEvent(actor: "admin", actorKind: "user", operation: "removeIngestToken", repository: "web", tokenName: "old",
                               result: .success, error: nil)
        await sink.record(event)

        var reader = try WALReader(dataDirectory: harness.path, repository: WALAuditSink.repository)
        var batch = EventBatch()
        guard case .record = reader.next(into: &batch) else {
            Issue.record("no audit record in the WAL")
            return
        }
        #expect(batch.count == 1)
        #expect(String(decoding: batch.bytes(batch.events[0].rawstring), as: UTF8.self) == event.jsonLine)
    }
}
