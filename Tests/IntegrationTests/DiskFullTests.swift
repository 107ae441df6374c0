import Foundation
import Testing

/// A full disk, made real with `ulimit -f` (writes past it fail with EFBIG): ingest answers 503 with
/// `Retry-After` and a JSON body, the server keeps running, and everything acknowledged before is intact.
@Suite(.serialized) struct DiskFullTests {
    @Test func writesPastTheLimitAre503AndNothingAcknowledgedIsLost() throws {
        let server = try SluiceProcess(arguments: ["--fsync", "always"], fileSizeLimitKiB: 256)
        let token = try #require(try server.bootstrapCredentials()["ingestToken"])
        let client = try RawHTTPClient(port: server.port)
        var acknowledged: [String] = []
        var refusal: HTTPAnswer?
        var generator = SplitMix64(seed: 17)
        for index in 0..<400 {
            // Incompressible lines, so the WAL grows by about the body size.
            let marker = "batch-\(index)"
            let noise = String(decoding: (0..<2000).map { _ in UInt8(97 + generator.next() % 26) }, as: UTF8.self)
            let answer = try client.request("POST", "/api/v1/ingest/raw", headers: ["Authorization": "Bearer \(token)"], body: Array("\(marker) \(noise)".utf8))
            if answer.status == 200 {
                acknowledged.append(marker)
                continue
            }
            refusal = answer
            break
        }
        let answer = try #require(refusal, "the limit was never reached")
        #expect(answer.status == 503)
        #expect(answer.headers["retry-after"] != nil)
        #expect((try answer.json() as? [String: Any])?["error"] is String)
        // What happened in the client's terms; the segment's path and errno only in the server's log.
        #expect(answer.text.contains("disk full"), "\(answer.text)")
        #expect(!answer.text.contains(server.dataDirectory) && !answer.text.contains("errno"), "\(answer.text)")
        #expect(!acknowledged.isEmpty)

        // Still serving, and still refusing while the disk stays full.
        let status = try RawHTTPClient(port: server.port).request("GET", "/api/v1/status")
        #expect(status.status == 200)
        #expect(server.stop() == 0)

        let cat = try SluiceProcess.run(["wal", "cat", "--data", server.dataDirectory, "--repo", "sandbox"])
        #expect(cat.status == 0, "\(cat.stderr)")
        let stored = Set(cat.stdout.split(separator: "\n").compactMap { line -> String? in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return (object["@rawstring"] as? String)?.split(separator: " ").first.map(String.init)
        })
        #expect(Set(acknowledged).isSubset(of: stored))
        let verify = try SluiceProcess.run(["wal", "verify", "--data", server.dataDirectory])
        #expect(verify.status == 0, "\(verify.stdout)")
    }
}
