import Foundation
import Testing

/// Per-repository retention on the real binary: a repository's own `timeBasedRetention` (set through the
/// admin API as humioctl sends it, or with `sluice repos retention --reload`) deletes its sealed segments
/// while the server is running, and its neighbour, under the server's `--retention-hours`, keeps its own.
@Suite(.serialized) struct RepositoryRetentionTests {
    let server: SluiceProcess
    let rootToken: String
    static let oneSecondInDays = 1.0 / 86_400

    init() throws {
        server = try SluiceProcess(arguments: ["--retention-hours", "48", "--segment-bytes", "2048", "--fsync", "always"])
        rootToken = try #require(try server.bootstrapCredentials()["apiToken"])
    }

    func graphql(_ query: String, _ variables: [String: Any] = [:]) throws -> [String: Any] {
        let body = try JSONSerialization.data(withJSONObject: ["query": query, "variables": variables])
        let answer = try RawHTTPClient(port: server.port).request(
            "POST", "/graphql", headers: ["Content-Type": "application/json", "Authorization": "Bearer \(rootToken)"], body: Array(body))
        let object = try #require(try answer.json() as? [String: Any], "\(answer.text)")
        #expect(answer.status == 200 && object["errors"] == nil, "\(answer.text)")
        return object["data"] as? [String: Any] ?? [:]
    }

    func walFolder(_ repository: String) -> String { server.dataDirectory + "/repos/" + repository + "/wal" }

    /// The repository's segment files; none before its first record created its folder.
    func segments(_ repository: String) throws -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: walFolder(repository))) ?? []).filter { $0.hasSuffix(".seg") }.sorted()
    }

    /// Creates `name` with a token and sends requests until at least four of its segments are sealed;
    /// ages every segment by an hour (well inside the server's 48 hours); returns the segments.
    func repositoryWithSealedSegments(_ name: String) throws -> [String] {
        _ = try graphql("mutation C($R: String!) { createRepository(name: $R) { repository { id } } }", ["R": name])
        let added = try graphql("mutation A($R: String!) { addIngestTokenV3(input: {repositoryName: $R, name: \"t\"}) { token } }", ["R": name])
        let token = try #require((added["addIngestTokenV3"] as? [String: Any])?["token"] as? String)
        var round = 0
        while try segments(name).count < 5 {
            let lines = (0..<20).map { "\(name) round=\(round) line=\($0) status=200 path=/api/v\($0 % 3)" }
            let body = try JSONSerialization.data(withJSONObject: [["messages": lines]])
            let answer = try RawHTTPClient(port: server.port).request(
                "POST", "/api/v1/ingest/humio-unstructured", headers: ["Authorization": "Bearer \(token)"], body: Array(body))
            #expect(answer.status == 200)
            round += 1
        }
        let segments = try segments(name)
        let anHourAgo = Date(timeIntervalSinceNow: -3600)
        for segment in segments {
            try FileManager.default.setAttributes([.modificationDate: anHourAgo], ofItemAtPath: walFolder(name) + "/" + segment)
        }
        return segments
    }

    func retentionDays(_ repository: String) throws -> Any? {
        let data = try graphql("query G($R: String!) { repository(name: $R) { timeBasedRetention } }", ["R": repository])
        return (data["repository"] as? [String: Any])?["timeBasedRetention"]
    }

    @Test func aTinyRetentionSetThroughTheAPIDeletesTheRepositorysSealedSegmentsOnly() throws {
        let short = try repositoryWithSealedSegments("short")
        let long = try repositoryWithSealedSegments("long")
        #expect(try retentionDays("short") as? Double == 2, "the server's default until the repository has its own")

        // humioctl's `repos update --retention-time`, as it sends it.
        _ = try graphql("""
            mutation UpdateTimeBasedRetention($RepositoryName: String!, $RetentionInDays: Float) {
              updateRetention(repositoryName: $RepositoryName, timeBasedRetention: $RetentionInDays) { __typename }
            }
            """, ["RepositoryName": "short", "RetentionInDays": Self.oneSecondInDays])
        try server.waitForLog("WAL retention deleted a sealed segment", occurrences: short.count - 1)

        #expect(try segments("short") == [short.last!], "every sealed segment went; the active one stays")
        #expect(try segments("long") == long, "the neighbour keeps its segments under the server's 48 hours")
        #expect(try retentionDays("short") as? Double == Self.oneSecondInDays)
        #expect(try retentionDays("long") as? Double == 2)
    }

    @Test func theCommandLineSetsItAndTheServerAppliesItOnReload() throws {
        let kept = try repositoryWithSealedSegments("kept")
        let trimmed = try repositoryWithSealedSegments("trimmed")
        let changed = try SluiceProcess.run(["repos", "retention", "--data", server.dataDirectory, "--name", "trimmed",
                                             "--days", String(Self.oneSecondInDays), "--reload"])
        #expect(changed.status == 0, "\(changed.stderr)")
        #expect(changed.stdout == "trimmed: \(Self.oneSecondInDays) days\n")
        try server.waitForLog("WAL retention deleted a sealed segment", occurrences: trimmed.count - 1)
        #expect(try segments("trimmed") == [trimmed.last!])
        #expect(try segments("kept") == kept)

        let listed = try SluiceProcess.run(["repos", "list", "--data", server.dataDirectory, "--json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        #expect(rows.first { $0["name"] as? String == "trimmed" }?["timeBasedRetention"] as? Double == Self.oneSecondInDays)
        #expect(rows.first { $0["name"] as? String == "kept" }?["timeBasedRetention"] == nil)

        // `default` hands the repository back to the server's setting.
        let reset = try SluiceProcess.run(["repos", "retention", "--data", server.dataDirectory, "--name", "trimmed", "--days", "default", "--reload"])
        #expect(reset.status == 0 && reset.stdout == "trimmed: default\n", "\(reset.stderr)")
        try server.waitForLog("tokens=reloaded", occurrences: 2)
        #expect(try retentionDays("trimmed") as? Double == 2)
    }
}
