import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `--ack-after replicated` against a real `nats-server -js`: an answer of 200 means the stream holds the
/// request's events; a stream out of reach gets 503 with Retry-After within `--replication-timeout`, and the
/// events still arrive once it is back. Also SIGTERM's drain and the status answer while draining.
@Suite(.serialized) struct AckAfterReplicatedTests {
    /// A data folder whose `sandbox` repository forwards to stream LOGS on `urls` (set up by a first start
    /// under `local`, as an operator would before switching to `replicated`).
    static func preparedDataFolder(urls: [String], replicas: Int = 1) throws -> String {
        // The caller owns the folder (a process that creates its own removes it when it goes).
        let data = SluiceProcess.makeDataDirectory()
        try SluiceProcess(dataDirectory: data).stop()
        for arguments in [["forwarders", "add", "--data", data, "--name", "js"] + urls.flatMap { ["--server", $0] }
                            + ["--stream", "LOGS", "--repo", "sandbox"],
                          ["forwarders", "create-stream", "--data", data, "--name", "js", "--duplicate-window", "600",
                           "--replicas", "\(replicas)"]] {
            let run = try SluiceProcess.run(arguments)
            guard run.status == 0 else { throw TestFailure("\(arguments): \(run.stderr)") }
        }
        return data
    }

    static func replicatedServer(_ data: String, timeout: String = "10", more: [String] = []) throws -> SluiceProcess {
        let server = try SluiceProcess(dataDirectory: data, arguments: ["--ack-after", "replicated", "--replication-timeout", timeout] + more)
        try server.waitForLog("state=forwarding")
        return server
    }

    static func body(_ marker: String, events: Int = 5) -> [UInt8] {
        Array(("[{\"messages\":[" + (0..<events).map { "\"\(marker) line \($0)\"" }.joined(separator: ",") + "]}]").utf8)
    }

    static func auth(_ server: SluiceProcess) throws -> [String: String] {
        ["Authorization": "Bearer " + (try #require(try server.bootstrapCredentials()["ingestToken"]))]
    }

    /// The stream's NDJSON bodies, as text.
    static func streamText(_ url: String) throws -> String {
        try StreamReader.messages(url: url, stream: "LOGS").map { String(decoding: $0.body, as: UTF8.self) }.joined()
    }

    @Test func anAnswerOf200MeansTheStreamHasTheEvents() throws {
        let nats = try NATSServer()
        let data = try Self.preparedDataFolder(urls: [nats.url])
        let server = try Self.replicatedServer(data)
        defer { server.stop(); try? FileManager.default.removeItem(atPath: data) }
        let client = try RawHTTPClient(port: server.port)
        let auth = try Self.auth(server)
        for request in 0..<12 {
            let answer = try client.request("POST", "/api/v1/ingest/humio-unstructured", headers: auth, body: Self.body("request-\(request)"))
            #expect(answer.status == 200, "\(answer.text)")
            // Read right after the answer, with no wait: the stream must already hold every event of it.
            let stream = try Self.streamText(nats.url)
            for line in 0..<5 { #expect(stream.contains("request-\(request) line \(line)"), "request \(request) line \(line) in the stream at its 200") }
        }
        // The gateway names itself in its metrics, its messages and its log lines.
        let id = try String(contentsOfFile: data + "/gateway-id", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(id.count == 32)
        let metrics = try RawHTTPClient(port: server.port).request("GET", "/metrics").text
        #expect(metrics.contains("sluice_gateway_info{gateway=\"\(id)\""), "\(metrics.prefix(400))")
        let messages = try StreamReader.messages(url: nats.url, stream: "LOGS")
        #expect(!messages.isEmpty && messages.allSatisfy { $0.headers["Sluice-Gateway"] == id })
        #expect(server.logSoFar().split(separator: "\n").filter { $0.contains("listening") }.allSatisfy { $0.contains("gateway=\(id)") })
        #expect(server.logSoFar().contains("gateway=\(id)"))
    }

    @Test func anUnreachableStreamGets503WithRetryAfterWithinTheTimeoutAndLosesNothing() throws {
        let nats = try NATSServer()
        let data = try Self.preparedDataFolder(urls: [nats.url])
        let server = try Self.replicatedServer(data, timeout: "1")
        defer { server.stop(); try? FileManager.default.removeItem(atPath: data) }
        let auth = try Self.auth(server)
        #expect(try RawHTTPClient(port: server.port).request("POST", "/api/v1/ingest/humio-unstructured", headers: auth,
                                                            body: Self.body("before")).status == 200)
        nats.kill9()
        let started = Date()
        let refused = try RawHTTPClient(port: server.port).request("POST", "/api/v1/ingest/humio-unstructured", headers: auth,
                                                                   body: Self.body("during"))
        let took = Date().timeIntervalSince(started)
        #expect(refused.status == 503 && refused.headers["retry-after"] != nil, "\(refused.status) \(refused.text)")
        #expect(refused.text.contains("replication-timeout"))
        // The tick that expires waits runs every half second.
        #expect(took >= 0.9 && took < 3, "answered after \(took) s")
        // The load balancer's health check takes the gateway out while its stream is out of reach.
        var status = try RawHTTPClient(port: server.port).request("GET", "/api/v1/status")
        let deadline = Date().addingTimeInterval(10)
        while status.status != 503, Date() < deadline {
            usleep(50_000)
            status = try RawHTTPClient(port: server.port).request("GET", "/api/v1/status")
        }
        #expect(status.status == 503 && status.text.contains("replication unreachable"), "\(status.text)")
        try nats.start()
        try server.waitForLog("state=forwarding", occurrences: 2)
        // Nothing lost: the refused request's events are in the WAL and reach the stream once it is back.
        try waitDelivered(data)
        let stream = try Self.streamText(nats.url)
        #expect(stream.contains("before line 4") && stream.contains("during line 4"))
        #expect(try RawHTTPClient(port: server.port).request("POST", "/api/v1/ingest/humio-unstructured", headers: auth,
                                                            body: Self.body("after")).status == 200)
        #expect(try RawHTTPClient(port: server.port).request("GET", "/api/v1/status").status == 200)
    }

