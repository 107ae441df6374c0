import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Forwarding to a LogScale-compatible HTTP upstream: a second real Sluice receives every event with the same
/// content; a scripted upstream (a real socket server in the test) answers 503, 429 with Retry-After and 400
/// to check retries and the dead-letter file; a SIGKILLed gateway replays from its checkpoint.
@Suite(.serialized) struct HTTPForwardingTests {
    func attach(_ gateway: SluiceProcess, url: String, token: String, gzip: Bool = false, extra: [String] = []) throws {
        let run = try SluiceProcess.run(["forwarders", "add", "--data", gateway.dataDirectory, "--name", "up", "--kind", "http",
                                         "--url", url, "--upstream-token", token, "--repo", "sandbox", "--reload"]
                                        + (gzip ? ["--compression", "gzip"] : []) + extra)
        #expect(run.status == 0, "\(run.stderr)")
    }

    func burst(_ server: SluiceProcess, seconds: String = "1") throws -> Int {
        let token = try #require(try server.bootstrapCredentials()["ingestToken"])
        let run = try SluiceProcess.run(["bench", "--url", "http://127.0.0.1:\(server.port)", "--token", token, "--batch", "10",
                                         "--connections", "4", "--duration", seconds, "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        return object?["events"] as? Int ?? 0
    }

    /// The repository's events as `sluice wal cat` prints them, without `@ingesttimestamp` (each gateway
    /// stamps its own), as canonical JSON lines.
    func events(_ data: String) throws -> [String] {
        let cat = try ChildProcess.runBytes(SluiceProcess.binary, ["wal", "cat", "--data", data, "--repo", "sandbox"])
        return try String(decoding: cat.stdout, as: UTF8.self).split(separator: "\n").map { line in
            var object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            object["@ingesttimestamp"] = nil
            return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        }
    }

    @Test(arguments: [false, true])
    func everyEventArrivesAtTheUpstreamSluice(gzip: Bool) throws {
        let upstream = try SluiceProcess()
        defer { upstream.stop() }
        let gateway = try SluiceProcess()
        defer { gateway.stop() }
        let upstreamToken = try #require(try upstream.bootstrapCredentials()["ingestToken"])
        try attach(gateway, url: "http://127.0.0.1:\(upstream.port)", token: upstreamToken, gzip: gzip)
        #expect(try burst(gateway) > 0)
        try waitDelivered(gateway.dataDirectory)
        let sent = try events(gateway.dataDirectory)
        let received = try events(upstream.dataDirectory)
        // Bodies travel over several connections at once, so the upstream may store them in another order.
        #expect(sent.count > 0 && received.sorted() == sent.sorted(), "\(sent.count) sent, \(received.count) received")
        let metrics = try RawHTTPClient(port: gateway.port).request("GET", "/metrics").text
        #expect(metrics.contains("sluice_forward_rejected_total{repository=\"sandbox\",target=\"up\"} 0"))
        let status = try RawHTTPClient(port: gateway.port).request("GET", "/api/v1/status").text
        #expect(status.contains("\"target\":\"up\",\"state\":\"forwarding\""))
    }

    /// An https upstream whose certificate the target's CA file vouches for; without it the certificate is refused.
    @Test func httpsUpstreamWithItsCA() throws {
        let fixtures = try TLSFixtures()
        let (certificate, key) = try fixtures.makeServerCertificate("server")
        let upstream = try SluiceProcess(tlsCertificate: certificate, key: key)
        defer { upstream.stop() }
        let gateway = try SluiceProcess()
        defer { gateway.stop() }
        let upstreamToken = try #require(try upstream.bootstrapCredentials()["ingestToken"])
        let url = "https://127.0.0.1:\(try upstream.tlsPort())"
        try attach(gateway, url: url, token: upstreamToken, extra: ["--tls-ca", certificate])
        #expect(try burst(gateway, seconds: "0.5") > 0)
        try waitDelivered(gateway.dataDirectory)
        let sent = try events(gateway.dataDirectory)
        let received = try events(upstream.dataDirectory)
        #expect(sent.count > 0 && received.sorted() == sent.sorted())

        let untrusting = try SluiceProcess()
        defer { untrusting.stop() }
        try attach(untrusting, url: url, token: upstreamToken)
        #expect(try burst(untrusting, seconds: "0.2") > 0)
        try untrusting.waitForLog("state=backing-off")
        let status = try SluiceProcess.run(["forward", "status", "--data", untrusting.dataDirectory]).stdout
        #expect(status.contains("certificate"), "\(status)")
    }

    @Test func upstreamAnswering503Then429WithRetryAfterLosesNothing() throws {
        // Two 503s, then two 429s asking for a 1 s pause, then 200s.
        let fake = try ScriptedUpstream { number, _ in
            number < 2 ? (503, [:]) : number < 4 ? (429, ["Retry-After": "1"]) : (200, [:])
        }
        defer { fake.close() }
        let gateway = try SluiceProcess()
        defer { gateway.stop() }
        try attach(gateway, url: "http://127.0.0.1:\(fake.port)", token: "upstream-secret")
        #expect(try burst(gateway, seconds: "0.5") > 0)
        try waitDelivered(gateway.dataDirectory)
        let sent = try events(gateway.dataDirectory).map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])["@rawstring"] as? String }
        #expect(fake.acceptedRawstrings().map { $0 ?? "" }.sorted() == sent.map { $0 ?? "" }.sorted(), "every event arrives once the upstream accepts")
        let answers = fake.answered()
        #expect(answers.prefix(4) == [503, 503, 429, 429])
        #expect(fake.authorizations().allSatisfy { $0 == "Bearer upstream-secret" })
        // Retry-After: 1 was honoured between the two 429s and after the second.
        let times = fake.requestTimes()
        #expect(times[3] - times[2] >= 0.9 && times[4] - times[3] >= 0.9, "\(times.prefix(5)) \(answers.prefix(6))")
        let metrics = try RawHTTPClient(port: gateway.port).request("GET", "/metrics").text
        #expect(metrics.contains("sluice_forward_errors_total{repository=\"sandbox\",target=\"up\",reason=\"status_503\"} 2"))
        #expect(metrics.contains("sluice_forward_errors_total{repository=\"sandbox\",target=\"up\",reason=\"status_429\"} 2"))
        // One log line per state change, not one per failed attempt.
        #expect(gateway.logSoFar().components(separatedBy: "state=backing-off").count - 1 == 1, "\(gateway.logSoFar())")
    }

    /// A refused token (401) is retried, never dead-lettered.
    @Test func upstreamRefusingTheTokenIsRetried() throws {
        let fake = try ScriptedUpstream { number, _ in number < 2 ? (401, [:]) : (200, [:]) }
        defer { fake.close() }
        let gateway = try SluiceProcess()
        defer { gateway.stop() }
        try attach(gateway, url: "http://127.0.0.1:\(fake.port)", token: "t")
        #expect(try burst(gateway, seconds: "0.2") > 0)
        try waitDelivered(gateway.dataDirectory)
        #expect(fake.answered().prefix(3) == [401, 401, 200])
        #expect(!FileManager.default.fileExists(atPath: gateway.dataDirectory + "/repos/sandbox/forward/up.dead.ndjson"))
    }

    @Test func upstreamRefusingOneRecordDeadLettersItAndTheRestFlows() throws {
        let fake = try ScriptedUpstream { _, body in
            String(decoding: body, as: UTF8.self).contains("POISON") ? (400, [:]) : (200, [:])
        }
        defer { fake.close() }
        let gateway = try SluiceProcess()
        defer { gateway.stop() }
        let token = try #require(try gateway.bootstrapCredentials()["ingestToken"])
        // Three requests, three WAL records, stored before the target is attached so they go in one body.
        for text in ["before", "POISON pill", "after"] {
            let body = Array(#"[{"tags":{"host":"h1"},"events":[{"timestamp":1700000000000,"rawstring":"\#(text)","attributes":{"k":"v"}}]}]"#.utf8)
            let answer = try RawHTTPClient(port: gateway.port).request("POST", "/api/v1/ingest/humio-structured",
                                                                       headers: ["Authorization": "Bearer \(token)"], body: body)
            #expect(answer.status == 200)
        }
        try attach(gateway, url: "http://127.0.0.1:\(fake.port)", token: "t")
        try waitDelivered(gateway.dataDirectory)
        #expect(fake.acceptedRawstrings() == ["before", "after"])
        let dead = try String(contentsOfFile: gateway.dataDirectory + "/repos/sandbox/forward/up.dead.ndjson", encoding: .utf8)
        let lines = dead.split(separator: "\n")
        #expect(lines.count == 2, "\(dead)")
        let header = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])["deadLetter"] as? [String: Any]
        #expect(header?["status"] as? Int == 400 && header?["answer"] as? String == "refused" && header?["events"] as? Int == 1)
        let event = try #require(try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
        #expect(event["@rawstring"] as? String == "POISON pill" && event["#host"] as? String == "h1" && event["k"] as? String == "v")
        let metrics = try RawHTTPClient(port: gateway.port).request("GET", "/metrics").text
        #expect(metrics.contains("sluice_forward_rejected_total{repository=\"sandbox\",target=\"up\"} 1"))
        // The group's tags and the attributes reached the upstream as sent.
        #expect(fake.acceptedBodies().contains { $0.contains(#""tags":{"host":"h1"}"#) && $0.contains(#""attributes":{"k":"v"}"#) })
    }

    /// Several requests are in flight at once against a slow upstream, and the checkpoint still ends past
    /// every event, each delivered once.
    @Test func severalRequestsAreInFlightAtOnce() throws {
        let fake = try ScriptedUpstream(delay: 0.3) { _, _ in (200, [:]) }
        defer { fake.close() }
        let gateway = try SluiceProcess()
        defer { gateway.stop() }
        try attach(gateway, url: "http://127.0.0.1:\(fake.port)", token: "t")
        #expect(try burst(gateway, seconds: "1.5") > 0)
        try waitDelivered(gateway.dataDirectory)
        #expect(fake.mostInFlight() >= 2, "\(fake.mostInFlight()) at most")
        let sent = try events(gateway.dataDirectory).map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])["@rawstring"] as? String ?? "" }
        #expect(fake.acceptedRawstrings().map { $0 ?? "" }.sorted() == sent.sorted())
    }

    @Test func gatewayKilledReplaysFromTheCheckpoint() throws {
        let upstream = try SluiceProcess()
        defer { upstream.stop() }
        let first = try SluiceProcess()
        let upstreamToken = try #require(try upstream.bootstrapCredentials()["ingestToken"])
        try attach(first, url: "http://127.0.0.1:\(upstream.port)", token: upstreamToken)
        let token = try #require(try first.bootstrapCredentials()["ingestToken"])
        let bench = Process()
        bench.executableURL = URL(fileURLWithPath: SluiceProcess.binary)
        bench.arguments = ["bench", "--url", "http://127.0.0.1:\(first.port)", "--token", token, "--batch", "10",
                           "--connections", "4", "--duration", "2"]
        bench.standardOutput = FileHandle.nullDevice
        bench.standardError = FileHandle.nullDevice
        try bench.run()
        usleep(1_000_000)
        first.kill9()
        bench.waitUntilExit()
        let second = try SluiceProcess(dataDirectory: first.dataDirectory)
        defer { second.stop(); try? FileManager.default.removeItem(atPath: first.dataDirectory) }
        #expect(try burst(second, seconds: "0.5") > 0)
        try waitDelivered(second.dataDirectory)
        let sent = try events(second.dataDirectory)
        let received = try events(upstream.dataDirectory)
        var counts: [String: Int] = [:]
        for line in received { counts[line, default: 0] += 1 }
        #expect(sent.allSatisfy { counts[$0] != nil }, "no loss")
        #expect(Set(received).isSubset(of: Set(sent)), "nothing but the gateway's events")
        let duplicates = received.count - sent.count
        #expect(duplicates >= 0)
        print("HTTP forwarding after SIGKILL: \(sent.count) events, \(duplicates) duplicates at the upstream")
    }
}

