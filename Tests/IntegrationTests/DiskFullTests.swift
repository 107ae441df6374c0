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

        // Still serving, and still refusing while the disk stays full: the status answer tells a load
        // balancer to send ingest elsewhere for a while (docs/fleet.md).
        let status = try RawHTTPClient(port: server.port).request("GET", "/api/v1/status")
        #expect(status.status == 503 && status.text.contains("write-ahead log failed"), "\(status.text)")
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

/// A request whose events go to several repositories, one of them on a full file system (a small tmpfs
/// mounted over its WAL folder): the whole request is refused with 503, the healthy repository stores none
/// of it however often the shipper retries, and once space is freed the same request stores every event once.
@Suite(.serialized) struct SplitRequestDiskFullTests {
    @Test(.enabled(if: DataFolderTests.canMount, "needs mount -t tmpfs (root)"))
    func aRequestSpanningAFullRepositoryIsStoredAllOrNothing() throws {
        // No zero-filled reserve ahead of the records, so the full file system shows at the next record.
        let server = try SluiceProcess(arguments: ["--fsync", "always", "--wal-reserve-bytes", "0"])
        let data = server.dataDirectory
        for name in ["repa", "repb"] {
            #expect(try SluiceProcess.run(["repos", "add", "--data", data, "--name", name, "--org", "acme"]).status == 0)
        }
        let added = try SluiceProcess.run(["api-tokens", "add", "--data", data, "--kind", "organization", "--name", "shippers",
                                           "--org", "acme", "--permission", "IngestAcrossAllReposWithinOrganization", "--reload"])
        #expect(added.status == 0, "\(added.stderr)")
        let token = added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try server.waitForLog("tokens=reloaded")

        let small = data + "/repos/repb/wal"
        try FileManager.default.createDirectory(atPath: small, withIntermediateDirectories: true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: small).isEmpty, "repb's log is not open yet")
        #expect(try ChildProcess.run("/bin/mount", ["-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", small]).status == 0)
        defer { _ = try? ChildProcess.run("/bin/umount", ["-l", small]) }

        func hec(_ body: String) throws -> HTTPAnswer {
            try RawHTTPClient(port: server.port).request("POST", "/services/collector", headers: ["Authorization": "Splunk \(token)"],
                                                         body: Array(body.utf8))
        }
        // One repository per request: single records, so the logs keep no room beyond them.
        #expect(try hec(#"{"event":"first-a","index":"repa"}"#).status == 200)
        #expect(try hec(#"{"event":"first-b","index":"repb"}"#).status == 200)
        // Fill what is left of repb's file system (dd stops with "No space left on device").
        _ = try ChildProcess.run("/bin/sh", ["-c", "dd if=/dev/zero of='\(small)/filler' bs=4k 2>/dev/null; sync"])

        // repb's part is larger than a page (incompressible), so no page left partly free can take it.
        var generator = SplitMix64(seed: 21)
        let noise = String(decoding: (0..<8000).map { _ in UInt8(97 + generator.next() % 26) }, as: UTF8.self)
        let request = #"{"event":"S-a","index":"repa"}{"event":"S-b "# + noise + #"","index":"repb"}{"event":"T-a","index":"repa"}"#
        for _ in 0..<4 {
            let refused = try hec(request)
            #expect(refused.status == 503)
            #expect(refused.headers["retry-after"] != nil)
            #expect(refused.text.contains("disk full"), "\(refused.text)")
        }
        #expect(try hec(#"{"event":"alone-a","index":"repa"}"#).status == 200, "the healthy repository still takes its own requests")

        try FileManager.default.removeItem(atPath: small + "/filler")
        #expect(try hec(request).status == 200)
        #expect(server.stop() == 0)

        #expect(try StoredEvents.read(dataDirectory: data, repository: "repa").map(\.rawstring) == ["first-a", "alone-a", "S-a", "T-a"])
        #expect(try StoredEvents.read(dataDirectory: data, repository: "repb").map(\.rawstring) == ["first-b", "S-b " + noise])
        let verify = try SluiceProcess.run(["wal", "verify", "--data", data])
        #expect(verify.status == 0, "\(verify.stdout)")
    }
}
