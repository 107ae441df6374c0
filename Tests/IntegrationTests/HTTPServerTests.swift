import Foundation
import Testing

/// The HTTP layer of the real server over real sockets: routes, keep-alive, pipelining, 100-continue,
/// chunked bodies, and every defence of the wire format.
@Suite(.serialized) struct HTTPServerTests {
    let server: SluiceProcess

    init() throws {
        server = try SluiceProcess(arguments: ["--head-timeout", "1", "--body-timeout", "1", "--idle-timeout", "2", "--max-request-bytes", "65536"])
    }

    @Test func statusAnswersJSON() throws {
        let client = try RawHTTPClient(port: server.port)
        let answer = try client.request("GET", "/api/v1/status")
        #expect(answer.status == 200)
        #expect(answer.headers["content-type"] == "application/json")
        let object = try #require(try answer.json() as? [String: Any])
        #expect(object["status"] as? String == "OK")
        #expect(object["version"] is String)
    }

    @Test func unknownPathIs404AndWrongMethodIs405WithAllow() throws {
        let client = try RawHTTPClient(port: server.port)
        let missing = try client.request("GET", "/nope")
        #expect(missing.status == 404)
        #expect(try missing.json() is [String: Any])
        let wrong = try client.request("DELETE", "/api/v1/status")
        #expect(wrong.status == 405)
        #expect(wrong.headers["allow"] == "GET, HEAD")
    }

    @Test func headOfStatusHasLengthButNoBody() throws {
        let client = try RawHTTPClient(port: server.port)
        try client.send("HEAD /api/v1/status HTTP/1.1\r\nHost: x\r\n\r\nGET /api/v1/status HTTP/1.1\r\nHost: x\r\n\r\n")
        // The HEAD answer carries Content-Length but no body, so the GET answer follows it directly.
        let head = try client.readAnswer(headOnly: true)
        #expect(head.status == 200)
        #expect(Int(head.headers["content-length"] ?? "0")! > 0)
        let next = try client.readAnswer()
        #expect(next.status == 200 && !next.body.isEmpty)
    }

