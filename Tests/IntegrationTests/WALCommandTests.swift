import Foundation
import Testing

/// `sluice wal cat` selecting by `--from` and `--limit`, with `--sequence`, across records.
@Suite struct WALCommandTests {
    @Test func catHonoursFromLimitAndSequenceAcrossRecords() throws {
        let server = try SluiceProcess(arguments: ["--fsync", "always"])
        let token = try #require(try server.bootstrapCredentials()["ingestToken"])
        for body in ["a\nb\nc", "d\ne"] {
            let answer = try RawHTTPClient(port: server.port).request(
                "POST", "/services/collector/raw", headers: ["Authorization": "Splunk \(token)"], body: Array(body.utf8))
            #expect(answer.status == 200)
        }
        #expect(server.stop() == 0)
        func cat(_ arguments: [String]) throws -> [(Int, String)] {
            let result = try SluiceProcess.run(["wal", "cat", "--data", server.dataDirectory, "--repo", "sandbox", "--sequence"] + arguments)
            #expect(result.status == 0, "\(result.stderr)")
            return result.stdout.split(separator: "\n").compactMap { line in
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      let sequence = object["@sequence"] as? Int, let raw = object["@rawstring"] as? String else { return nil }
                return (sequence, raw)
            }
        }
        #expect(try cat([]).map(\.0) == [0, 1, 2, 3, 4])
        #expect(try cat([]).map(\.1) == ["a", "b", "c", "d", "e"])
        #expect(try cat(["--limit", "4"]).map(\.0) == [0, 1, 2, 3])
        #expect(try cat(["--from", "1", "--limit", "3"]).map(\.1) == ["b", "c", "d"])
        #expect(try cat(["--from", "1", "--limit", "3"]).map(\.0) == [1, 2, 3])
        #expect(try cat(["--from", "4"]).map(\.0) == [4])
    }
}