/// A real HTTP/1.1 server on a loopback port for fault cases: each request's answer comes from `script`
/// (request number from 0, body) as a status and extra headers; it records every request.
final class ScriptedUpstream: @unchecked Sendable {
    let port: UInt16
    private let listener: Int32
    private let lock = NSLock()
    private var records: [(status: Int, authorization: String, body: [UInt8], time: Double)] = []
    private let script: (Int, [UInt8]) -> (Int, [String: String])
    /// Seconds each answer waits (a slow upstream), and the most requests that waited at once.
    private let delay: Double
    private var inFlight = 0
    private var most = 0

    init(delay: Double = 0, script: @escaping (Int, [UInt8]) -> (Int, [String: String])) throws {
        self.script = script
        self.delay = delay
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } }
        guard bound == 0, listen(listener, 16) == 0 else { throw TestFailure("cannot listen") }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in
            while true {
                let fd = accept(listener, nil, nil)
                if fd < 0 { return }
                Thread { [self] in serve(fd) }.start()
            }
        }
        thread.start()
    }

    func close() { shutdown(listener, Int32(SHUT_RDWR)); Glibc.close(listener) }

    private func serve(_ fd: Int32) {
        defer { Glibc.close(fd) }
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        func fill() -> Bool {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n <= 0 { return false }
            buffer.append(contentsOf: chunk[0..<n])
            return true
        }
        while true {
            var headEnd: Int?
            while headEnd == nil {
                if let range = buffer.firstRange(of: Array("\r\n\r\n".utf8)) { headEnd = range.upperBound; break }
                guard fill() else { return }
            }
            let head = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
            var length = 0
            var authorization = ""
            var gzip = false
            for line in head.split(separator: "\r\n") {
                let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2 else { continue }
                switch parts[0].lowercased() {
                case "content-length": length = Int(parts[1]) ?? 0
                case "authorization": authorization = parts[1]
                case "content-encoding": gzip = parts[1] == "gzip"
                default: break
                }
            }
            while buffer.count < headEnd! + length { guard fill() else { return } }
            var body = Array(buffer[headEnd!..<(headEnd! + length)])
            buffer.removeFirst(headEnd! + length)
            if gzip, let inflated = try? ChildProcess.runBytes("/bin/gzip", ["-dc"], stdin: body) { body = inflated.stdout }
            let (status, headers) = lock.withLock { () -> (Int, [String: String]) in
                let answer = script(records.count, body)
                records.append((answer.0, authorization, body, Date().timeIntervalSince1970))
                return answer
            }
            if delay > 0 {
                lock.withLock { inFlight += 1; most = max(most, inFlight) }
                usleep(UInt32(delay * 1_000_000))
                lock.withLock { inFlight -= 1 }
            }
            let text = status == 200 ? "" : "refused"
            var response = "HTTP/1.1 \(status) X\r\nContent-Length: \(text.utf8.count)\r\n"
            for (name, value) in headers { response += "\(name): \(value)\r\n" }
            response += "\r\n" + text
            let bytes = Array(response.utf8)
            _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL)) }
        }
    }

    func answered() -> [Int] { lock.withLock { records.map(\.status) } }
    func mostInFlight() -> Int { lock.withLock { most } }
    func authorizations() -> [String] { lock.withLock { records.map(\.authorization) } }
    func requestTimes() -> [Double] { lock.withLock { records.map(\.time) } }
    func acceptedBodies() -> [String] { lock.withLock { records.filter { $0.status == 200 }.map { String(decoding: $0.body, as: UTF8.self) } } }

    /// The rawstrings of every event in the accepted bodies, in order.
    func acceptedRawstrings() -> [String?] {
        acceptedBodies().flatMap { body -> [String?] in
            let groups = (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]]) ?? []
            return groups.flatMap { ($0["events"] as? [[String: Any]] ?? []).map { $0["rawstring"] as? String } }
        }
    }
}
