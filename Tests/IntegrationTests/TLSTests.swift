import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// TLS termination end to end against the real binary, with certificates the test makes with the
/// `openssl` command line: curl and Python's ssl over TLS 1.2 and 1.3, ticket resumption and ALPN,
/// an untrusted certificate, plain HTTP on the TLS port, a certificate reload under a loop of
/// requests, mTLS, and the handshake timeout and cap.
@Suite(.serialized) struct TLSTests {
    static let clients = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Clients")

    func curl(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try ChildProcess.run("/usr/bin/curl", ["--silent", "--show-error", "--max-time", "30"] + arguments)
    }

    func python(_ arguments: [String]) throws -> [String: Any] {
        let result = try ChildProcess.run("/usr/bin/python3", [Self.clients.appendingPathComponent("tls_client.py").path] + arguments)
        guard result.status == 0, let line = result.stdout.split(separator: "\n").last,
              let report = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw TestFailure("tls_client.py \(arguments) failed: \(result.stdout) \(result.stderr)")
        }
        return report
    }

    func stored(_ server: SluiceProcess) throws -> [[String: Any]] {
        let result = try SluiceProcess.run(["wal", "cat", "--data", server.dataDirectory, "--repo", "sandbox"])
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    @Test(arguments: ["1.2", "1.3"])
    func curlStatusAndIngestOverTLS(version: String) throws {
        let fixtures = try TLSFixtures()
        let (certificate, key) = try fixtures.makeServerCertificate("server")
        let server = try SluiceProcess(tlsCertificate: certificate, key: key)
        let token = try #require(try server.bootstrapCredentials()["ingestToken"])
        let base = "https://127.0.0.1:\(try server.tlsPort())"
        let pin = ["--cacert", certificate, "--tlsv\(version)", "--tls-max", version]

        let status = try curl(pin + ["--write-out", "\n%{http_code} %{http_version}", "\(base)/api/v1/status"])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("\"status\":\"OK\""))
        #expect(status.stdout.hasSuffix("200 1.1"))

        let ingest = try curl(pin + ["--write-out", "%{http_code}", "-H", "Authorization: Bearer \(token)",
                                     "--data-binary", "curl over tls \(version)", "\(base)/api/v1/ingest/raw"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(ingest.stdout.hasSuffix("200"))
        #expect(try stored(server).contains { $0["@rawstring"] as? String == "curl over tls \(version)" })
        #expect(try server.metric("sluice_tls_handshakes_total") == 2)
        // The plain listener keeps working next to the TLS one.
        #expect(try RawHTTPClient(port: server.port).request("GET", "/api/v1/status").status == 200)
    }

    @Test func pythonSSLClientWithALPNAndTicketResumption() throws {
        let fixtures = try TLSFixtures()
        let (certificate, key) = try fixtures.makeServerCertificate("server")
        let server = try SluiceProcess(tlsCertificate: certificate, key: key)
        let token = try #require(try server.bootstrapCredentials()["ingestToken"])
        let report = try python(["basic", "\(try server.tlsPort())", certificate, token])
        for (name, version) in [("tls12", "TLSv1.2"), ("tls13", "TLSv1.3")] {
            let facts = try #require(report[name] as? [String: Any], "\(report)")
            #expect(facts["status"] as? Int == 200)
            #expect(facts["statusBody"] as? String == "OK")
            #expect(facts["ingest"] as? Int == 200)
            #expect(facts["version"] as? String == version)
            #expect(facts["alpn"] as? String == "http/1.1")
            #expect(facts["firstReused"] as? Bool == false)
            #expect(facts["secondStatus"] as? String == "HTTP/1.1 200 OK")
            #expect(facts["secondReused"] as? Bool == true, "session ticket not resumed over \(version)")
        }
        #expect(try stored(server).filter { ($0["client"] as? String)?.hasPrefix("python-ssl-") == true }.count == 6)
        #expect(try server.metric("sluice_tls_resumed_handshakes_total") == 2)
    }

    /// Pipelined requests and multi-megabyte bodies: the TLS session buffers records that epoll never
    /// reports, and every one of them must still be read and answered in order.
    @Test func pipelinedRequestsAndLargeBodiesOverOneTLSConnection() throws {
        let fixtures = try TLSFixtures()
        let (certificate, key) = try fixtures.makeServerCertificate("server")
        let server = try SluiceProcess(tlsCertificate: certificate, key: key)
        let token = try #require(try server.bootstrapCredentials()["ingestToken"])
        let report = try python(["pipeline", "\(try server.tlsPort())", certificate, token])
        #expect(report["pipelined"] as? [Int] == Array(repeating: 200, count: 20), "\(report)")
        #expect(report["large"] as? [Int] == [200, 200, 200], "\(report)")
        let events = try stored(server).compactMap { $0["@rawstring"] as? String }
        #expect(events.filter { $0.hasPrefix("pipelined ") } == (0..<20).map { "pipelined \($0)" })
        // The raw endpoint stores each body as one event (cut at the event size limit).
        #expect(events.filter { $0.hasPrefix("xxx") }.count == 3)
        #expect(try server.metric("sluice_tls_handshakes_total") == 1)
    }

    /// Every session is counted as kernel TLS (per direction) or OpenSSL's record layer; where the kernel has
    /// no `tls` module (it is not in `tcp_available_ulp` and the kernel config says so), none is kTLS.
    @Test func recordLayerIsCountedPerSession() throws {
        let fixtures = try TLSFixtures()
        let (certificate, key) = try fixtures.makeServerCertificate("server")
        let server = try SluiceProcess(tlsCertificate: certificate, key: key)
        let token = try #require(try server.bootstrapCredentials()["ingestToken"])
        for index in 0..<3 {
            let ingest = try curl(["--cacert", certificate, "-H", "Authorization: Bearer \(token)", "--data-binary",
                                   "event \(index)", "https://127.0.0.1:\(try server.tlsPort())/api/v1/ingest/raw"])
            #expect(ingest.status == 0, "\(ingest.stderr)")
        }
        let send = try #require(try server.metric("sluice_tls_ktls_sessions_total{direction=\"send\"}"))
        let receive = try #require(try server.metric("sluice_tls_ktls_sessions_total{direction=\"receive\"}"))
        let userspace = try #require(try server.metric("sluice_tls_userspace_sessions_total"))
        #expect(send <= 3 && receive <= 3)
        #expect(userspace + max(send, receive) == 3, "send \(send) receive \(receive) userspace \(userspace)")
        let ulps = (try? String(contentsOfFile: "/proc/sys/net/ipv4/tcp_available_ulp", encoding: .utf8)) ?? ""
        let config = (try? ChildProcess.run("/bin/sh", ["-c", "zcat /proc/config.gz 2>/dev/null"]).stdout) ?? ""
        if !ulps.contains("tls") && config.contains("# CONFIG_TLS is not set") {
            #expect(userspace == 3 && send == 0 && receive == 0)
        }
    }

    @Test func clientThatDoesNotTrustTheCertificateFailsCleanly() throws {
        let fixtures = try TLSFixtures()
        let (certificate, key) = try fixtures.makeServerCertificate("server")
        // Debug level so the test can wait for the server to have seen the clients' alerts.
        let server = try SluiceProcess(tlsCertificate: certificate, key: key, extraArguments: ["--log-level", "debug"])
        let port = try server.tlsPort()
        let refused = try curl(["https://127.0.0.1:\(port)/api/v1/status"])
        #expect(refused.status == 60, "curl should fail verification: \(refused)")
        let report = try python(["untrusted", "\(port)"])
        #expect(report["error"] as? String == "verification", "\(report)")
        try server.waitForLog("reason=peer_rejected_certificate", occurrences: 2)
        #expect(try server.metric("sluice_tls_errors_total{reason=\"peer_rejected_certificate\"}") == 2)
        #expect(try curl(["--cacert", certificate, "https://127.0.0.1:\(port)/api/v1/status"]).status == 0)
        // Client-caused failures are never logged above debug.
        let lines = server.log.split(separator: "\n").filter { $0.contains("tls connection failed") }
        #expect(lines.count == 2 && lines.allSatisfy { $0.contains(" debug ") }, "\(lines)")
    }

    @Test func plainHTTPOnTheTLSPortIsAnsweredAndClosed() throws {
        let fixtures = try TLSFixtures()
        let (certificate, key) = try fixtures.makeServerCertificate("server")
        let server = try SluiceProcess(tlsCertificate: certificate, key: key)
        let port = try server.tlsPort()
        for _ in 0..<3 {
            let client = try RawHTTPClient(port: port)
            let answer = try client.request("GET", "/api/v1/status")
            #expect(answer.status == 400)
            #expect(answer.text.contains("HTTPS"))
            #expect(try client.isClosedByServer())
        }
        #expect(try server.metric("sluice_tls_errors_total{reason=\"plain_http\"}") == 3)
        let status = try curl(["--cacert", certificate, "https://127.0.0.1:\(port)/api/v1/status"])
        #expect(status.status == 0 && status.stdout.contains("OK"), "\(status)")
        #expect(server.process.isRunning)
    }

    @Test func certificateReloadDuringRequestsFailsNone() throws {
        let fixtures = try TLSFixtures()
        let first = try fixtures.makeServerCertificate("first")
        let second = try fixtures.makeServerCertificate("second")
        let certificate = fixtures.path("live.pem"), key = fixtures.path("live-key.pem")
        try fixtures.replace(certificate, with: first.certificate)
        try fixtures.replace(key, with: first.key)
        let trust = try fixtures.bundle("trust.pem", of: [first.certificate, second.certificate])
        let server = try SluiceProcess(tlsCertificate: certificate, key: key)
        let token = try #require(try server.bootstrapCredentials()["ingestToken"])

        let client = Process()
        client.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        client.arguments = [Self.clients.appendingPathComponent("tls_client.py").path, "reload", "\(try server.tlsPort())", trust, token]
        let output = Pipe()
        client.standardOutput = output
        try client.run()
        var text = ""
        while !text.contains("ready\n") {
            let data = output.fileHandleForReading.availableData
            guard !data.isEmpty else { throw TestFailure("client ended before it was ready: \(text)") }
            text += String(decoding: data, as: UTF8.self)
        }
        try fixtures.replace(certificate, with: second.certificate)
        try fixtures.replace(key, with: second.key)
        server.signal(SIGHUP)
        try server.waitForLog("tls certificate reloaded")
        text += String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        client.waitUntilExit()
        let line = try #require(text.split(separator: "\n").last)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect((report["failures"] as? [String])?.isEmpty == true, "\(report)")
        #expect(report["distinct"] as? Int == 2, "\(report)")

        // A key that does not match the certificate is refused; the second certificate keeps serving.
        try fixtures.replace(key, with: first.key)
        server.signal(SIGHUP)
        try server.waitForLog("tls certificate reload refused")
        let status = try curl(["--cacert", second.certificate, "https://127.0.0.1:\(try server.tlsPort())/api/v1/status"])
        #expect(status.status == 0, "\(status)")
    }

    @Test func clientCertificateRequiredAndMissing() throws {
        let fixtures = try TLSFixtures()
        let (certificate, key) = try fixtures.makeServerCertificate("server")
        let client = try fixtures.makeClientCertificates()
        let server = try SluiceProcess(tlsCertificate: certificate, key: key, extraArguments: ["--tls-client-ca", client.ca, "--log-level", "debug"])
        let token = try #require(try server.bootstrapCredentials()["ingestToken"])
        let url = "https://127.0.0.1:\(try server.tlsPort())/api/v1/ingest/raw"
        let ingest = ["--cacert", certificate, "--write-out", "%{http_code}", "-H", "Authorization: Bearer \(token)", "--data-binary"]

        let missing = try curl(ingest + ["without a client certificate", url])
        #expect(missing.status != 0, "a client without a certificate must be refused: \(missing)")
        try server.waitForLog("reason=no_client_certificate")
        #expect(try server.metric("sluice_tls_errors_total{reason=\"no_client_certificate\"}") == 1)

        let (otherCertificate, otherKey) = try fixtures.makeServerCertificate("stranger")
        let stranger = try curl(["--cert", otherCertificate, "--key", otherKey] + ingest + ["with a foreign certificate", url])
        #expect(stranger.status != 0, "\(stranger)")
        try server.waitForLog("reason=bad_client_certificate")
        #expect(try server.metric("sluice_tls_errors_total{reason=\"bad_client_certificate\"}") == 1)

        let present = try curl(["--cert", client.certificate, "--key", client.key] + ingest + ["with a client certificate", url])
        #expect(present.status == 0 && present.stdout.hasSuffix("200"), "\(present)")
        let events = try stored(server).compactMap { $0["@rawstring"] as? String }
        #expect(events == ["with a client certificate"])
    }

    @Test func handshakeTimeoutAndCapPerLoop() throws {
        let fixtures = try TLSFixtures()
        let (certificate, key) = try fixtures.makeServerCertificate("server")
        let server = try SluiceProcess(tlsCertificate: certificate, key: key, extraArguments: [
            "--threads", "1", "--tls-max-handshakes", "1", "--tls-handshake-timeout", "2",
        ])
        let port = try server.tlsPort()
        // Half-open: connected, never says hello. It holds the loop's only handshake slot until its timeout.
        let silent = try RawHTTPClient(port: port)
        let refused = try RawHTTPClient(port: port)
        #expect(try refused.isClosedByServer())
        #expect(try silent.isClosedByServer())
        #expect(try server.metric("sluice_tls_errors_total{reason=\"handshake_limit\"}") == 1)
        #expect(try server.metric("sluice_tls_errors_total{reason=\"handshake_timeout\"}") == 1)
        // The slot is free again.
        #expect(try curl(["--cacert", certificate, "https://127.0.0.1:\(port)/api/v1/status"]).status == 0)
    }
}
