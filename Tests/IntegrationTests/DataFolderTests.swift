import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What `sluice serve` and the CLI leave in the data folder, and what a failure there shows to clients.
@Suite(.serialized) struct DataFolderTests {
    /// Posts a GraphQL request with `token`.
    static func graphql(_ port: UInt16, _ query: String, token: String) throws -> HTTPAnswer {
        let body = try JSONSerialization.data(withJSONObject: ["query": query])
        return try RawHTTPClient(port: port).request(
            "POST", "/graphql", headers: ["Content-Type": "application/json", "Authorization": "Bearer \(token)"], body: Array(body))
    }

    /// The data folder holds customers' logs and credentials: after a first start, ingest, a CLI token edit and
    /// an admin mutation (its audit event is a second repository), every file is 0600 and every folder 0700,
    /// the data folder itself included, whatever the umask of the shell that started them (here 022).
    @Test func everythingUnderTheDataFolderIsTheOwnersAlone() throws {
        let parent = SluiceProcess.makeDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let data = parent + "/data"
        let previous = umask(0o022)
        defer { umask(previous) }
        let server = try SluiceProcess(dataDirectory: data, arguments: ["--fsync", "always"])
        let credentials = try server.bootstrapCredentials()
        let token = try #require(credentials["ingestToken"])
        let apiToken = try #require(credentials["apiToken"])
        let answer = try RawHTTPClient(port: server.port).request(
            "POST", "/api/v1/ingest/raw", headers: ["Authorization": "Bearer \(token)"], body: Array("a line".utf8))
        #expect(answer.status == 200)
        let added = try SluiceProcess.run(["tokens", "add", "--data", data, "--repo", "sandbox", "--name", "second", "--reload"])
        #expect(added.status == 0, "\(added.stderr)")
        let mutation = try Self.graphql(server.port, #"mutation { addIngestTokenV3(input: {repositoryName: "sandbox", name: "third"}) { name } }"#, token: apiToken)
        #expect(mutation.status == 200 && !mutation.text.contains("errors"), "\(mutation.text)")

        var modes: [String: mode_t] = [:]
        var info = stat()
        #expect(stat(data, &info) == 0)
        modes["."] = info.st_mode
        let enumerator = try #require(FileManager.default.enumerator(atPath: data))
        while let relative = enumerator.nextObject() as? String {
            #expect(lstat(data + "/" + relative, &info) == 0)
            modes[relative] = info.st_mode
        }
        #expect(modes.keys.contains { $0.hasSuffix(".seg") } && modes.keys.contains("tokens.json"), "\(modes.keys.sorted())")
        #expect(modes.keys.contains { $0.contains("humio-audit") }, "the audit repository's WAL: \(modes.keys.sorted())")
        for (path, mode) in modes.sorted(by: { $0.key < $1.key }) {
            if mode & S_IFMT == S_IFDIR {
                #expect(mode & 0o777 == 0o700, "folder \(path) is \(String(mode & 0o777, radix: 8))")
            } else {
                #expect(mode & 0o777 == 0o600, "file \(path) is \(String(mode & 0o777, radix: 8))")
            }
        }
        #expect(server.stop() == 0)
    }

    /// Whether this machine lets the tests mount a small tmpfs (root outside a restricted container).
    static let canMount: Bool = {
        let point = SluiceProcess.makeDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: point) }
        guard let result = try? ChildProcess.run("/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", point]), result.status == 0 else { return false }
        _ = try? ChildProcess.run("/bin/umount", [point])
        return true
    }()

    /// A really full disk (a 4 MiB tmpfs filled by the test): ingest answers 503 saying `disk full`, and a
    /// token mutation that cannot write the snapshot says so, and neither shows the server's paths or errno
    /// (the log has them).
    @Test(.enabled(if: canMount, "needs mount -t tmpfs (root)"))
    func fullDiskAnswersSayWhatHappenedWithoutServerPaths() throws {
        let point = SluiceProcess.makeDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: point) }
        #expect(try ChildProcess.run("/bin/mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", point]).status == 0)
        defer { _ = try? ChildProcess.run("/bin/umount", ["-l", point]) }
        let data = point + "/data"
        let server = try SluiceProcess(dataDirectory: data, arguments: ["--fsync", "always", "--wal-reserve-bytes", "0"])
        let credentials = try server.bootstrapCredentials()
        let token = try #require(credentials["ingestToken"])
        let apiToken = try #require(credentials["apiToken"])
        let client = try RawHTTPClient(port: server.port)
        #expect(try client.request("POST", "/api/v1/ingest/raw", headers: ["Authorization": "Bearer \(token)"], body: Array("before".utf8)).status == 200)
        // Fill what is left (dd stops with "No space left on device").
        _ = try ChildProcess.run("/bin/sh", ["-c", "dd if=/dev/zero of='\(point)/filler' bs=64k 2>/dev/null; sync"])

        var generator = SplitMix64(seed: 8)
        let noise = (0..<65536).map { _ in UInt8(97 + generator.next() % 26) }
        let refused = try client.request("POST", "/services/collector/raw", headers: ["Authorization": "Splunk \(token)"], body: noise)
        #expect(refused.status == 503)
        #expect(refused.text.contains("disk full"), "\(refused.text)")
        let structured = try client.request("POST", "/api/v1/ingest/raw", headers: ["Authorization": "Bearer \(token)"], body: noise)
        #expect(structured.status == 503)
        for body in [refused.text, structured.text] {
            #expect(!body.contains(point) && !body.contains("errno") && !body.contains(".seg"), "\(body)")
        }

        let mutation = try Self.graphql(server.port, #"mutation { addIngestTokenV3(input: {repositoryName: "sandbox", name: "late"}) { name } }"#, token: apiToken)
        #expect(mutation.text.contains("the snapshot could not be written: disk full"), "\(mutation.text)")
        #expect(!mutation.text.contains(point) && !mutation.text.contains("tokens.json") && !mutation.text.contains("errno"), "\(mutation.text)")
        #expect(server.log.contains(point), "the server's log names the file")
        #expect(server.stop() == 0)
    }
}
