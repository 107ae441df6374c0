import Foundation
import Testing

/// `/metrics` names every repository and token: `--metrics-listen` moves it to a listener of its own and
/// `--metrics-auth` asks for a token with the `ReadMetrics` permission.
@Suite struct MetricsTests {
    static func get(_ port: UInt16, _ path: String, token: String? = nil) throws -> HTTPAnswer {
        try RawHTTPClient(port: port).request("GET", path, headers: token.map { ["Authorization": "Bearer \($0)"] } ?? [:])
    }

    @Test func metricsListenServesMetricsThereAndNotOnTheIngestListener() throws {
        let server = try SluiceProcess(arguments: ["--metrics-listen", "127.0.0.1:0"])
        let portText = try String(contentsOfFile: server.dataDirectory + "/sluice.metrics-port", encoding: .utf8)
        let metricsPort = try #require(UInt16(portText.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(metricsPort != server.port)

        let metrics = try Self.get(metricsPort, "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.text.contains("sluice_tokens "))
        #expect(metrics.headers["content-type"]?.hasPrefix("text/plain") == true)
        #expect(try Self.get(server.port, "/metrics").status == 404)
        // The metrics listener serves nothing else, and the ingest listener still serves everything else.
        #expect(try Self.get(metricsPort, "/api/v1/status").status == 404)
        #expect(try RawHTTPClient(port: metricsPort).request("POST", "/metrics").status == 405)
        #expect(try Self.get(server.port, "/api/v1/status").status == 200)
        #expect(server.stop() == 0)
    }

    @Test func metricsAuthAsksForTheReadMetricsPermission() throws {
        let server = try SluiceProcess(arguments: ["--metrics-auth"])
        let credentials = try server.bootstrapCredentials()
        let ingestToken = try #require(credentials["ingestToken"])
        let rootToken = try #require(credentials["apiToken"])
        func addAPIToken(_ arguments: [String], reload: Bool = false) throws -> String {
            let result = try SluiceProcess.run(["api-tokens", "add", "--data", server.dataDirectory] + (reload ? ["--reload"] : []) + arguments)
            #expect(result.status == 0, "\(result.stderr)")
            return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let reader = try addAPIToken(["--kind", "system", "--name", "prometheus", "--permission", "ReadMetrics"])
        let orgReader = try addAPIToken(["--kind", "organization", "--name", "org-prometheus", "--permission", "ReadMetrics"])
        let orgShipper = try addAPIToken(["--kind", "organization", "--name", "shipper", "--permission", "IngestAcrossAllReposWithinOrganization"],
                                         reload: true)
        try server.waitForLog("tokens=reloaded")

        let anonymous = try Self.get(server.port, "/metrics")
        #expect(anonymous.status == 401)
        #expect(!anonymous.text.contains("sluice_"))
        #expect(try Self.get(server.port, "/metrics", token: "not-a-token").status == 401)
        #expect(try Self.get(server.port, "/metrics", token: ingestToken).status == 403)
        #expect(try Self.get(server.port, "/metrics", token: orgShipper).status == 403)
        for token in [reader, orgReader, rootToken] {
            let answer = try Self.get(server.port, "/metrics", token: token)
            #expect(answer.status == 200)
            #expect(answer.text.contains("sluice_tokens "))
            #expect(!answer.text.contains(token))
        }
        #expect(server.stop() == 0)
    }
}
