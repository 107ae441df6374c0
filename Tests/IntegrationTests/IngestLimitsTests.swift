import Foundation
import Testing

/// Rate limits, quotas and blocks against the real binary (docs/limits.md): set through the CLI and a
/// SIGHUP, answered 429 with `Retry-After` or 503, in each answer style, with nothing of a refused request
/// in the write-ahead log and each refusal counted.
@Suite(.serialized) struct IngestLimitsTests {
    static func cli(_ server: SluiceProcess, _ arguments: [String], reloads: Int) throws {
        let result = try SluiceProcess.run(arguments + ["--data", server.dataDirectory, "--reload"])
        #expect(result.status == 0, "\(result.stderr)")
        try server.waitForLog("tokens=reloaded", occurrences: reloads)
    }

    static func hec(_ server: SluiceProcess, _ token: String, _ events: [String]) throws -> HTTPAnswer {
        let body = events.map { "{\"event\":\"\($0)\"}" }.joined(separator: " ")
        return try RawHTTPClient(port: server.port).request("POST", "/services/collector", headers: ["Authorization": "Splunk \(token)"],
                                                           body: Array(body.utf8))
    }

    static func unstructured(_ server: SluiceProcess, _ token: String, _ messages: [String]) throws -> HTTPAnswer {
        let body = "[{\"messages\":[" + messages.map { "\"\($0)\"" }.joined(separator: ",") + "]}]"
        return try RawHTTPClient(port: server.port).request("POST", "/api/v1/ingest/humio-unstructured",
                                                           headers: ["Authorization": "Bearer \(token)"], body: Array(body.utf8))
    }

    static func stored(_ server: SluiceProcess) throws -> [String] {
        try StoredEvents.read(dataDirectory: server.dataDirectory, repository: "sandbox").map(\.rawstring)
    }

    static func rejects(_ server: SluiceProcess, _ reason: String) throws -> Int {
        let metrics = try RawHTTPClient(port: server.port).request("GET", "/metrics").text
        return metrics.split(separator: "\n").filter { $0.hasPrefix("sluice_ingest_rejects_total{") && $0.contains("reason=\"\(reason)\"") }
            .compactMap { $0.split(separator: " ").last.flatMap { Int($0) } }.reduce(0, +)
    }

    @Test func overTheTokensEventRateIsRefusedWithRetryAfterAndNothingStored() throws {
        let server = try SluiceProcess()
        let token = try #require(try server.bootstrapCredentials()["ingestToken"])
        // A bucket of two events refilling one per ten seconds.
        try Self.cli(server, ["tokens", "limits", "--repo", "sandbox", "--name", "default", "--events-per-second", "0.1",
                              "--burst-seconds", "20"], reloads: 1)
        #expect(try Self.hec(server, token, ["first", "second"]).status == 200)

        let refused = try Self.hec(server, token, ["over-hec"])
        #expect(refused.status == 429)
        #expect(refused.headers["retry-after"] == "10")
        let body = try #require(try refused.json() as? [String: Any])
        #expect(body["text"] as? String == "Server is busy")
        #expect(body["code"] as? Int == 9)

        let logScale = try Self.unstructured(server, token, ["over-logscale"])
        #expect(logScale.status == 429)
        #expect(Int(logScale.headers["retry-after"] ?? "") ?? 0 >= 9)
        #expect(logScale.text.contains("rate limit"))

        // An unrelated reload keeps the emptied bucket.
        try Self.cli(server, ["tokens", "add", "--repo", "sandbox", "--name", "other"], reloads: 2)
        #expect(try Self.hec(server, token, ["over-after-reload"]).status == 429)

        #expect(try Self.stored(server) == ["first", "second"])
        #expect(try Self.rejects(server, "rate_limited") == 3)
        let listing = try SluiceProcess.run(["tokens", "list", "--data", server.dataDirectory, "--repo", "sandbox"])
        #expect(listing.stdout.contains("0.1 events/s, burst 20 s"))
    }

    @Test func overTheRepositorysDailyQuotaIsRefusedUntilMidnight() throws {
        let server = try SluiceProcess()
        let token = try #require(try server.bootstrapCredentials()["ingestToken"])
        let event = String(repeating: "q", count: 300)
        try Self.cli(server, ["repos", "limits", "--name", "sandbox", "--daily-bytes", "400"], reloads: 1)
        #expect(try Self.hec(server, token, [event]).status == 200)
        let refused = try Self.hec(server, token, [event + "-over"])
        #expect(refused.status == 429)
        let retryAfter = try #require(Int(refused.headers["retry-after"] ?? ""))
        #expect((1...86_400).contains(retryAfter))
        #expect(try Self.stored(server) == [event])
        #expect(try Self.rejects(server, "quota") == 1)
        // Clearing the quota lets the next request through.
        try Self.cli(server, ["repos", "limits", "--name", "sandbox", "--clear"], reloads: 2)
        #expect(try Self.hec(server, token, ["after"]).status == 200)
    }

    @Test func aBlockedRepositoryIsRefusedWith503UntilUnblocked() throws {
        let server = try SluiceProcess()
        let token = try #require(try server.bootstrapCredentials()["ingestToken"])
        try Self.cli(server, ["repos", "block", "--name", "sandbox", "--message", "moving to new disks"], reloads: 1)
        let hec = try Self.hec(server, token, ["blocked-hec"])
        #expect(hec.status == 503)
        #expect(hec.headers["retry-after"] != nil)
        let body = try #require(try hec.json() as? [String: Any])
        #expect(body["code"] as? Int == 9)
        let logScale = try Self.unstructured(server, token, ["blocked-logscale"])
        #expect(logScale.status == 503)
        #expect(logScale.text.contains("moving to new disks"))
        #expect(try Self.rejects(server, "blocked") == 2)
        let listing = try SluiceProcess.run(["repos", "list", "--data", server.dataDirectory])
        #expect(listing.stdout.contains("blocked"))

        try Self.cli(server, ["repos", "unblock", "--name", "sandbox"], reloads: 2)
        #expect(try Self.hec(server, token, ["open-again"]).status == 200)
        #expect(try Self.stored(server) == ["open-again"])
    }
}
