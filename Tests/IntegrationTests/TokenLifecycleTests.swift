import Foundation
import Testing

/// Token expiry, rotation and last use against the real binary: an expiry and the end of a rotation's
/// overlap take effect by the clock alone (no reload after the change that set them), and last uses are
/// shown by `sluice tokens list` and the admin API and survive a restart.
@Suite(.serialized) struct TokenLifecycleTests {
    func ingest(_ server: SluiceProcess, _ token: String) throws -> Int {
        try RawHTTPClient(port: server.port).request("POST", "/api/v1/ingest/raw", headers: ["Authorization": "Bearer \(token)"],
                                                     body: Array("lifecycle test".utf8)).status
    }

    func cli(_ arguments: [String]) throws -> String {
        let result = try SluiceProcess.run(arguments)
        #expect(result.status == 0, "\(arguments): \(result.stderr)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Waits until the wall clock has passed `millis` (epoch milliseconds).
    func waitForClock(pastMillis millis: Int64) {
        while true {
            let remaining = millis - Int64(Date().timeIntervalSince1970 * 1000)
            if remaining < 0 { return }
            usleep(useconds_t(min(remaining + 1, 1_000) * 1000))
        }
    }

    func rows(_ data: String) throws -> [[String: Any]] {
        let text = try cli(["tokens", "list", "--data", data, "--json"])
        return try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] ?? []
    }

    @Test func anExpiredTokenIsRefusedWithoutAReload() throws {
        let server = try SluiceProcess()
        let expiresAt = Int64(Date().timeIntervalSince1970 * 1000) + 2_000
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let token = try cli(["tokens", "add", "--data", server.dataDirectory, "--repo", "sandbox", "--name", "short",
                             "--expires-at", iso.string(from: Date(timeIntervalSince1970: Double(expiresAt) / 1000)), "--reload"])
        try server.waitForLog("tokens=reloaded", occurrences: 1)
        #expect(try ingest(server, token) == 200)
        #expect(try rows(server.dataDirectory).first { $0["name"] as? String == "short" }?["status"] as? String == "active")

        waitForClock(pastMillis: expiresAt)
        #expect(try ingest(server, token) == 401)
        try server.waitForLog("ingest token refused")
        let log = server.logSoFar()
        #expect(log.contains("sandbox/short") && !log.contains(token))
        #expect(log.components(separatedBy: "tokens=reloaded").count == 2, "one reload: the add's")
        #expect(try rows(server.dataDirectory).first { $0["name"] as? String == "short" }?["status"] as? String == "expired")
        let metrics = try RawHTTPClient(port: server.port).request("GET", "/metrics").text
        #expect(metrics.contains("reason=\"expired_token\""))
    }

    @Test func aRotatedTokensOldSecretWorksDuringTheOverlapOnly() throws {
        let server = try SluiceProcess()
        let old = try cli(["tokens", "add", "--data", server.dataDirectory, "--repo", "sandbox", "--name", "shipper", "--reload"])
        try server.waitForLog("tokens=reloaded", occurrences: 1)
        #expect(try ingest(server, old) == 200)
        let rotatedAt = Int64(Date().timeIntervalSince1970 * 1000)
        let new = try cli(["tokens", "rotate", "--data", server.dataDirectory, "--repo", "sandbox", "--name", "shipper",
                           "--overlap", "2s", "--reload"])
        try server.waitForLog("tokens=reloaded", occurrences: 2)
        #expect(new != old && new.count >= 43)
        #expect(try ingest(server, old) == 200)
        #expect(try ingest(server, new) == 200)
        #expect(try rows(server.dataDirectory).first { $0["name"] as? String == "shipper" }?["status"] as? String == "rotating")
        #expect(!(try String(contentsOfFile: server.dataDirectory + "/tokens.json", encoding: .utf8)).contains(old))

        waitForClock(pastMillis: rotatedAt + 2_000 + 1_000)
        #expect(try ingest(server, old) == 401)
        #expect(try ingest(server, new) == 200)
        try server.waitForLog("rotated-out secret")
        #expect(!server.logSoFar().contains(old) && !server.logSoFar().contains(new))
        #expect(server.logSoFar().components(separatedBy: "tokens=reloaded").count == 3)
    }

