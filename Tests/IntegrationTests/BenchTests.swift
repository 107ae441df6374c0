import Foundation
import Testing

/// `sluice bench` for 2 s against a real server: its counts must equal what the server's `/metrics` says it
/// answered, per route and status, and its JSON must carry the documented fields.
@Suite(.serialized) struct BenchTests {
    struct Case: Sendable, CustomStringConvertible {
        let format: String
        let route: String
        let extra: [String]
        var description: String { "\(format) \(extra.joined(separator: " "))" }
    }

    static let cases = [
        Case(format: "structured", route: "humio-structured", extra: ["--batch", "10"]),
        Case(format: "hec-raw", route: "hec-raw", extra: ["--batch", "5", "--gzip", "--threads", "2"]),
        Case(format: "bulk", route: "elastic-bulk", extra: ["--rate", "400", "--batch", "3"]),
    ]

    /// The counter's value for `route` and `status` in Prometheus text, 0 when absent.
    func counter(_ metrics: String, route: String, status: Int) -> Int {
        let prefix = "sluice_http_requests_total{route=\"\(route)\",status=\"\(status)\"} "
        guard let line = metrics.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) else { return 0 }
        return Int(line.dropFirst(prefix.count)) ?? -1
    }

    @Test(arguments: cases)
    func countsMatchTheServersMetrics(_ example: Case) throws {
        let server = try SluiceProcess(arguments: ["--fsync", "interval=5"])
        defer { server.stop() }
        let token = try #require(try server.bootstrapCredentials()["ingestToken"])
        let run = try SluiceProcess.run([
            "bench", "--url", "http://127.0.0.1:\(server.port)", "--token", token, "--format", example.format,
            "--duration", "2", "--connections", "8", "--json", "--seed", "5",
        ] + example.extra)
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let requests = try #require(object["requests"] as? Int)
        let status = try #require(object["status"] as? [String: Int])
        let latency = try #require(object["latency_ms"] as? [String: Double])
        #expect(requests > 0)
        #expect(object["errors"] as? Int == 0)
        #expect(status == ["200": requests], "every request was accepted")
        for key in ["p50", "p90", "p99", "p999", "max"] { #expect(latency[key] != nil, "latency_ms.\(key)") }
        #expect(latency["p50"]! <= latency["p99"]! && latency["p99"]! <= latency["max"]!)
        for key in ["events", "bytes", "seconds", "requests_per_second", "events_per_second", "mb_per_second"] {
            #expect(object[key] != nil, "\(key)")
        }
        #expect((object["seconds"] as? Double).map { $0 >= 2 && $0 < 10 } == true)

        let client = try RawHTTPClient(port: server.port)
        let metrics = try client.request("GET", "/metrics").text
        #expect(counter(metrics, route: example.route, status: 200) == requests)
        let events = try #require(object["events"] as? Int)
        let batch = Int(example.extra[example.extra.firstIndex(of: "--batch")! + 1])!
        #expect(events == requests * batch)
        if let rate = object["offered_rate"] as? Double {
            // Open loop: the timetable, not the server, sets the pace.
            #expect(abs(Double(requests) - rate * 2) <= rate * 0.05 + 2, "\(requests) requests at \(rate)/s for 2 s")
        }
    }

    /// `sluice bench` over https against the gateway's TLS listener, `--json` parsed.
    func benchOverTLS(_ server: SluiceProcess, token: String, _ extra: [String]) throws -> (status: Int32, object: [String: Any]?, stderr: String) {
        let run = try SluiceProcess.run([
            "bench", "--url", "https://127.0.0.1:\(try server.tlsPort())", "--token", token, "--format", "structured",
            "--batch", "10", "--json", "--quiet",
        ] + extra)
        let object = try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        return (run.status, object, run.stderr)
    }

    @Test func httpsWithTheServersCAResumesSessionsOnReconnect() throws {
        let fixtures = try TLSFixtures()
        let (certificate, key) = try fixtures.makeServerCertificate("server")
        let server = try SluiceProcess(tlsCertificate: certificate, key: key)
        defer { server.stop() }
        let token = try #require(try server.bootstrapCredentials()["ingestToken"])
        // One connection, a new socket every 5 answers: 4 handshakes, the first full, the others resumed.
        let run = try benchOverTLS(server, token: token, ["--ca", certificate, "--requests", "20", "--connections", "1",
                                                          "--requests-per-connection", "5"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(run.object)
        #expect(object["requests"] as? Int == 20)
        #expect(object["errors"] as? Int == 0)
        #expect(object["status"] as? [String: Int] == ["200": 20])
        #expect(object["tls_handshakes"] as? Int == 4)
        #expect(object["tls_resumed"] as? Int == 3)
        let metrics = try RawHTTPClient(port: server.port).request("GET", "/metrics").text
        #expect(counter(metrics, route: "humio-structured", status: 200) == 20)
        #expect(try server.metric("sluice_tls_handshakes_total") == 1)
        #expect(try server.metric("sluice_tls_resumed_handshakes_total") == 3)
    }

    @Test func httpsRefusesAnUntrustedCertificateUnlessInsecure() throws {
        let fixtures = try TLSFixtures()
        let (certificate, key) = try fixtures.makeServerCertificate("server")
        let (otherCA, _) = try fixtures.makeServerCertificate("other")
        // Debug level so the test can wait for the server to have seen the bench's alerts.
        let server = try SluiceProcess(tlsCertificate: certificate, key: key, extraArguments: ["--log-level", "debug"])
        defer { server.stop() }
        let token = try #require(try server.bootstrapCredentials()["ingestToken"])
        for trust in [[], ["--ca", otherCA]] {
            let refused = try benchOverTLS(server, token: token, trust + ["--duration", "5", "--connections", "2"])
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("the server's certificate was not accepted (self-signed certificate)"), "\(refused.stderr)")
            #expect(refused.stderr.contains("--ca FILE"))
        }
        try server.waitForLog("reason=peer_rejected_certificate", occurrences: 2)
        #expect(try server.metric("sluice_http_requests_total{route=\"humio-structured\",status=\"200\"}") ?? 0 == 0)

        let insecure = try benchOverTLS(server, token: token, ["--insecure", "--requests", "10", "--connections", "2"])
        #expect(insecure.status == 0, "\(insecure.stderr)")
        let object = try #require(insecure.object)
        #expect(object["status"] as? [String: Int] == ["200": 10])
        #expect(object["errors"] as? Int == 0)
    }

    @Test func writesAReproducibleCorpus() throws {
        let directory = SluiceProcess.makeDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for name in ["a", "b"] {
            let run = try SluiceProcess.run(["bench", "--write-corpus", "\(directory)/\(name)", "--seed", "3",
                                             "--corpus-bytes", "100000"])
            #expect(run.status == 0, "\(run.stderr)")
        }
        let a = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/a"))
        #expect(a.count >= 100_000)
        #expect(a == (try Data(contentsOf: URL(fileURLWithPath: "\(directory)/b"))))
    }
}
