import Foundation
import Testing

/// Shippers' own client libraries, installed from PyPI into a virtual environment inside the test run,
/// and curl for HEC: each must report success and its events must be read back from the WAL.
@Suite(.serialized) struct RealClientTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let venv = packageRoot.appendingPathComponent(".build/python-clients")

    /// The PyPI clients the tests drive; changing the list changes the marker, so the venv is brought up to date.
    static let packages = ["humiolib", "elasticsearch>=8,<9", "splunk-handler"]

    /// Creates the venv once per build folder and installs ``packages`` (a marker naming them makes a second
    /// call free); a pip that cannot reach PyPI fails the test with its output.
    static func python() throws -> String {
        let python = venv.appendingPathComponent("bin/python").path
        let marker = venv.appendingPathComponent(".installed-" + packages.joined(separator: "+").filter { $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" }).path
        if FileManager.default.fileExists(atPath: marker) { return python }
        if !FileManager.default.isExecutableFile(atPath: python) { try shell("/usr/bin/python3", ["-m", "venv", venv.path]) }
        try shell(venv.appendingPathComponent("bin/pip").path, ["install", "--quiet", "--disable-pip-version-check"] + packages)
        FileManager.default.createFile(atPath: marker, contents: Data())
        return python
    }

    @discardableResult
    static func shell(_ executable: String, _ arguments: [String]) throws -> String {
        let result = try ChildProcess.run(executable, arguments)
        guard result.status == 0 else { throw TestFailure("\(executable) \(arguments) failed: \(result.stdout)\(result.stderr)") }
        return result.stdout
    }

    func stored(_ server: SluiceProcess) throws -> [[String: Any]] {
        let result = try SluiceProcess.run(["wal", "cat", "--data", server.dataDirectory, "--repo", "sandbox"])
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    @Test func humiolibAndElasticsearchClients() throws {
        let server = try SluiceProcess()
        let token = try #require(try server.bootstrapCredentials()["ingestToken"])
        let script = Self.packageRoot.appendingPathComponent("Tests/IntegrationTests/Clients/real_clients.py").path
        let output = try Self.shell(try Self.python(), [script, "http://127.0.0.1:\(server.port)", token])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(output.split(separator: "\n").last.map(String.init)?.utf8 ?? "".utf8)) as? [String: Any])
        #expect(report["elasticsearch_bulk_ok"] as? Int == 2)
        #expect((report["elasticsearch_bulk_errors"] as? [Any])?.isEmpty == true)
        let events = try stored(server)
        #expect(events.contains { $0["client"] as? String == "humiolib-json" && $0["@rawstring"] as? String == "humiolib structured event" })
        #expect(events.contains { $0["client"] as? String == "humiolib-messages" && $0["msg"] as? String == "hello" })
        #expect(events.filter { $0["client"] as? String == "es-bulk" }.count == 2)
    }

    @Test func curlHECEventAndRawWithSplunkAuthorization() throws {
        let server = try SluiceProcess()
        let token = try #require(try server.bootstrapCredentials()["ingestToken"])
        let base = "http://127.0.0.1:\(server.port)"
        let event = try Self.shell("/usr/bin/curl", ["-sS", "-H", "Authorization: Splunk \(token)", "-d", #"{"event":"curl=hec-event","sourcetype":"kv"}"#, "\(base)/services/collector/event"])
        #expect(event == #"{"text":"Success","code":0}"#)
        let raw = try Self.shell("/usr/bin/curl", ["-sS", "-H", "Authorization: Splunk \(token)", "--data-binary", "curl raw line 1\ncurl raw line 2\n", "\(base)/services/collector/raw"])
        #expect(raw == #"{"text":"Success","code":0}"#)
        let events = try stored(server)
        #expect(events.contains { $0["curl"] as? String == "hec-event" })
        #expect(events.filter { ($0["@rawstring"] as? String)?.hasPrefix("curl raw line") == true }.count == 2)
    }

    /// Python's `splunk-handler` sends `"index": ""` with every record when no index is configured: an empty
    /// `index` (like an empty `sourcetype`, `source` or `host`) is "not sent", so its records are stored.
    @Test func splunkHandlerWithItsDefaults() throws {
        let server = try SluiceProcess()
        let token = try #require(try server.bootstrapCredentials()["ingestToken"])
        let script = Self.packageRoot.appendingPathComponent("Tests/IntegrationTests/Clients/splunk_handler_client.py").path
        let output = try Self.shell(try Self.python(), [script, "127.0.0.1", "\(server.port)", token, "first record user=ada", "second record user=bob"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(output.split(separator: "\n").last.map(String.init)?.utf8 ?? "".utf8)) as? [String: Any])
        #expect((report["errors"] as? [Any])?.isEmpty == true, "\(output)")
        let events = try stored(server).filter { ($0["@rawstring"] as? String)?.contains(" record user=") == true }
        #expect(events.count == 2)
        #expect(events.allSatisfy { $0["#repo"] == nil && ($0["@host"] as? String)?.isEmpty == false })
    }

    /// A shipper reading the answer into a fixed 512 KiB buffer (Fluent Bit's `es` output at its defaults)
    /// can read the answer to 20 000 `create` actions, and every event is stored once.
    @Test func bulkAnswerToTwentyThousandEventsFitsAFixedBuffer() throws {
        let server = try SluiceProcess()
        let token = try #require(try server.bootstrapCredentials()["ingestToken"])
        let script = Self.packageRoot.appendingPathComponent("Tests/IntegrationTests/Clients/bounded_bulk_client.py").path
        let output = try Self.shell("/usr/bin/python3", [script, "127.0.0.1", "\(server.port)", token, "20000", "\(512 * 1024)"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        #expect(report["fits"] as? Bool == true, "\(output)")
        #expect(report["status"] as? Int == 200)
        #expect(report["errors"] as? Bool == false)
        #expect(report["items"] as? Int == 20_000)
        #expect(try StoredEvents.read(dataDirectory: server.dataDirectory, repository: "sandbox").count == 20_000)
        // `filter_path=errors`, which Vector can send: the answer is a few bytes.
        let filtered = try Self.shell("/usr/bin/python3", [script, "127.0.0.1", "\(server.port)", token, "20000", "4096", "filter_path=errors"])
        let small = try #require(try JSONSerialization.jsonObject(with: Data(filtered.utf8)) as? [String: Any])
        #expect(small["fits"] as? Bool == true && small["errors"] as? Bool == false, "\(filtered)")
        // Fluent Bit, which reads only `errors`, gets no items when none failed.
        let fluentBit = try Self.shell("/usr/bin/python3", [script, "127.0.0.1", "\(server.port)", token, "20000", "4096", "", "Fluent-Bit"])
        let brief = try #require(try JSONSerialization.jsonObject(with: Data(fluentBit.utf8)) as? [String: Any])
        #expect(brief["fits"] as? Bool == true && brief["errors"] as? Bool == false && brief["items"] as? Int == 0, "\(fluentBit)")
        #expect(try StoredEvents.read(dataDirectory: server.dataDirectory, repository: "sandbox").count == 60_000)
    }
}
