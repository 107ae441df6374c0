import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What a client without a valid token can make the server spend (issue 17, item 1): the head is judged before
/// any body is read, body buffers follow the bytes that arrived, a body has a total deadline and a minimum
/// rate, bodies in flight are capped per loop, and unauthenticated connections cannot take the places of
/// authenticated ones.
@Suite(.serialized) struct PreAuthenticationTests {
    static func head(_ path: String = "/api/v1/ingest/raw", authorization: String?, length: Int, expectContinue: Bool = false) -> String {
        var text = "POST \(path) HTTP/1.1\r\nHost: x\r\nContent-Length: \(length)\r\n"
        if let authorization { text += "Authorization: \(authorization)\r\n" }
        if expectContinue { text += "Expect: 100-continue\r\n" }
        return text + "\r\n"
    }

    static func token(_ server: SluiceProcess) throws -> String {
        try #require(try server.bootstrapCredentials()["ingestToken"])
    }

    /// The server's resident set in KiB (`VmRSS` of its `/proc/PID/status`).
    static func residentKiB(_ server: SluiceProcess) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(server.process.processIdentifier)/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") })
        return try #require(Int(line.split(separator: " ")[1]))
    }

    @Test func missingOrUnknownCredentialsAreAnsweredFromTheHeadWithoutContinue() throws {
        let server = try SluiceProcess()
        let cases: [(path: String, authorization: String?, status: Int)] = [
            ("/api/v1/ingest/raw", nil, 401), ("/api/v1/ingest/raw", "Bearer not-a-token", 401),
            ("/services/collector", "Splunk not-a-token", 403), ("/services/collector", nil, 401),
            ("/api/v1/ingest/raw/not-a-token", nil, 401), ("/graphql", nil, 401),
        ]
        for item in cases {
            let client = try RawHTTPClient(port: server.port)
            try client.send(Self.head(item.path, authorization: item.authorization, length: 33_554_431, expectContinue: true) + "x")
            let answer = try client.readAnswer()
            #expect(answer.status == item.status, "\(item.path) \(item.authorization ?? "none")")
            #expect(answer.headers["connection"]?.lowercased() == "close")
            #expect(try client.isClosedByServer())
        }
    }

    @Test func aValidTokenWithExpectGetsContinue() throws {
        let server = try SluiceProcess()
        let client = try RawHTTPClient(port: server.port)
        try client.send(Self.head(authorization: "Bearer \(try Self.token(server))", length: 5, expectContinue: true))
        #expect(try client.readAnswer().status == 100)
        try client.send("hello")
        #expect(try client.readAnswer().status == 200)
    }

    /// Twenty authenticated and twenty tokenless clients each announce a 32 MiB body and send one byte: no
    /// buffer is sized from the announcement (the issue measured 48 → 704 MB before).
    @Test func announcedBodiesReserveNoMemory() throws {
        let server = try SluiceProcess()
        let token = try Self.token(server)
        let before = try Self.residentKiB(server)
        var clients: [RawHTTPClient] = []
        for _ in 0..<20 {
            let client = try RawHTTPClient(port: server.port)
            try client.send(Self.head(authorization: "Bearer \(token)", length: 33_554_431, expectContinue: true))
            #expect(try client.readAnswer().status == 100)
            try client.send("x")
            clients.append(client)
            let tokenless = try RawHTTPClient(port: server.port)
            try tokenless.send(Self.head(authorization: nil, length: 33_554_431) + "x")
            #expect(try tokenless.readAnswer().status == 401)
        }
        // Answered after the bytes above on the same loops' queues: every "x" has been read by now.
        #expect(try RawHTTPClient(port: server.port).request("GET", "/api/v1/status").status == 200)
        let grown = try Self.residentKiB(server) - before
        #expect(grown < 40 * 1024, "RSS grew by \(grown) KiB")
    }

    /// One byte every 100 ms from an authenticated client: cut by the total body deadline, which progress
    /// does not extend.
    @Test func aTricklingBodyIsCutByTheTotalDeadline() throws {
        let server = try SluiceProcess(arguments: ["--body-timeout", "2", "--min-body-rate", "0"])
        let started = Date()
        let status = try trickle(server, length: 1000)
        #expect(status == 408)
        #expect(Date().timeIntervalSince(started) < 8)
    }

    /// The same trickle under a long deadline: cut by the minimum rate once the grace period is over.
    @Test func aSlowBodyIsCutByTheMinimumRate() throws {
        let server = try SluiceProcess(arguments: ["--body-timeout", "60", "--min-body-rate", "1000", "--body-rate-grace", "1"])
        let started = Date()
        let status = try trickle(server, length: 1000)
        #expect(status == 408)
        #expect(Date().timeIntervalSince(started) < 8)
    }

    /// A tokenless client trickling its head (a header line that never ends) is cut by the head timeout,
    /// counted from the first byte.
    @Test func aTricklingTokenlessHeadIsCutByTheHeadTimeout() throws {
        let server = try SluiceProcess(arguments: ["--head-timeout", "2"])
        let started = Date()
        let status = try trickle(server, start: "POST /api/v1/ingest/raw HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        #expect(status == 408)
        #expect(Date().timeIntervalSince(started) < 8)
    }

    /// Sends a body one byte per 100 ms until the server answers (at most 15 s); returns the status.
    private func trickle(_ server: SluiceProcess, length: Int) throws -> Int {
        try trickle(server, start: Self.head(authorization: "Bearer \(try Self.token(server))", length: length))
    }

    private func trickle(_ server: SluiceProcess, start: String) throws -> Int {
        let client = try RawHTTPClient(port: server.port)
        try client.send(start)
        for _ in 0..<150 {
            if client.waitReadable(milliseconds: 100) { break }
            try? client.send("x")
        }
        return try client.readAnswer().status
    }

    /// The issue's reproduction: with `--max-connections 4`, four tokenless clients holding unfinished heads
    /// left a valid client an empty reply. Now the oldest unauthenticated connection makes room, and an
    /// authenticated keep-alive shipper keeps being served however many tokenless clients arrive, also when
    /// the loop that accepts a connection holds only authenticated ones.
    @Test(arguments: 0..<3) func tokenlessConnectionsCannotCrowdOutAValidClient(round: Int) throws {
        let server = try SluiceProcess(arguments: ["--max-connections", "4"])
        let auth = ["Authorization": "Bearer \(try Self.token(server))"]
        var attackers: [RawHTTPClient] = []
        for _ in 0..<4 {
            let attacker = try RawHTTPClient(port: server.port)
            try? attacker.send("POST /api/v1/ingest/raw HTTP/1.1\r\nHo")
            attackers.append(attacker)
        }
        let shipper = try RawHTTPClient(port: server.port)
        #expect(try shipper.request("POST", "/api/v1/ingest/raw", headers: auth, body: Array("first".utf8)).status == 200)
        for _ in 0..<12 {
            let attacker = try RawHTTPClient(port: server.port)
            try? attacker.send("POST /api/v1/ingest/raw HTTP/1.1\r\nHo")
            attackers.append(attacker)
        }
        #expect(try shipper.request("POST", "/api/v1/ingest/raw", headers: auth, body: Array("second".utf8)).status == 200)
        let newcomer = try RawHTTPClient(port: server.port)
        #expect(try newcomer.request("POST", "/api/v1/ingest/raw", headers: auth, body: Array("third".utf8)).status == 200)
        func counter(_ metrics: String, _ name: String) -> Int? {
            metrics.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Int($0.split(separator: " ")[1]) }
        }
        // Each loop accepts from its own queue: the other loop may still hold attackers the kernel queued to it
        // when this scrape is served, so the count is read until those accepts have happened (or 10 s pass).
        var metrics = ""
        let deadline = Date().addingTimeInterval(10)
        repeat {
            metrics = try RawHTTPClient(port: server.port).request("GET", "/metrics").text
        } while (counter(metrics, "sluice_connections_evicted_unauthenticated_total") ?? 0) < 12 && Date() < deadline
        // Whichever loop the kernel hands a connection to, room is made on some loop: nothing is refused.
        #expect((counter(metrics, "sluice_connections_evicted_unauthenticated_total") ?? 0) >= 12)
        #expect(counter(metrics, "sluice_connections_refused_total") == 0)
    }

    /// Two bodies on one loop whose buffers together pass `--max-inflight-body-bytes`: one of them is answered
    /// 503 with `Retry-After`, the other completes, and the loop takes new bodies once it has.
    @Test func bodiesInFlightAreCappedPerLoop() throws {
        let server = try SluiceProcess(arguments: ["--threads", "1", "--max-request-bytes", "1000000",
                                                   "--max-inflight-body-bytes", "1100000"])
        let token = try Self.token(server)
        let body = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        var clients: [RawHTTPClient] = []
        for _ in 0..<2 {
            let client = try RawHTTPClient(port: server.port)
            try client.send(Self.head(authorization: "Bearer \(token)", length: body.count, expectContinue: true))
            #expect(try client.readAnswer().status == 100)
            clients.append(client)
        }
        for client in clients { try? client.send(Array(body[..<700_000])) }
        // Both bodies cannot fit: the one whose buffer grows past the cap is answered (the other is still
        // waiting for the rest of its body, so it cannot be readable yet).
        var refused: Int?
        for _ in 0..<200 where refused == nil {
            refused = clients.indices.first { clients[$0].waitReadable(milliseconds: 50) }
        }
        let index = try #require(refused)
        let answer = try clients[index].readAnswer()
        #expect(answer.status == 503)
        #expect(answer.headers["retry-after"] != nil)
        let other = clients[1 - index]
        try other.send(Array(body[700_000...]))
        #expect(try other.readAnswer().status == 200)
        let next = try RawHTTPClient(port: server.port)
        #expect(try next.request("POST", "/api/v1/ingest/raw", headers: ["Authorization": "Bearer \(token)"], body: body).status == 200)
    }
}
