import Foundation
import Testing

/// An event's content never routes it and never gets its request refused: a `#repo` that a parser or a
/// content object (HEC `event` object, bulk source) yields is not stored as a field and marks the event with
/// `@error`; only the request's routing fields (HEC `index`, bulk `_index`, structured tags and attributes)
/// are checked, and they must agree.
@Suite(.serialized) struct ContentRepositoryTests {
    /// A server, its bootstrap ingest token (no parser) and a second token of `sandbox` whose parser is `json`.
    static func server() throws -> (SluiceProcess, plain: String, json: String) {
        let server = try SluiceProcess()
        let plain = try #require(try server.bootstrapCredentials()["ingestToken"])
        let added = try SluiceProcess.run(["tokens", "add", "--data", server.dataDirectory, "--repo", "sandbox",
                                           "--name", "json", "--parser", "json", "--reload"])
        #expect(added.status == 0, "\(added.stderr)")
        try server.waitForLog("tokens=reloaded")
        return (server, plain, added.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    static func post(_ server: SluiceProcess, _ path: String, token: String, _ body: String) throws -> HTTPAnswer {
        try RawHTTPClient(port: server.port).request("POST", path, headers: ["Authorization": "Bearer \(token)"], body: Array(body.utf8))
    }

    @Test func contentNamingARepositoryIsStoredWithItsNeighbours() throws {
        let (server, plain, json) = try Self.server()
        let crafted = ##"{\"#repo\":\"humio-audit\",\"n\":1}"##
        let requests: [(path: String, token: String, body: String, marker: String)] = [
            ("/services/collector", plain, ##"{"event":"before=1"} {"event":"\##(crafted)","sourcetype":"json"} {"event":"after=1"}"##, "hec-json"),
            ("/services/collector", plain, ##"{"event":{"#repo":"humio-audit","n":2}} {"event":{"\u0023repo":"humio-audit","n":3}}"##, "hec-object"),
            ("/_bulk", plain, "{\"index\":{}}\n{\"#repo\":\"humio-audit\",\"n\":4}\n{\"create\":{}}\n{\"n\":5}\n", "bulk"),
            ("/api/v1/ingest/humio-structured", json, ##"[{"events":[{"rawstring":"\##(crafted)"},{"rawstring":"{\"n\":6}"}]}]"##, "structured"),
            ("/services/collector/raw", json, "{\"#repo\":\"humio-audit\",\"n\":7}\n{\"n\":8}\n", "hec-raw"),
            ("/api/v1/ingest/humio-unstructured", plain, ##"[{"messages":["#repo=humio-audit n=9","n=10"]}]"##, "kv"),
        ]
        for request in requests {
            let answer = try Self.post(server, request.path, token: request.token, request.body)
            #expect(answer.status == 200, "\(request.marker): \(answer.text)")
            #expect(!answer.text.contains("\"errors\":true"), "\(request.marker): \(answer.text)")
        }
        let stored = try StoredEvents.read(dataDirectory: server.dataDirectory, repository: "sandbox")
        #expect(stored.count == 13)
        #expect(stored.allSatisfy { $0.fields["#repo"] == nil })
        let marked = stored.filter { $0.fields["@error"] == "true" }
        #expect(marked.count == 6)
        #expect(marked.allSatisfy { $0.fields["@error_msg"]?.contains("#repo") == true })
        #expect(stored.contains { $0.fields["n"] == "3" } && stored.contains { $0.fields["n"] == "9" })
        #expect(try StoredEvents.read(dataDirectory: server.dataDirectory, repository: "humio-audit")
            .allSatisfy { !$0.rawstring.contains("humio-audit\",\"n\"") })
    }

    /// The request's own routing fields are still checked, and an event naming two repositories is refused
    /// whole (a reader keeping either field would otherwise see one that was not checked).
    @Test func routingFieldsAreCheckedAndMustAgree() throws {
        let (server, plain, _) = try Self.server()
        let refused: [(path: String, body: String)] = [
            ("/services/collector", ##"{"event":"x","index":"humio-audit"}"##),
            ("/services/collector", ##"{"event":"ok=1"} {"event":"x","index":"sandbox","fields":{"#repo":"humio-audit"}}"##),
            ("/services/collector", ##"{"event":"x","index":"sandbox","index":"humio-audit"}"##),
            ("/api/v1/ingest/humio-structured", ##"[{"tags":{"#repo":"sandbox"},"events":[{"attributes":{"#repo":"humio-audit"},"rawstring":"x"}]}]"##),
            ("/api/v1/ingest/humio-structured", ##"[{"events":[{"attributes":{"#repo":"sandbox","#repo":"humio-audit"},"rawstring":"x"}]}]"##),
        ]
        for (index, request) in refused.enumerated() {
            let answer = try Self.post(server, request.path, token: plain, request.body)
            #expect(answer.status == 400, "\(index): \(answer.text)")
            if index >= 3 { #expect(answer.text.contains("more than one repository"), "\(answer.text)") }
        }
        let agreeing = try Self.post(server, "/services/collector", token: plain,
                                     ##"{"event":"same=1","index":"sandbox","fields":{"#repo":"sandbox"}}"##)
        #expect(agreeing.status == 200, "\(agreeing.text)")
        let stored = try StoredEvents.read(dataDirectory: server.dataDirectory, repository: "sandbox")
        #expect(stored.map(\.rawstring) == ["same=1"])
        #expect(try StoredEvents.read(dataDirectory: server.dataDirectory, repository: "humio-audit")
            .allSatisfy { !$0.rawstring.contains("\"x\"") })
    }
}