    @Test func aRepositoryWithoutAJetStreamTargetRefusesTheStart() throws {
        let data = SluiceProcess.makeDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let run = try SluiceProcess.run(["serve", "--data", data, "--listen", "127.0.0.1:0", "--ack-after", "replicated"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("'sandbox' forward to no JetStream target"), "\(run.stderr)")
    }

    /// SIGTERM: the status answer turns 503 at once, a request waiting for its stream is still answered 200
    /// when the stream comes back, and the gateway exits 0 once the backlog is forwarded.
    @Test func sigtermDrainsRequestsInFlightAndAnswers503ToStatus() throws {
        let nats = try NATSServer()
        let data = try Self.preparedDataFolder(urls: [nats.url])
        let server = try Self.replicatedServer(data, timeout: "20", more: ["--drain-timeout", "30"])
        defer { server.kill9(); try? FileManager.default.removeItem(atPath: data) }
        let auth = try Self.auth(server)
        nats.kill9()
        // A request in flight: durable, waiting for its stream.
        let inFlight = try RawHTTPClient(port: server.port)
        try inFlight.send(RawHTTPClient.requestBytes("POST", "/api/v1/ingest/humio-unstructured", headers: auth, body: Self.body("in-flight")))
        // A health check whose head is not complete yet when the signal arrives.
        let check = try RawHTTPClient(port: server.port)
        try check.send("GET /api/v1/status HTTP/1.1\r\nHost: sluice\r\n")
        // Parked once its events are in the WAL.
        let deadline = Date().addingTimeInterval(10)
        while !(try RawHTTPClient(port: server.port).request("GET", "/metrics").text
                .contains("sluice_wal_events_appended_total{repository=\"sandbox\"} 5")) {
            guard Date() < deadline else { throw TestFailure("the request never reached the WAL") }
            usleep(20_000)
        }
        #expect(!inFlight.waitReadable(milliseconds: 0), "not answered while the stream is away")
        server.signal(SIGTERM)
        try server.waitForLog("shutting down")
        try check.send("\r\n")
        let status = try check.readAnswer()
        #expect(status.status == 503 && status.text.contains("draining"), "\(status.status) \(status.text)")
        try nats.start()
        let answer = try inFlight.readAnswer()
        #expect(answer.status == 200, "\(answer.text)")
        #expect(server.stop() == 0)
        #expect(server.logSoFar().contains("drained"))
        #expect(try Self.streamText(nats.url).contains("in-flight line 4"))
    }
}