    @Test func keepAliveServesManyRequestsOnOneConnection() throws {
        let client = try RawHTTPClient(port: server.port)
        for _ in 0..<50 {
            #expect(try client.request("GET", "/api/v1/status").status == 200)
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        let client = try RawHTTPClient(port: server.port)
        try client.send("GET /api/v1/status HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\nGET /services/collector/health HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try client.readAnswer().status == 200)
        #expect(try client.readAnswer().status == 404)
        let health = try client.readAnswer()
        #expect(health.status == 200)
        #expect(health.text.contains("HEC is healthy"))
    }

    @Test func http10ClosesUnlessKeepAlive() throws {
        let client = try RawHTTPClient(port: server.port)
        try client.send("GET /api/v1/status HTTP/1.0\r\n\r\n")
        #expect(try client.readAnswer().status == 200)
        #expect(try client.isClosedByServer())
    }

    @Test func connectionCloseIsHonoured() throws {
        let client = try RawHTTPClient(port: server.port)
        let answer = try client.request("GET", "/api/v1/status", headers: ["Connection": "close"])
        #expect(answer.status == 200)
        #expect(answer.headers["connection"]?.lowercased() == "close")
        #expect(try client.isClosedByServer())
    }

    static let malformed: [(name: String, request: String, status: Int)] = [
        ("both lengths", "POST /api/v1/ingest/raw HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        ("two lengths", "POST /api/v1/ingest/raw HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400),
        ("non-numeric length", "POST /api/v1/ingest/raw HTTP/1.1\r\nHost: x\r\nContent-Length: 3a\r\n\r\nabc", 400),
        ("negative length", "POST /api/v1/ingest/raw HTTP/1.1\r\nHost: x\r\nContent-Length: -3\r\n\r\nabc", 400),
        ("unknown coding", "POST /api/v1/ingest/raw HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
        ("bad chunk size", "POST /api/v1/ingest/raw HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer TOKEN\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", 400),
        ("obs-fold", "GET /api/v1/status HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", 400),
        ("space before colon", "GET /api/v1/status HTTP/1.1\r\nHost : x\r\n\r\n", 400),
        ("control char in value", "GET /api/v1/status HTTP/1.1\r\nHost: x\u{1}y\r\n\r\n", 400),
        ("no Host", "GET /api/v1/status HTTP/1.1\r\nAccept: */*\r\n\r\n", 400),
        ("two Hosts", "GET /api/v1/status HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400),
        ("body over limit", "POST /api/v1/ingest/raw HTTP/1.1\r\nHost: x\r\nContent-Length: 70000\r\n\r\n", 413),
    ]

    @Test(arguments: malformed.indices)
    func malformedRequestsAreRefusedAndClosed(_ index: Int) throws {
        let item = Self.malformed[index]
        let client = try RawHTTPClient(port: server.port)
        try client.send(item.request.replacingOccurrences(of: "TOKEN", with: try ingestToken()))
        let answer = try client.readAnswer()
        #expect(answer.status == item.status, "\(item.name)")
        #expect(try answer.json() is [String: Any], "\(item.name)")
        #expect(try client.isClosedByServer(), "\(item.name)")
    }

    @Test func oversizedHeadIs431() throws {
        let client = try RawHTTPClient(port: server.port)
        let filler = String(repeating: "a", count: 70 * 1024)
        try? client.send("GET /api/v1/status HTTP/1.1\r\nHost: x\r\nX-Big: \(filler)\r\n\r\n")
        let answer = try client.readAnswer()
        #expect(answer.status == 431)
    }

    @Test func slowHeadIs408() throws {
        let client = try RawHTTPClient(port: server.port)
        try client.send("GET /api/v1/status HTTP/1.1\r\nHo")
        let answer = try client.readAnswer()
        #expect(answer.status == 408)
        #expect(try client.isClosedByServer())
    }

    func ingestToken() throws -> String {
        try #require(try server.bootstrapCredentials()["ingestToken"])
    }

    @Test func stalledBodyIs408() throws {
        let client = try RawHTTPClient(port: server.port)
        try client.send("POST /api/v1/ingest/raw HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(try ingestToken())\r\nContent-Length: 10\r\n\r\nabc")
        let answer = try client.readAnswer()
        #expect(answer.status == 408)
    }

    @Test func idleKeepAliveConnectionIsClosed() throws {
        let client = try RawHTTPClient(port: server.port)
        #expect(try client.request("GET", "/api/v1/status").status == 200)
        #expect(try client.isClosedByServer())
    }

    @Test func metricsExposePrometheusText() throws {
        let client = try RawHTTPClient(port: server.port)
        _ = try client.request("GET", "/api/v1/status")
        let answer = try client.request("GET", "/metrics")
        #expect(answer.status == 200)
        #expect(answer.headers["content-type"]?.hasPrefix("text/plain") == true)
        #expect(answer.text.contains("sluice_connections_open"))
        #expect(answer.text.contains("sluice_http_requests_total{route=\"status\",status=\"200\"}"))
        #expect(answer.text.contains("sluice_http_bytes_in_total"))
    }
}

@Suite(.serialized) struct ServerLifecycleTests {
    /// Connections that authenticated keep their places; with no unauthenticated connection to close, a new
    /// one above the limit is closed at once.
    @Test func connectionsAboveTheLimitAreClosedAtOnce() throws {
        let server = try SluiceProcess(arguments: ["--max-connections", "2"])
        let token = try #require(try server.bootstrapCredentials()["ingestToken"])
        let auth = ["Authorization": "Bearer \(token)"]
        // Each connection authenticates before the next opens: with one unauthenticated place per loop, a
        // second connection accepted on the same loop would otherwise take the first one's place.
        let first = try RawHTTPClient(port: server.port)
        #expect(try first.request("POST", "/api/v1/ingest/raw", headers: auth, body: Array("a".utf8)).status == 200)
        let second = try RawHTTPClient(port: server.port)
        #expect(try second.request("POST", "/api/v1/ingest/raw", headers: auth, body: Array("b".utf8)).status == 200)
        let third = try RawHTTPClient(port: server.port)
        #expect(try third.isClosedByServer())
        #expect(try first.request("POST", "/api/v1/ingest/raw", headers: auth, body: Array("c".utf8)).status == 200)
    }

    @Test func gracefulShutdownFinishesTheRequestInFlight() throws {
        let server = try SluiceProcess()
        let client = try RawHTTPClient(port: server.port)
        // Not the status path: from SIGTERM on it answers 503 "draining" (docs/fleet.md, AckAfterReplicatedTests).
        try client.send("GET / HTTP/1.1\r\nHost: x\r\n")
        // The half-sent request is in flight once the server has accepted its connection.
        for _ in 0..<1000 {
            let metrics = try RawHTTPClient(port: server.port).request("GET", "/metrics").text
            if metrics.contains("sluice_connections_open 2\n") { break }
        }
        let idle = try RawHTTPClient(port: server.port)
        #expect(try idle.request("GET", "/api/v1/status").status == 200)
        server.signal(SIGTERM)
        try server.waitForLog("shutting down")
        #expect(try idle.isClosedByServer())
        try client.send("\r\n")
        let answer = try client.readAnswer()
        #expect(answer.status == 200)
        // Answered with `Connection: close` if the loop was already draining, otherwise closed right after
        // as an idle connection of a draining loop: either way the connection ends and the server exits 0.
        #expect(try client.isClosedByServer())
        #expect(server.stop() == 0)
    }

    @Test func firstStartPrintsTokensAndACurlLine() throws {
        let server = try SluiceProcess()
        let credentials = try server.bootstrapCredentials()
        let ingest = try #require(credentials["ingestToken"])
        let printed = server.standardOutput()
        #expect(printed.contains(ingest))
        #expect(printed.contains("curl"))
        let attributes = try FileManager.default.attributesOfItem(atPath: server.dataDirectory + "/bootstrap-credentials.json")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(!server.log.contains(ingest), "tokens never reach the log")
    }
}
