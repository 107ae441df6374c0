import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Forwarding into a real `nats-server -js`: every event ingested arrives in the stream exactly once, also
/// when nats-server is killed and restarted, and when Sluice is SIGKILLed and restarted mid-stream.
@Suite(.serialized) struct JetStreamForwardingTests {
    /// Adds a target on `nats`, creates its stream and attaches `sandbox`; the server picks it up on SIGHUP.
    /// `format` is ndjson, wal, ndjson-gzip or ndjson-zstd (ndjson compressed).
    func attach(_ server: SluiceProcess, _ nats: NATSServer, format: String) throws {
        try attach(server, urls: [nats.url], format: format)
    }

    func attach(_ server: SluiceProcess, urls: [String], format: String, replicas: Int = 1) throws {
        let data = server.dataDirectory
        let compression = format.contains("-") ? ["--compression", String(format.split(separator: "-")[1])] : []
        for arguments in [["forwarders", "add", "--data", data, "--name", "js"] + urls.flatMap { ["--server", $0] } + ["--stream", "LOGS",
                           "--format", String(format.prefix { $0 != "-" }), "--repo", "sandbox", "--reload"] + compression,
                          ["forwarders", "create-stream", "--data", data, "--name", "js", "--duplicate-window", "600",
                           "--replicas", "\(replicas)"]] {
            let run = try SluiceProcess.run(arguments)
            #expect(run.status == 0, "\(run.stderr)")
        }
        try server.waitForLog("state=forwarding")
    }

