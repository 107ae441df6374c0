import Foundation
import Testing

/// Token changes reach the running server: the CLI edits the snapshot and signals SIGHUP; a token added
/// works from the next request, a removed one is refused from the next request, and an invalid snapshot
/// is refused while the previous set keeps serving.
@Suite(.serialized) struct TokenReloadTests {
    func ingest(_ server: SluiceProcess, token: String) throws -> Int {
        try RawHTTPClient(port: server.port).request("POST", "/api/v1/ingest/raw", headers: ["Authorization": "Bearer \(token)"], body: Array("reload test".utf8)).status
    }

    @Test func addedTokenWorksAndRemovedTokenIsRefusedAfterReload() throws {
        let server = try SluiceProcess()
        let added = try SluiceProcess.run(["tokens", "add", "--data", server.dataDirectory, "--repo", "sandbox", "--name", "extra", "--reload"])
        #expect(added.status == 0, "\(added.stderr)")
        let token = added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.count >= 43)
        try server.waitForLog("tokens=reloaded", occurrences: 1)
        #expect(try ingest(server, token: token) == 200)

        let removed = try SluiceProcess.run(["tokens", "remove", "--data", server.dataDirectory, "--repo", "sandbox", "--name", "extra", "--reload"])
        #expect(removed.status == 0, "\(removed.stderr)")
        try server.waitForLog("tokens=reloaded", occurrences: 2)
        #expect(try ingest(server, token: token) == 401)
        #expect(!server.log.contains(token))
    }

    @Test func invalidSnapshotKeepsThePreviousSet() throws {
        let server = try SluiceProcess()
        let token = try #require(try server.bootstrapCredentials()["ingestToken"])
        let snapshot = server.dataDirectory + "/tokens.json"
        let original = try Data(contentsOf: URL(fileURLWithPath: snapshot))
        try Data("{ not json".utf8).write(to: URL(fileURLWithPath: snapshot))
        server.signal(SIGHUP)
        try server.waitForLog("token snapshot refused")
        #expect(try ingest(server, token: token) == 200)
        let metrics = try RawHTTPClient(port: server.port).request("GET", "/metrics").text
        #expect(metrics.contains("sluice_token_reload_failures_total 1"))
        try original.write(to: URL(fileURLWithPath: snapshot))
    }
}