    /// humiolib, unmodified, moves from the old secret to the new one without a refused request in between.
    @Test func humiolibShipsThroughARotation() throws {
        let server = try SluiceProcess()
        let old = try cli(["tokens", "add", "--data", server.dataDirectory, "--repo", "sandbox", "--name", "humio", "--reload"])
        try server.waitForLog("tokens=reloaded", occurrences: 1)
        let python = try RealClientTests.python()
        let script = RealClientTests.packageRoot.appendingPathComponent("Tests/IntegrationTests/Clients/humiolib_token.py").path
        func send(_ token: String, _ label: String) throws -> Any? {
            let output = try RealClientTests.shell(python, [script, "http://127.0.0.1:\(server.port)", token, label])
            return (try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])?["status"]
        }
        #expect(try send(old, "before") as? Int == 200)
        let rotatedAt = Int64(Date().timeIntervalSince1970 * 1000)
        let new = try cli(["tokens", "rotate", "--data", server.dataDirectory, "--repo", "sandbox", "--name", "humio", "--overlap", "3s", "--reload"])
        try server.waitForLog("tokens=reloaded", occurrences: 2)
        #expect(try send(old, "overlap-old") as? Int == 200)
        #expect(try send(new, "overlap-new") as? Int == 200)
        waitForClock(pastMillis: rotatedAt + 3_000 + 1_000)
        #expect(try send(old, "after-old") as? Int == 401)
        #expect(try send(new, "after-new") as? Int == 200)
        let steps = try StoredEvents.read(dataDirectory: server.dataDirectory, repository: "sandbox").compactMap { $0.fields["step"] }
        #expect(steps == ["before", "overlap-old", "overlap-new", "after-new"])
    }

    @Test func lastUseIsShownAndSurvivesARestart() throws {
        let server = try SluiceProcess()
        let credentials = try server.bootstrapCredentials()
        let token = try #require(credentials["ingestToken"])
        let apiToken = try #require(credentials["apiToken"])
        let before = Int64(Date().timeIntervalSince1970) * 1000
        #expect(try ingest(server, token) == 200)
        #expect(try ingest(server, token) == 200)
        // The admin API shows the last use at once (merged from the loops' slots on demand).
        let live = try graphql(server, apiToken, #"query { repository(name: "sandbox") { ingestTokens { name lastUsed status createdAt } } }"#)
        let liveToken = try #require(((live["data"] as? [String: Any])?["repository"] as? [String: Any])?["ingestTokens"] as? [[String: Any]]).first
        let lastUsed = try #require(liveToken?["lastUsed"] as? Double)
        #expect(Int64(lastUsed) >= before && liveToken?["status"] as? String == "active")

        // Stopping saves it; the CLI and the restarted server show it.
        #expect(server.stop() == 0)
        var info = stat()
        #expect(stat(server.dataDirectory + "/token-usage.json", &info) == 0 && info.st_mode & 0o777 == 0o600)
        let row = try #require(try rows(server.dataDirectory).first { $0["repository"] as? String == "sandbox" && $0["name"] as? String == "default" })
        #expect(row["lastUsed"] as? String != nil)
        let restarted = try SluiceProcess(dataDirectory: server.dataDirectory)
        let after = try graphql(restarted, apiToken, #"query { repository(name: "sandbox") { ingestTokens { name lastUsed } } }"#)
        let kept = ((after["data"] as? [String: Any])?["repository"] as? [String: Any])?["ingestTokens"] as? [[String: Any]]
        #expect(kept?.first?["lastUsed"] as? Double == lastUsed)

        // Rotation through the admin API: both secrets work during the overlap, the status says so.
        let rotated = try graphql(restarted, apiToken,
                                  #"mutation { rotateIngestToken(input: {repositoryName: "sandbox", name: "default", overlapSeconds: 60}) { name token status previousTokenExpireAt } }"#)
        let answer = try #require((rotated["data"] as? [String: Any])?["rotateIngestToken"] as? [String: Any], "\(rotated)")
        let fresh = try #require(answer["token"] as? String)
        #expect(answer["status"] as? String == "rotating" && fresh != token)
        #expect(try ingest(restarted, token) == 200)
        #expect(try ingest(restarted, fresh) == 200)
        let added = try graphql(restarted, apiToken,
                                #"mutation { addIngestTokenV3(input: {repositoryName: "sandbox", name: "timed", expireAt: 4102444800000}) { name createdAt expireAt status } }"#)
        let timed = try #require((added["data"] as? [String: Any])?["addIngestTokenV3"] as? [String: Any], "\(added)")
        #expect(timed["expireAt"] as? Double == 4_102_444_800_000 && (timed["createdAt"] as? Double ?? 0) >= Double(before))
    }

    func graphql(_ server: SluiceProcess, _ token: String, _ query: String) throws -> [String: Any] {
        let body = try JSONSerialization.data(withJSONObject: ["query": query])
        let answer = try RawHTTPClient(port: server.port).request("POST", "/graphql", headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"],
                                                                  body: Array(body))
        return (try? answer.json()) as? [String: Any] ?? [:]
    }
}
