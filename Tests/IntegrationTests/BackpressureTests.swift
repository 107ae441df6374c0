import Foundation
import Testing

/// Honest backpressure against the real binary on real file systems (root only: they mount one). A stalled
/// writer is an ext4 image frozen with `fsfreeze` (writes block until it thaws); a nearly full disk is a
/// small tmpfs. Ingest past the bound is answered 503 with `Retry-After` (HEC code 9) at once, and the
/// health endpoints say unhealthy until the backlog drains or space is freed.
@Suite(.serialized, .enabled(if: getuid() == 0 && FileManager.default.fileExists(atPath: "/dev/loop-control"),
                            "mounts an ext4 image through a loop device")) struct BackpressureTests {
    /// A file system mounted at a fresh data folder for one test, unmounted (and thawed) at the end.
    final class Mount {
        let path = SluiceProcess.makeDataDirectory()
        private let image: String?
        private(set) var frozen = false

        init(ext4MiB: Int) throws {
            let image = path + ".img"
            self.image = image
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try Self.shell("truncate -s \(ext4MiB)M \(image) && mkfs.ext4 -q \(image) && mount -o loop \(image) \(path)")
        }

        init(tmpfsKiB: Int) throws {
            image = nil
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try Self.shell("mount -t tmpfs -o size=\(tmpfsKiB)k tmpfs \(path)")
        }

        func freeze() throws {
            try Self.shell("fsfreeze -f \(path)")
            frozen = true
        }

        func thaw() throws {
            guard frozen else { return }
            try Self.shell("fsfreeze -u \(path)")
            frozen = false
        }

        func unmount() {
            try? thaw()
            try? Self.shell("umount \(path)")
            if let image { try? FileManager.default.removeItem(atPath: image) }
            try? FileManager.default.removeItem(atPath: path)
        }

        static func shell(_ command: String) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", command]
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw TestFailure("`\(command)` failed: \(process.terminationStatus)") }
        }
    }

    static func health(_ port: UInt16) throws -> (status: Int, hec: Int, hecCode: Int?) {
        let client = try RawHTTPClient(port: port)
        let status = try client.request("GET", "/api/v1/status")
        let hec = try RawHTTPClient(port: port).request("GET", "/services/collector/health")
        return (status.status, hec.status, HECAcknowledgementTests.hecBody(hec).code)
    }

    /// Waits (polling, up to 20 s) until the health endpoints give `status`.
    static func waitForHealth(_ port: UInt16, _ status: Int) throws {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let now = try health(port)
            if now.status == status && now.hec == status { return }
            usleep(50_000)
        }
        throw TestFailure("health never became \(status): \(try health(port))")
    }

    static func noise(_ bytes: Int, seed: UInt64) -> String {
        var generator = SplitMix64(seed: seed)
        return String(decoding: (0..<bytes).map { _ in UInt8(97 + generator.next() % 26) }, as: UTF8.self)
    }

    @Test func aStalledWriterTurnsIngestAway503AndHealthUnhealthyUntilItDrains() throws {
        let mount = try Mount(ext4MiB: 64)
        defer { mount.unmount() }
        let server = try SluiceProcess(dataDirectory: mount.path, arguments: ["--fsync", "always", "--max-pending-bytes", "65536"])
        defer {
            try? mount.thaw()
            _ = server.stop()
        }
        let token = try #require(try server.bootstrapCredentials()["ingestToken"])
        let headers = ["Authorization": "Splunk \(token)"]
        func body(_ marker: String) -> [UInt8] { Array(#"{"event":"\#(marker) \#(Self.noise(20_000, seed: marker.utf8.reduce(UInt64(7)) { $0 &* 31 &+ UInt64($1) }))"}"#.utf8) }
        #expect(try RawHTTPClient(port: server.port).request("POST", "/services/collector/event", headers: headers, body: body("before")).status == 200)
        #expect(try Self.health(server.port) == (200, 200, 17))

        try mount.freeze()
        // Requests whose records wait for the frozen writer, each on its own connection: a refused one is
        // answered at once, a parked one not while the disk is frozen (its answer is read after the thaw).
        var parked: [RawHTTPClient] = []
        var refusal: HTTPAnswer?
        for index in 0..<20 {
            let client = try RawHTTPClient(port: server.port, receiveTimeoutSeconds: 60)
            try client.send(RawHTTPClient.requestBytes("POST", "/services/collector/event", headers: headers, body: body("parked-\(index)")))
            guard client.waitReadable(milliseconds: 500) else {
                parked.append(client)
                continue
            }
            refusal = try client.readAnswer()
            break
        }
        let answer = try #require(refusal, "no request was refused while the writer was stalled")
        #expect(answer.status == 503)
        #expect(answer.headers["retry-after"] != nil)
        #expect(HECAcknowledgementTests.hecBody(answer) == (9, "Server is busy"))
        #expect(try Self.health(server.port) == (503, 503, 18))

        #expect(!parked.isEmpty)
        try mount.thaw()
        let parkedStatuses = try parked.map { try $0.readAnswer().status }
        #expect(parkedStatuses.allSatisfy { $0 == 200 }, "\(parkedStatuses)")
        try Self.waitForHealth(server.port, 200)
        #expect(try RawHTTPClient(port: server.port).request("POST", "/services/collector/event", headers: headers, body: body("after")).status == 200)
        #expect(server.stop() == 0)
        let stored = try StoredEvents.read(dataDirectory: mount.path, repository: "sandbox").map { $0.rawstring.prefix(while: { $0 != " " }) }
        #expect(stored.first == "before" && stored.last == "after" && !stored.contains("refused"))
        #expect(stored.count == 2 + parked.count)
    }

    @Test func freeDiskBelowTheMinimumRefusesIngestUntilSpaceIsFreed() throws {
        let mount = try Mount(tmpfsKiB: 16 * 1024)
        defer { mount.unmount() }
        let server = try SluiceProcess(dataDirectory: mount.path, arguments: ["--fsync", "always", "--min-free-bytes", "\(8 << 20)",
                                                                              "--wal-reserve-bytes", "0"])
        defer { _ = server.stop() }
        let token = try #require(try server.bootstrapCredentials()["ingestToken"])
        let headers = ["Authorization": "Bearer \(token)"]
        #expect(try RawHTTPClient(port: server.port).request("POST", "/api/v1/ingest/raw", headers: headers, body: Array("first".utf8)).status == 200)

        let filler = mount.path + "/filler"
        try Data(count: 10 << 20).write(to: URL(fileURLWithPath: filler))
        try Self.waitForHealth(server.port, 503)
        let refused = try RawHTTPClient(port: server.port).request("POST", "/api/v1/ingest/raw", headers: headers, body: Array("refused".utf8))
        #expect(refused.status == 503 && refused.headers["retry-after"] != nil, "\(refused.text)")

        try FileManager.default.removeItem(atPath: filler)
        try Self.waitForHealth(server.port, 200)
        #expect(try RawHTTPClient(port: server.port).request("POST", "/api/v1/ingest/raw", headers: headers, body: Array("last".utf8)).status == 200)
        #expect(server.stop() == 0)
        #expect(try StoredEvents.read(dataDirectory: mount.path, repository: "sandbox").map(\.rawstring) == ["first", "last"])
    }
}
