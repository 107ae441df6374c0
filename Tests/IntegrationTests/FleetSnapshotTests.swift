import Forwarding
import Foundation
import Logging
import Testing
import Tokens

/// Two real gateways sharing one token snapshot in a key-value bucket of a real `nats-server -js`
/// (docs/fleet.md, "Shared snapshot"): a change made on one serves on the other within a second, writers
/// never overwrite each other, and an invalid change is refused by every gateway while they keep serving.
@Suite(.serialized) struct FleetSnapshotTests {
    let nats: NATSServer
    let source: String
    let a: SluiceProcess
    let b: SluiceProcess
    let root: String
    let sandboxToken: String

    init() throws {
        nats = try NATSServer()
        source = nats.url + "/TOKENS"
        a = try SluiceProcess(arguments: ["--snapshot-source", source])
        try a.waitForLog("shared token snapshot seeded")
        b = try SluiceProcess(arguments: ["--snapshot-source", source])
        let credentials = try a.bootstrapCredentials()
        root = try #require(credentials["apiToken"])
        sandboxToken = try #require(credentials["ingestToken"])
        #expect(!FileManager.default.fileExists(atPath: b.dataDirectory + "/bootstrap-credentials.json"),
                "a gateway joining the fleet serves the fleet's credentials, not credentials of its own")
    }

    /// Seconds until `ingest` through `server` with `token` answers `status` (up to 10 s).
    func secondsUntil(_ server: SluiceProcess, _ token: String, answers status: Int) throws -> Double {
        let start = Date()
        while Date().timeIntervalSince(start) < 10 {
            if try AdminConcurrencyTests.ingest(server.port, token, "line") == status { return Date().timeIntervalSince(start) }
            usleep(5_000)
        }
        throw TestFailure("token never answered \(status) on port \(server.port)")
    }

    @Test func aTokenCreatedOnOneGatewayIngestsThroughTheOtherWithinOneSecond() throws {
        #expect(try AdminConcurrencyTests.ingest(b.port, sandboxToken, "line") == 200, "B serves the seeded set")
        let token = try AdminConcurrencyTests.addToken(a.port, root, "fleet-a")
        #expect(try secondsUntil(b, token, answers: 200) < 1)
        // The audit event names the gateway that made the change.
        let gateway = try String(contentsOfFile: a.dataDirectory + "/gateway-id", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let audit = try SluiceProcess.run(["wal", "cat", "--data", a.dataDirectory, "--repo", "humio-audit"]).stdout
        #expect(audit.contains(#"\"gateway\":\"\#(gateway)\""#) && audit.contains("addIngestToken"), "\(audit)")
        // The command line writes the bucket too.
        let added = try SluiceProcess.run(["tokens", "add", "--source", source, "--repo", "sandbox", "--name", "fleet-cli"])
        #expect(added.status == 0, "\(added.stderr)")
        let cliToken = added.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ").last.map(String.init) ?? ""
        #expect(try secondsUntil(a, cliToken, answers: 200) < 1)
        #expect(try secondsUntil(b, cliToken, answers: 200) < 1)
    }

    @Test func aTokenDeletedOnOneGatewayIsRefusedByTheOtherWithinOneSecond() throws {
        let token = try AdminConcurrencyTests.addToken(a.port, root, "short-lived")
        _ = try secondsUntil(b, token, answers: 200)
        try AdminConcurrencyTests.removeToken(b.port, root, "short-lived")
        #expect(try secondsUntil(a, token, answers: 401) < 1)
        // Each gateway's tokens.json cache follows the bucket.
        let deadline = Date().addingTimeInterval(10)
        while (try? String(contentsOfFile: a.dataDirectory + "/tokens.json", encoding: .utf8))?.contains("short-lived") != false {
            guard Date() < deadline else { throw TestFailure("A's cache still holds the deleted token") }
            usleep(10_000)
        }
    }

    @Test func concurrentWritersConflictAndBothChangesEndUpApplied() throws {
        let url = try #require(SnapshotSourceURL(source))
        let logger = Logger(label: "test")
        let first = FleetSnapshot(url: url, replicas: 1, gateway: "writer-1", logger: logger)
        let second = FleetSnapshot(url: url, replicas: 1, gateway: "writer-2", logger: logger)
        defer { first.shutdown(); second.shutdown() }
        _ = try first.connect()
        _ = try second.connect()
        // The first writer's edit reads the key, then the second writer changes it before the first writes.
        var runs = 0
        try first.edit { (snapshot) throws(TokenError) in
            runs += 1
            if runs == 1 {
                try second.edit { (other) throws(TokenError) in
                    try other.setRepositoryDescription(name: "sandbox", description: "from writer 2")
                }
            }
            _ = try snapshot.setRepositoryLimits(name: "sandbox", limits: IngestLimits(eventsPerSecond: 500), dailyBytes: nil)
        }
        #expect(runs == 2, "the loser re-ran its edit on the newer value")
        #expect(first.conflictsTotal == 1)
        let check = FleetSnapshot(url: url, replicas: 1, gateway: "reader", logger: logger)
        defer { check.shutdown() }
        let stored = try #require(try check.connect()?.repository(named: "sandbox"))
        #expect(stored.description == "from writer 2" && stored.limits?.eventsPerSecond == 500)
        // Both gateways serve both changes.
        for server in [a, b] {
            let deadline = Date().addingTimeInterval(10)
            while true {
                let cache = (try? String(contentsOfFile: server.dataDirectory + "/tokens.json", encoding: .utf8)) ?? ""
                if cache.contains("from writer 2") && cache.contains("\"eventsPerSecond\": 500") { break }
                guard Date() < deadline else { throw TestFailure("gateway on \(server.port) lacks a change: \(cache)") }
                usleep(10_000)
            }
        }
    }

    @Test func anInvalidChangeIsRefusedByBothAndBothKeepServing() throws {
        let url = try #require(SnapshotSourceURL(source))
        let bucket = try KeyValueBucket(url, replicas: nil)
        defer { bucket.close() }
        let orphan = SnapshotElement.ingestToken(IngestToken(name: "orphan", repository: "missing", token: "Q" + String(repeating: "q", count: 42)))
        _ = try bucket.write(orphan.key.text, orphan.encoded(), expectedRevision: 0)
        for server in [a, b] {
            try server.waitForLog("unknown repository 'missing'")
            let metrics = try RawHTTPClient(port: server.port).request("GET", "/metrics", headers: [:], body: []).text
            #expect(metrics.contains("sluice_token_reload_failures_total 1"), "\(metrics)")
            #expect(try AdminConcurrencyTests.ingest(server.port, sandboxToken, "still serving") == 200)
            #expect(try AdminConcurrencyTests.ingest(server.port, "Q" + String(repeating: "q", count: 42), "orphan") == 401)
        }
        // Later changes still apply.
        let token = try AdminConcurrencyTests.addToken(b.port, root, "after-refusal")
        #expect(try secondsUntil(a, token, answers: 200) < 1)
    }
}
