import Dispatch
import Foundation
import Synchronization
import Testing

/// Thousands of repositories on one gateway under a small open-file limit: a few writer threads serve
/// them all, descriptors run short without the listeners ever pausing, and every request is stored.
@Suite(.serialized) struct ManyRepositoriesTests {
    /// Adds `names` to organization `acme` by rewriting the snapshot (write-temp + rename) and reloading,
    /// and returns an organization token that may ingest into all of them.
    static func addRepositories(_ names: [String], to server: SluiceProcess) throws -> String {
        let data = server.dataDirectory
        #expect(try SluiceProcess.run(["repos", "add", "--data", data, "--name", names[0], "--org", "acme"]).status == 0)
        let added = try SluiceProcess.run(["api-tokens", "add", "--data", data, "--kind", "organization", "--name", "shippers",
                                           "--org", "acme", "--permission", "IngestAcrossAllReposWithinOrganization"])
        #expect(added.status == 0, "\(added.stderr)")
        let path = data + "/tokens.json"
        var snapshot = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any] ?? [:]
        var repositories = snapshot["repositories"] as? [[String: Any]] ?? []
        for name in names.dropFirst() { repositories.append(["name": name, "organization": "acme", "kind": "regular"]) }
        snapshot["repositories"] = repositories
        try JSONSerialization.data(withJSONObject: snapshot).write(to: URL(fileURLWithPath: path + ".test-tmp"))
        #expect(rename(path + ".test-tmp", path) == 0)
        server.signal(SIGHUP)
        try server.waitForLog("tokens=reloaded")
        return added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func threads(of server: SluiceProcess) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(server.process.processIdentifier)/task").count) ?? -1
    }

    /// 3 000 repositories, one HEC request each, under `ulimit -n 1024` (soft and hard, so nothing can be
    /// raised): all answered 200, the listeners never pause, the server keeps loops + writers + a few
    /// threads, and each repository holds its event.
    @Test func threeThousandRepositoriesUnderASmallFileLimit() throws {
        let server = try SluiceProcess(arguments: ["--wal-writers", "2"], limits: ["-n 1024"])
        try server.waitForLog("open_files=1024")
        let names = (0..<3000).map { "team\($0)" }
        let token = try Self.addRepositories(names, to: server)
        let statuses = Mutex<[Int: Int]>([:])
        let peakThreads = Atomic<Int>(0)
        let clients = 8
        DispatchQueue.concurrentPerform(iterations: clients) { client in
            guard let http = try? RawHTTPClient(port: server.port) else { return }
            for index in stride(from: client, to: names.count, by: clients) {
                let body = #"{"event":"hello \#(names[index])","index":"\#(names[index])"}"#
                let status = (try? http.request("POST", "/services/collector", headers: ["Authorization": "Splunk \(token)"],
                                                body: Array(body.utf8)))?.status ?? -1
                statuses.withLock { $0[status, default: 0] += 1 }
                if index % 100 == 0 {
                    let count = Self.threads(of: server)
                    while true {
                        let peak = peakThreads.load(ordering: .relaxed)
                        if count <= peak || peakThreads.compareExchange(expected: peak, desired: count, ordering: .relaxed).exchanged { break }
                    }
                }
            }
        }
        #expect(statuses.withLock { $0 } == [200: names.count])
        #expect(!server.log.contains("pausing listeners"))
        // main, 2 loops, 2 WAL writers, 2 admin workers, the signal watcher's and the runtime's few.
        let peak = peakThreads.load(ordering: .relaxed)
        #expect(peak > 0 && peak <= 2 + 2 + 8, "server threads peaked at \(peak)")
        let metrics = try RawHTTPClient(port: server.port).request("GET", "/metrics").text
        let open = metrics.split(separator: "\n").first { $0.hasPrefix("sluice_wal_open_repositories ") }
        #expect(open != nil)
        #expect((open.flatMap { Int($0.split(separator: " ")[1]) } ?? Int.max) < 1024)
        #expect(server.stop() == 0)
        for name in ["team0", "team1499", "team2999"] {
            let stored = try StoredEvents.read(dataDirectory: server.dataDirectory, repository: name)
            #expect(stored.map(\.rawstring) == ["hello \(name)"])
        }
    }

    /// The soft open-file limit is raised to the hard one at start and reported in the start-up line.
    @Test func softFileLimitIsRaisedToTheHardLimit() throws {
        let server = try SluiceProcess(limits: ["-Sn 1024", "-Hn 2048"])
        try server.waitForLog("open_files=2048")
        let limits = try String(contentsOfFile: "/proc/\(server.process.processIdentifier)/limits", encoding: .utf8)
        let line = limits.split(separator: "\n").first { $0.hasPrefix("Max open files") }.map(String.init) ?? ""
        #expect(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst(3).first == "2048", "\(line)")
        #expect(server.stop() == 0)
    }
}