    func burst(_ server: SluiceProcess, seconds: String = "2") throws -> Int {
        let token = try #require(try server.bootstrapCredentials()["ingestToken"])
        let run = try SluiceProcess.run(["bench", "--url", "http://127.0.0.1:\(server.port)", "--token", token, "--batch", "10",
                                         "--connections", "4", "--duration", seconds, "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        return object?["events"] as? Int ?? 0
    }

    /// The stream holds each WAL record once, and its NDJSON bodies are `sluice wal cat`'s output.
    func expectExactlyOnce(_ server: SluiceProcess, _ nats: NATSServer, format: String) throws {
        try expectExactlyOnce(server, url: nats.url, format: format)
    }

    func expectExactlyOnce(_ server: SluiceProcess, url: String, format: String) throws {
        let messages = try StreamReader.messages(url: url, stream: "LOGS")
        #expect(Set(messages.map(\.id)).count == messages.count, "no duplicate message ids")
        let stats = try SluiceProcess.run(["wal", "stats", "--data", server.dataDirectory]).stdout
        let sandbox = try #require(stats.split(separator: "\n").first { $0.hasPrefix("sandbox\t") }).split(separator: "\t")
        #expect(messages.count == Int(sandbox[4]), "one message per record")
        let events = messages.reduce(0) { $0 + (Int($1.headers["Sluice-Events"] ?? "") ?? 0) }
        #expect(events == Int(sandbox[5]))
        let ordered = messages.sorted { UInt64($0.headers["Sluice-First-Sequence"] ?? "")! < UInt64($1.headers["Sluice-First-Sequence"] ?? "")! }
        let cat = try ChildProcess.runBytes(SluiceProcess.binary, ["wal", "cat", "--data", server.dataDirectory, "--repo", "sandbox"])
        if format == "ndjson-gzip" {
            #expect(ordered.allSatisfy { $0.headers["Content-Encoding"] == "gzip" })
            let inflated = try ChildProcess.runBytes("/bin/gzip", ["-dc"], stdin: ordered.flatMap(\.body))
            #expect(inflated.stdout == cat.stdout, "gzip bodies inflate to wal cat's lines")
        } else if format == "ndjson-zstd" {
            #expect(ordered.allSatisfy { $0.headers["Content-Encoding"] == "zstd" })
            // Each body is one frame; the zstd tool (a consumer without Sluice code) decodes them in a row.
            let decoded = try ChildProcess.runBytes("/usr/bin/env", ["zstd", "-dc"], stdin: ordered.flatMap(\.body))
            #expect(decoded.status == 0 && decoded.stdout == cat.stdout, "zstd bodies decode to wal cat's lines: \(decoded.stderr)")
        } else if format == "ndjson" {
            #expect(ordered.flatMap(\.body) == cat.stdout, "bodies are wal cat's lines")
        } else {
            #expect(ordered.allSatisfy { $0.headers["Sluice-Format"] == "wal" })
            let decoded = try ChildProcess.runBytes(SluiceProcess.binary, ["wal", "cat", "--input", "-"], stdin: ordered.flatMap(\.body))
            #expect(decoded.status == 0 && decoded.stdout == cat.stdout, "wal cat --input reads the stored records: \(decoded.stderr)")
            // The decoder in docs/forwarding.md reads them too.
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            let doc = try String(contentsOf: root.appendingPathComponent("docs/forwarding.md"), encoding: .utf8)
            let start = try #require(doc.range(of: "```python\n"))
            let end = try #require(doc.range(of: "\n```", range: start.upperBound..<doc.endIndex))
            let python = try ChildProcess.runBytes("/usr/bin/python3", ["-c", String(doc[start.upperBound..<end.lowerBound])],
                                                   stdin: ordered.flatMap(\.body))
            let rawstrings = try String(decoding: cat.stdout, as: UTF8.self).split(separator: "\n").map { line in
                try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])["@rawstring"] as? String ?? ""
            }
            #expect(String(decoding: python.stdout, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) == rawstrings,
                    "\(python.stderr)")
        }
    }

    @Test(arguments: ["ndjson", "wal", "ndjson-gzip", "ndjson-zstd"])
    func everyEventArrivesOnce(_ format: String) throws {
        let nats = try NATSServer()
        let server = try SluiceProcess(arguments: ["--segment-bytes", "1000000"])
        defer { server.stop() }
        try attach(server, nats, format: format)
        #expect(try burst(server) > 0)
        try waitDelivered(server.dataDirectory)
        try expectExactlyOnce(server, nats, format: format)
        let metrics = try RawHTTPClient(port: server.port).request("GET", "/metrics").text
        #expect(metrics.contains("sluice_forward_lag_records{repository=\"sandbox\",target=\"js\"} 0"))
        let status = try RawHTTPClient(port: server.port).request("GET", "/api/v1/status").text
        #expect(status.contains("\"target\":\"js\",\"state\":\"forwarding\""))
    }

    @Test func natsServerKilledAndRestartedLosesAndDuplicatesNothing() throws {
        let nats = try NATSServer()
        let server = try SluiceProcess()
        defer { server.stop() }
        try attach(server, nats, format: "ndjson")
        let token = try #require(try server.bootstrapCredentials()["ingestToken"])
        let bench = Process()
        bench.environment = TestEnvironment.snapshot
        bench.executableURL = URL(fileURLWithPath: SluiceProcess.binary)
        bench.arguments = ["bench", "--url", "http://127.0.0.1:\(server.port)", "--token", token, "--batch", "10",
                           "--connections", "4", "--duration", "3"]
        bench.standardOutput = FileHandle.nullDevice
        bench.standardError = FileHandle.nullDevice
        try bench.run()
        usleep(800_000)
        nats.kill9()
        usleep(500_000)
        try nats.start()
        bench.waitUntilExit()
        try waitDelivered(server.dataDirectory)
        try expectExactlyOnce(server, nats, format: "ndjson")
    }

    @Test func sluiceKilledAndRestartedReplaysFromTheCheckpoint() throws {
        let nats = try NATSServer()
        let first = try SluiceProcess()
        try attach(first, nats, format: "wal")
        #expect(try burst(first, seconds: "1") > 0)
        try waitDelivered(first.dataDirectory)
        let delivered = try #require(try StreamReader.messages(url: nats.url, stream: "LOGS").count as Int?)
        first.kill9()
        let second = try SluiceProcess(dataDirectory: first.dataDirectory)
        defer { second.stop(); try? FileManager.default.removeItem(atPath: first.dataDirectory) }
        try second.waitForLog("state=forwarding")
        #expect(try burst(second, seconds: "1") > 0)
        try waitDelivered(second.dataDirectory)
        try expectExactlyOnce(second, nats, format: "wal")
        // The restart resumed at the checkpoint instead of republishing everything.
        let metrics = try RawHTTPClient(port: second.port).request("GET", "/metrics").text
        let line = try #require(metrics.split(separator: "\n").first { $0.hasPrefix("sluice_forward_records_total{") })
        let republished = try #require(Int(line.split(separator: " ").last ?? ""))
        let total = try StreamReader.messages(url: nats.url, stream: "LOGS").count
        #expect(republished <= total - delivered, "\(republished) published after restart, \(total - delivered) new records")
    }

    /// `perf/forward-crash-test.sh` runs this for 50 rounds (SLUICE_FORWARD_CRASH_ROUNDS); the suite runs 3:
    /// ingest under --fsync always while forwarding, SIGKILL the gateway at a seeded moment, restart; at the
    /// end the stream holds every WAL record exactly once.
    @Test func repeatedKillsDeliverEveryRecordOnce() throws {
        let rounds = Int(ProcessInfo.processInfo.environment["SLUICE_FORWARD_CRASH_ROUNDS"] ?? "") ?? 3
        var seed = UInt64(ProcessInfo.processInfo.environment["SLUICE_FORWARD_CRASH_SEED"] ?? "") ?? 19
        func nextDelay() -> UInt32 {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return 150_000 + UInt32((seed >> 33) % 600_000)
        }
        let nats = try NATSServer()
        let data = SluiceProcess.makeDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        do {
            let first = try SluiceProcess(dataDirectory: data)
            try attach(first, nats, format: "ndjson")
            first.kill9()
        }
        for _ in 0..<rounds {
            let server = try SluiceProcess(dataDirectory: data)
            let token = try #require(try server.bootstrapCredentials()["ingestToken"])
            let bench = Process()
            bench.environment = TestEnvironment.snapshot
            bench.executableURL = URL(fileURLWithPath: SluiceProcess.binary)
            bench.arguments = ["bench", "--url", "http://127.0.0.1:\(server.port)", "--token", token, "--batch", "10",
                               "--connections", "4", "--duration", "2"]
            bench.standardOutput = FileHandle.nullDevice
            bench.standardError = FileHandle.nullDevice
            try bench.run()
            usleep(nextDelay())
            server.kill9()
            bench.waitUntilExit()
        }
        let last = try SluiceProcess(dataDirectory: data)
        defer { last.stop() }
        try waitDelivered(data)
        try expectExactlyOnce(last, nats, format: "ndjson")
    }

    /// `perf/forward-cluster-crash-test.sh` runs this for more rounds (SLUICE_FORWARD_CLUSTER_ROUNDS); the
    /// suite runs 1: into an R3 stream on a 3-node cluster, the stream's leader is SIGKILLed while Sluice
    /// ingests and forwards, and restarted; at the end the stream holds every WAL record exactly once.
    @Test func streamLeaderKilledInAClusterLosesAndDuplicatesNothing() throws {
        let rounds = Int(ProcessInfo.processInfo.environment["SLUICE_FORWARD_CLUSTER_ROUNDS"] ?? "") ?? 1
        let cluster = try NATSCluster()
        let server = try SluiceProcess()
        defer { server.stop() }
        try attach(server, urls: cluster.urls, format: "ndjson", replicas: 3)
        let token = try #require(try server.bootstrapCredentials()["ingestToken"])
        for _ in 0..<rounds {
            let leader = try cluster.leader(of: "LOGS")
            let bench = Process()
            bench.environment = TestEnvironment.snapshot
            bench.executableURL = URL(fileURLWithPath: SluiceProcess.binary)
            bench.arguments = ["bench", "--url", "http://127.0.0.1:\(server.port)", "--token", token, "--batch", "10",
                               "--connections", "4", "--duration", "3"]
            bench.standardOutput = FileHandle.nullDevice
            bench.standardError = FileHandle.nullDevice
            try bench.run()
            usleep(800_000)
            try cluster.kill9(leader)
            // Forwarding goes on through the new leader while the old one is down.
            #expect(try cluster.leader(of: "LOGS") != leader)
            bench.waitUntilExit()
            try cluster.restart(leader)
        }
        try waitDelivered(server.dataDirectory)
        try expectExactlyOnce(server, url: cluster.urls.joined(separator: ","), format: "ndjson")
    }

    /// Without its stream the target is reported, in the log and in `sluice forward status`.
    @Test func missingStreamIsAClearError() throws {
        let nats = try NATSServer()
        let server = try SluiceProcess()
        defer { server.stop() }
        let run = try SluiceProcess.run(["forwarders", "add", "--data", server.dataDirectory, "--name", "js", "--server", nats.url,
                                         "--stream", "ABSENT", "--repo", "sandbox", "--reload"])
        #expect(run.status == 0, "\(run.stderr)")
        try server.waitForLog("state=stream-missing")
        let status = try SluiceProcess.run(["forward", "status", "--data", server.dataDirectory]).stdout
        #expect(status.contains("stream-missing") && status.contains("ABSENT"), "\(status)")
    }

    /// `sluice_forward_lag_seconds` and `forward status` give the age of the first record not yet forwarded:
    /// it grows while the stream is missing and is 0 once everything arrived.
    @Test func lagIsTheAgeOfTheFirstUndeliveredRecord() throws {
        let nats = try NATSServer()
        let server = try SluiceProcess()
        defer { server.stop() }
        let run = try SluiceProcess.run(["forwarders", "add", "--data", server.dataDirectory, "--name", "js", "--server", nats.url,
                                         "--stream", "LOGS", "--repo", "sandbox", "--reload"])
        #expect(run.status == 0, "\(run.stderr)")
        try server.waitForLog("state=stream-missing")
        // The forwarder thread yields to ingest: it runs at nice 10.
        let tasks = "/proc/\(server.process.processIdentifier)/task"
        let niceness = try FileManager.default.contentsOfDirectory(atPath: tasks).compactMap { task -> Int? in
            guard (try? String(contentsOfFile: "\(tasks)/\(task)/comm", encoding: .utf8)) == "sluice-forward\n",
                  let stat = try? String(contentsOfFile: "\(tasks)/\(task)/stat", encoding: .utf8) else { return nil }
            return Int(stat[stat.range(of: ")")!.upperBound...].split(separator: " ")[16])
        }
        #expect(!niceness.isEmpty && niceness.allSatisfy { $0 == 10 }, "\(niceness)")
        let token = try #require(try server.bootstrapCredentials()["ingestToken"])
        let answer = try RawHTTPClient(port: server.port).request("POST", "/api/v1/ingest/humio-unstructured",
                                                                  headers: ["Authorization": "Bearer \(token)"], body: Array(#"[{"messages":["waiting"]}]"#.utf8))
        #expect(answer.status == 200)
        func gauge() throws -> Double {
            let metrics = try RawHTTPClient(port: server.port).request("GET", "/metrics").text
            let line = metrics.split(separator: "\n").first { $0.hasPrefix("sluice_forward_lag_seconds{") }
            return line.flatMap { Double($0.split(separator: " ").last ?? "") } ?? -1
        }
        let deadline = Date().addingTimeInterval(20)
        while try gauge() < 1.2, Date() < deadline { usleep(100_000) }
        #expect(try gauge() >= 1.2)
        let status = try SluiceProcess.run(["forward", "status", "--data", server.dataDirectory]).stdout
        let row = status.split(separator: "\n").dropFirst().first.map { $0.split(separator: " ", omittingEmptySubsequences: true) } ?? []
        #expect(row.count >= 5 && (Double(row[4]) ?? 0) >= 1.2, "\(status)")
        let create = try SluiceProcess.run(["forwarders", "create-stream", "--data", server.dataDirectory, "--name", "js"])
        #expect(create.status == 0, "\(create.stderr)")
        try waitDelivered(server.dataDirectory)
        while try gauge() != 0, Date() < deadline { usleep(50_000) }
        #expect(try gauge() == 0)
    }

    /// Retention by size waits for delivery: with the stream missing nothing is deleted, and once it exists
    /// every event from the first on arrives.
    @Test func retentionWaitsForDelivery() throws {
        let nats = try NATSServer()
        let server = try SluiceProcess(arguments: ["--segment-bytes", "200000", "--retention-bytes", "1"])
        defer { server.stop() }
        let run = try SluiceProcess.run(["forwarders", "add", "--data", server.dataDirectory, "--name", "js", "--server", nats.url,
                                         "--stream", "LOGS", "--repo", "sandbox", "--reload"])
        #expect(run.status == 0, "\(run.stderr)")
        try server.waitForLog("state=stream-missing")
        #expect(try burst(server, seconds: "1") > 0)
        let segments = try FileManager.default.contentsOfDirectory(atPath: server.dataDirectory + "/repos/sandbox/wal").sorted()
        #expect(segments.count > 2 && segments.first == "00000000000000000000.seg", "nothing deleted while undelivered: \(segments)")
        let create = try SluiceProcess.run(["forwarders", "create-stream", "--data", server.dataDirectory, "--name", "js"])
        #expect(create.status == 0, "\(create.stderr)")
        try waitDelivered(server.dataDirectory)
        let messages = try StreamReader.messages(url: nats.url, stream: "LOGS")
        #expect(messages.contains { $0.headers["Sluice-First-Sequence"] == "0" })
        #expect(Set(messages.map(\.id)).count == messages.count)
    }

    /// Opt-in: without targets the status answer, the metrics and the data folder are as before.
    @Test func withoutTargetsNothingChanges() throws {
        let server = try SluiceProcess()
        defer { server.stop() }
        #expect(try burst(server, seconds: "1") > 0)
        let status = try RawHTTPClient(port: server.port).request("GET", "/api/v1/status").text
        #expect(!status.contains("forwarders"))
        #expect(!(try RawHTTPClient(port: server.port).request("GET", "/metrics").text.contains("sluice_forward_")))
        // DATA/gateway-id exists from the first start: it names the gateway in its metrics and logs (FleetTests).
        #expect(!FileManager.default.fileExists(atPath: server.dataDirectory + "/repos/sandbox/forward"))
    }

    /// A snapshot naming an unknown target is refused as a whole: the server keeps the previous set.
    @Test func snapshotWithABadTargetIsRefusedAsAWhole() throws {
        let server = try SluiceProcess()
        defer { server.stop() }
        let path = server.dataDirectory + "/tokens.json"
        var text = try String(contentsOfFile: path, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"name\": \"sandbox\", \"organization\": \"default\", \"kind\": \"sandbox\"",
                                         with: "\"name\": \"sandbox\", \"organization\": \"default\", \"kind\": \"sandbox\", \"forwardTo\": [\"nowhere\"]")
        #expect(text.contains("nowhere"))
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        server.signal(SIGHUP)
        try server.waitForLog("kept previous set")
        #expect(server.log.contains("unknown forwarder 'nowhere'"))
        let token = try #require(try server.bootstrapCredentials()["ingestToken"])
        let answer = try RawHTTPClient(port: server.port).request("POST", "/api/v1/ingest/humio-unstructured",
                                                                  headers: ["Authorization": "Bearer \(token)"], body: Array(#"[{"messages":["still serving"]}]"#.utf8))
        #expect(answer.status == 200)
    }
}
