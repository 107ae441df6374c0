import Foundation
import Testing

/// Shippers' own client libraries, installed from PyPI into a virtual environment inside the test run,
/// and curl for HEC: each must report success and its events must be read back from the WAL.
@Suite(.serialized) struct RealClientTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let venv = packageRoot.appendingPathComponent(".build/python-clients")

    /// Creates the venv once per build folder (humiolib, elasticsearch 8.x).
    static func python() throws -> String {
        let python = venv.appendingPathComponent("bin/python").path
        let marker = venv.appendingPathComponent(".installed-v1").path
        if FileManager.default.fileExists(atPath: marker) { return python }
        try shell("/usr/bin/python3", ["-m", "venv", venv.path])
        try shell(venv.appendingPathComponent("bin/pip").path, ["install", "--quiet", "--disable-pip-version-check", "humiolib", "elasticsearch>=8,<9"])
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
}
