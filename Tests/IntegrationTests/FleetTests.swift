import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Two gateways under `--ack-after replicated` behind Debian's haproxy, configured as docs/fleet.md says, on
/// one `nats-server -js`: a client posting through haproxy while one gateway is SIGKILLed sees only 200 or
/// 503, and every batch answered 200 is in the stream exactly once.
@Suite(.serialized) struct FleetTests {
    /// docs/fleet.md's haproxy configuration with a foreground `global`, loopback addresses and quick checks.
    static func haproxyConfiguration(listen: UInt16, gateways: [UInt16], errorFile: String) throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let doc = try String(contentsOf: root.appendingPathComponent("docs/fleet.md"), encoding: .utf8)
        let start = try #require(doc.range(of: "```haproxy\n"))
        let end = try #require(doc.range(of: "\n```", range: start.upperBound..<doc.endIndex))
        let documented = String(doc[start.upperBound..<end.lowerBound])
        let fromDefaults = try #require(documented.range(of: "defaults\n"))
        var lines = ["global", "    maxconn 2000", ""]
        for line in documented[fromDefaults.lowerBound...].split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("server ") || trimmed == "log global" || trimmed == "option httplog" { continue }
            if trimmed.hasPrefix("bind ") { lines.append("    bind 127.0.0.1:\(listen)"); continue }
            if trimmed.hasPrefix("errorfile ") {
                lines.append(line.replacingOccurrences(of: "/etc/haproxy/errors/sluice-503.http", with: errorFile))
                continue
            }
            if trimmed.hasPrefix("default-server ") { lines.append(line.replacingOccurrences(of: "inter 1s", with: "inter 100ms")); continue }
            lines.append(String(line))
        }
        for (index, port) in gateways.enumerated() { lines.append("    server gw\(index + 1) 127.0.0.1:\(port) check") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The error file of docs/fleet.md, with CRLF line ends.
    static func errorFile() throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let doc = try String(contentsOf: root.appendingPathComponent("docs/fleet.md"), encoding: .utf8)
        let marker = try #require(doc.range(of: "sluice-503.http` (CRLF"))
        let start = try #require(doc.range(of: "```\n", range: marker.upperBound..<doc.endIndex))
        let end = try #require(doc.range(of: "\n```", range: start.upperBound..<doc.endIndex))
        let path = NSTemporaryDirectory() + "sluice-503-\(UUID().uuidString).http"
        let text = doc[start.upperBound..<end.lowerBound].replacingOccurrences(of: "\n", with: "\r\n") + "\r\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func acknowledgedBatchesThroughHaproxySurviveAGatewayKilledOnce() throws {
        let nats = try NATSServer()
        let dataA = try AckAfterReplicatedTests.preparedDataFolder(urls: [nats.url])
        // Gateway B serves the same tokens (one snapshot) with a data folder and id of its own.
        let dataB = SluiceProcess.makeDataDirectory()
        try FileManager.default.copyItem(atPath: dataA + "/tokens.json", toPath: dataB + "/tokens.json")
        let a = try AckAfterReplicatedTests.replicatedServer(dataA, timeout: "5")
        let b = try AckAfterReplicatedTests.replicatedServer(dataB, timeout: "5")
        defer {
            a.kill9(); b.stop()
            try? FileManager.default.removeItem(atPath: dataA); try? FileManager.default.removeItem(atPath: dataB)
        }
        let errorFile = try Self.errorFile()
        let listen = try NATSServer.freePort()
        let configPath = NSTemporaryDirectory() + "sluice-haproxy-\(UUID().uuidString).cfg"
        try Self.haproxyConfiguration(listen: listen, gateways: [a.port, b.port], errorFile: errorFile)
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        let check = try ChildProcess.runBytes("/usr/bin/env", ["PATH=/usr/sbin:/usr/bin:/bin", "haproxy", "-c", "-f", configPath])
        #expect(check.status == 0, "haproxy -c: \(String(decoding: check.stdout, as: UTF8.self)) \(check.stderr)")
        let haproxy = Process()
        haproxy.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        haproxy.arguments = ["PATH=/usr/sbin:/usr/bin:/bin", "haproxy", "-db", "-f", configPath]
        haproxy.standardOutput = FileHandle.nullDevice
        haproxy.standardError = FileHandle.nullDevice
        try haproxy.run()
        defer {
            kill(haproxy.processIdentifier, SIGKILL); haproxy.waitUntilExit()
            try? FileManager.default.removeItem(atPath: configPath); try? FileManager.default.removeItem(atPath: errorFile)
        }
        let auth = try AckAfterReplicatedTests.auth(a)
        let ready = Date().addingTimeInterval(20)
        while !NATSServer.accepts(listen) || (try? RawHTTPClient(port: listen).request("GET", "/api/v1/status").status) != 200 {
            guard Date() < ready else { throw TestFailure("haproxy did not come up") }
            usleep(50_000)
        }

        // Four clients post numbered batches (never resent) and note which were answered 200.
        let tally = Tally()
        let group = DispatchGroup()
        for client in 0..<4 {
            DispatchQueue.global().async(group: group) {
                var connection: RawHTTPClient? = nil
                var number = 0
                while !tally.stopped {
                    number += 1
                    let batch = "c\(client)-b\(number)"
                    do {
                        if connection == nil { connection = try RawHTTPClient(port: listen, receiveTimeoutSeconds: 20) }
                        let answer = try connection!.request("POST", "/api/v1/ingest/humio-unstructured", headers: auth,
                                                             body: AckAfterReplicatedTests.body(batch, events: 3))
                        tally.note(batch, status: answer.status)
                        if answer.status != 200 { connection = nil }
                    } catch {
                        // haproxy closed a keep-alive connection whose request A held when it was killed (docs/fleet.md):
                        // no answer, so nothing acknowledged; a new connection for the next batch.
                        tally.lose(hang: "\(error)".contains("errno \(EAGAIN)"))
                        connection = nil
                    }
                }
            }
        }
        let deadline = Date().addingTimeInterval(20)
        while tally.acknowledged.count < 60, Date() < deadline { usleep(20_000) }
        a.kill9()
        let afterKill = tally.acknowledged.count
        while tally.acknowledged.count < afterKill + 60, Date() < deadline { usleep(20_000) }
        tally.stop()
        group.wait()

        let seen = tally.statuses
        #expect(Set(seen.keys).isSubset(of: [200, 503]), "statuses seen: \(seen)")
        #expect(tally.hangs == 0, "no request went 20 s without an answer")
        #expect(tally.lostConnections <= 4, "at most one request lost without an answer per client connection: \(tally.lostConnections)")
        let acked = tally.acknowledged
        #expect(acked.count >= afterKill + 60, "gateway B went on acknowledging after A was killed")
        let messages = try StreamReader.messages(url: nats.url, stream: "LOGS")
        #expect(Set(messages.compactMap { $0.headers["Sluice-Gateway"] }).count == 2, "both gateways forwarded")
        var copies: [Substring: Int] = [:]
        for message in messages {
            for line in String(decoding: message.body, as: UTF8.self).split(separator: "\n") {
                guard let range = line.range(of: " line 0\"") else { continue }
                let head = line[..<range.lowerBound]
                guard let open = head.range(of: "\"", options: .backwards) else { continue }
                copies[head[open.upperBound...], default: 0] += 1
            }
        }
        let wrong = acked.filter { copies[Substring($0)] != 1 }
        #expect(wrong.isEmpty, "acknowledged batches not exactly once in the stream: \(wrong.prefix(10)) of \(acked.count)")
    }
}

/// What the clients of ``FleetTests`` saw, shared between their threads.
final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private var acked: [String] = []
    private var seen: [Int: Int] = [:]
    private var done = false
    private var lost = 0
    private var hung = 0

    /// A request left without an answer: its connection closed (`hang` false) or silent past the timeout.
    func lose(hang: Bool) {
        lock.lock()
        if hang { hung += 1 } else { lost += 1 }
        lock.unlock()
    }

    func note(_ batch: String, status: Int) {
        lock.lock()
        defer { lock.unlock() }
        seen[status, default: 0] += 1
        if status == 200 { acked.append(batch) }
    }

    func stop() {
        lock.lock()
        done = true
        lock.unlock()
    }

    var stopped: Bool { lock.lock(); defer { lock.unlock() }; return done }
    var acknowledged: [String] { lock.lock(); defer { lock.unlock() }; return acked }
    var statuses: [Int: Int] { lock.lock(); defer { lock.unlock() }; return seen }
    var lostConnections: Int { lock.lock(); defer { lock.unlock() }; return lost }
    var hangs: Int { lock.lock(); defer { lock.unlock() }; return hung }
}
