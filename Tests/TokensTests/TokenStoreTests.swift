import Logging
import Synchronization
import Testing
@testable import Tokens

/// Records every log line so tests can count and read them.
final class RecordingLog: Sendable {
    struct Line: Sendable {
        let level: Logger.Level
        let message: String
        let metadata: [String: String]
    }

    let lines = Mutex<[Line]>([])

    var logger: Logger { Logger(label: "test") { _ in Handler(log: self) } }

    struct Handler: LogHandler {
        let log: RecordingLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let line = Line(level: event.level, message: "\(event.message)",
                            metadata: (event.metadata ?? [:]).mapValues { "\($0)" })
            log.lines.withLock { $0.append(line) }
        }
    }

    var errors: [Line] { lines.withLock { $0.filter { $0.level == .error } } }
}

@Suite struct TokenStoreTests {
    @Test func editTakesEffectBeforeItReturns() throws {
        let directory = TemporaryDirectory()
        _ = try Fixture.writeSnapshot(Fixture.snapshot(), in: directory)
        let store = try TokenStore(dataDirectory: directory.path, logger: RecordingLog().logger)
        #expect(store.lookup(Fixture.tokenA)?.metricLabel == "web/default")
        #expect(store.lookup(Fixture.tokenA)?.parser?.name == "json")
        #expect(store.lookup(Fixture.tokenB)?.kind == .ingestToken(repository: "web"))
        #expect(store.lookup("org1~secret")?.kind == .organizationToken(organization: "default"))
        #expect(store.lookup("org1~secret")?.canIngest == true)
        #expect(store.cache.count == 4)

        let added = try store.edit { (snapshot) throws(TokenError) in
            try snapshot.addIngestToken(repository: "sandbox", name: "new", parser: "mine")
        }
        #expect(store.lookup(added)?.metricLabel == "sandbox/new")
        #expect(store.lookup(added)?.parser?.name == "mine")

        try store.edit { (snapshot) throws(TokenError) in try snapshot.removeIngestToken(repository: "web", name: "default") }
        #expect(store.lookup(Fixture.tokenA) == nil)
        #expect(store.snapshot.ingestTokens(in: "web").map(\.name) == ["hashed"])
        #expect(store.reloadsTotal == 2 && store.reloadFailuresTotal == 0)
    }

    @Test func invalidSnapshotKeepsTheOldSetLogsOneLineAndCounts() throws {
        let directory = TemporaryDirectory()
        _ = try Fixture.writeSnapshot(Fixture.snapshot(), in: directory)
        let log = RecordingLog()
        let store = try TokenStore(dataDirectory: directory.path, logger: log.logger)

        var broken = Fixture.snapshot()
        broken.ingestTokens[0].repository = "missing"
        _ = directory.write("tokens.json", String(decoding: SnapshotFile.encode(broken), as: UTF8.self))
        #expect(store.reload() == false)
        #expect(store.lookup(Fixture.tokenA)?.metricLabel == "web/default")
        #expect(store.reloadFailuresTotal == 1 && store.reloadsTotal == 0)
        let errors = log.errors
        #expect(errors.count == 1)
        #expect(errors.first?.metadata["file"] == directory.path + "/tokens.json")
        #expect(errors.first?.metadata["path"] == "$.ingestTokens[0].repository")
        #expect(errors.first?.metadata["reason"] == "unknown repository 'missing'")

        _ = directory.write("tokens.json", "{not json")
        #expect(store.reload() == false)
        #expect(store.reloadFailuresTotal == 2 && log.errors.count == 2)

        _ = directory.write("tokens.json", String(decoding: SnapshotFile.encode(Fixture.snapshot()), as: UTF8.self))
        #expect(store.reload() == true)
        #expect(store.reloadsTotal == 1)
        #expect(store.metricsText().contains("sluice_token_reloads_total 1\n"))
        #expect(store.metricsText().contains("sluice_token_reload_failures_total 2\n"))
        #expect(store.metricsText().contains("# TYPE sluice_tokens gauge\nsluice_tokens 4\n"))
    }

    @Test func repositoriesResolveForTheScopeCheck() throws {
        let directory = TemporaryDirectory()
        _ = try Fixture.writeSnapshot(Fixture.snapshot(), in: directory)
        let store = try TokenStore(dataDirectory: directory.path, logger: RecordingLog().logger)
        let principal = store.lookup("org1~secret")
        #expect(decideIngest(principal: principal, eventRepository: "web", store: store) == .accept(repository: "web"))
        #expect(decideIngest(principal: principal, eventRepository: "elsewhere", store: store)
            != .accept(repository: "elsewhere"))
        #expect(store.repository(named: "sandbox")?.kind == .sandbox)
        #expect(store.repository(named: "nope") == nil)
    }

    @Test func startRefusesAMissingOrInvalidSnapshot() {
        let directory = TemporaryDirectory()
        #expect(throws: TokenError.self) { _ = try TokenStore(dataDirectory: directory.path, logger: RecordingLog().logger) }
    }

    /// 100 000 ingest tokens through the whole path: file, decode, validate, principals, cache.
    @Test func hundredThousandTokenSnapshotLoads() throws {
        let directory = TemporaryDirectory()
        var snapshot = Fixture.snapshot()
        for i in 0..<100_000 {
            // Distinct 43-character base62 tokens, built cheaply (random generation is slow in debug builds).
            let digits = String(i)
            let token = "T" + String(repeating: "0", count: 42 - digits.count) + digits
            snapshot.ingestTokens.append(IngestToken(name: "t\(i)", repository: "web", token: token))
        }
        _ = try Fixture.writeSnapshot(snapshot, in: directory)
        let store = try TokenStore(dataDirectory: directory.path, logger: RecordingLog().logger)
        #expect(store.cache.count == 100_004)
        let last = try #require(snapshot.ingestTokens.last?.token)
        #expect(store.lookup(last)?.metricLabel == "web/t99999")
    }
}
