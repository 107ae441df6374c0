import Foundation
import Testing

/// Organization tokens route each event to the repository it names, within their organization and never
/// into system or sandbox repositories; one bad event refuses the whole request and stores nothing.
@Suite(.serialized) struct RoutingTests {
    /// A server with repositories `web` and `api` in organization `acme`, and a way to post HEC bodies with
    /// an organization token that may ingest into all of acme's repositories.
    static func acmeShippers() throws -> (SluiceProcess, (String) throws -> HTTPAnswer) {
        let server = try SluiceProcess()
        let data = server.dataDirectory
        for name in ["web", "api"] {
            #expect(try SluiceProcess.run(["repos", "add", "--data", data, "--name", name, "--org", "acme"]).status == 0)
        }
        let added = try SluiceProcess.run(["api-tokens", "add", "--data", data, "--kind", "organization", "--name", "shippers",
                                           "--org", "acme", "--permission", "IngestAcrossAllReposWithinOrganization", "--reload"])
        #expect(added.status == 0, "\(added.stderr)")
        let token = added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try server.waitForLog("tokens=reloaded")
        return (server, { body in
            try RawHTTPClient(port: server.port).request("POST", "/services/collector", headers: ["Authorization": "Splunk \(token)"], body: Array(body.utf8))
        })
    }

    @Test func organizationTokenRoutesByIndexAndRefusesWholeRequests() throws {
        let (server, hec) = try Self.acmeShippers()
        let data = server.dataDirectory
        #expect(try hec(#"{"event":"to=web","index":"web"} {"event":"to=api","index":"api"} {"event":"again=web","index":"web"}"#).status == 200)
        for refused in [#"{"event":"ok","index":"web"} {"event":"no index"}"#,
                        #"{"event":"ok","index":"web"} {"event":"x","index":"sandbox"}"#,
                        #"{"event":"x","index":"humio"}"#,
                        #"{"event":"x","index":"nope"}"#] {
            let answer = try hec(refused)
            #expect(answer.status == 400)
            #expect(answer.text.contains(#""text":"Incorrect index","code":7"#))
        }
        func stored(_ repository: String) throws -> [String] {
            let cat = try SluiceProcess.run(["wal", "cat", "--data", data, "--repo", repository])
            return cat.stdout.split(separator: "\n").compactMap {
                (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["@rawstring"] as? String
            }
        }
        #expect(try stored("web") == ["to=web", "again=web"])
        #expect(try stored("api") == ["to=api"])
        #expect(try stored("sandbox").isEmpty)
    }

    /// Consecutive events naming the same repository share one routing decision; a change of name in
    /// between, or an event naming a forbidden repository after accepted ones, is still decided afresh.
    @Test func consecutiveEventsNamingOneRepositoryAreRoutedTogether() throws {
        let (server, hec) = try Self.acmeShippers()
        let data = server.dataDirectory
        #expect(try hec(#"{"event":"a1","index":"api"} {"event":"a2","index":"api"} {"event":"w1","index":"web"} {"event":"w2","index":"web"} {"event":"a3","index":"api"}"#).status == 200)
        #expect(try hec(#"{"event":"w3","index":"web"} {"event":"w4","index":"web"} {"event":"x","index":"humio"}"#).status == 400)
        let api = try SluiceProcess.run(["wal", "cat", "--data", data, "--repo", "api"]).stdout
        let web = try SluiceProcess.run(["wal", "cat", "--data", data, "--repo", "web"]).stdout
        #expect(["a1", "a2", "a3"].allSatisfy { api.contains("\"@rawstring\":\"\($0)\"") })
        #expect(["w1", "w2"].allSatisfy { web.contains("\"@rawstring\":\"\($0)\"") })
        #expect(!web.contains("w3") && !api.contains("w1"))
    }
}
