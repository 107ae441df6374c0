import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `sluice wal cat --follow`, started before a burst of 4 clients posting 10-event requests: it prints every
/// stored event once, in sequence order, across segment rotations and through the zero-filled reserve.
@Suite(.serialized) struct WALFollowTests {
    @Test(arguments: ["always", "none"])
    func followerPrintsEveryEventOfABurst(_ fsync: String) throws {
        let server = try SluiceProcess(arguments: ["--fsync", fsync, "--segment-bytes", "400000"])
        defer { server.stop() }
        let token = try #require(try server.bootstrapCredentials()["ingestToken"])
        let follower = Process()
        follower.environment = TestEnvironment.snapshot
        follower.executableURL = URL(fileURLWithPath: SluiceProcess.binary)
        follower.arguments = ["wal", "cat", "--follow", "--sequence", "--data", server.dataDirectory, "--repo", "sandbox"]
        let out = Pipe()
        follower.standardOutput = out
        try follower.run()
        defer { kill(follower.processIdentifier, SIGKILL); follower.waitUntilExit() }

        let run = try SluiceProcess.run([
            "bench", "--url", "http://127.0.0.1:\(server.port)", "--token", token, "--format", "structured",
            "--batch", "10", "--connections", "4", "--duration", "2", "--json",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let events = try #require(object["events"] as? Int)
        #expect(events > 1000)

        // Read until every acknowledged event was printed (the follower polls; this waits for its output).
        var sequences: [Int] = []
        var pending = Data()
        let handle = out.fileHandleForReading
        let deadline = Date().addingTimeInterval(60)
        while sequences.count < events, Date() < deadline {
            var descriptor = pollfd(fd: handle.fileDescriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 1000) > 0 else { continue }
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            pending.append(chunk)
            while let newline = pending.firstIndex(of: 10) {
                let line = pending[pending.startIndex..<newline]
                pending.removeSubrange(pending.startIndex...newline)
                let object = try JSONSerialization.jsonObject(with: line) as? [String: Any]
                sequences.append(try #require(object?["@sequence"] as? Int))
            }
        }
        #expect(sequences.count == events)
        #expect(sequences == Array(0..<sequences.count), "in order, each once")
        let segments = try FileManager.default.contentsOfDirectory(atPath: server.dataDirectory + "/repos/sandbox/wal")
        #expect(segments.filter { $0.hasSuffix(".seg") }.count > 1, "the burst rotated segments")
    }
}
