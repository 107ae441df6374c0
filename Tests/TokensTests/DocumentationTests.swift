import Foundation
import Testing
@testable import Tokens

/// The example in docs/tokens.md is a valid snapshot, so the documentation cannot drift from the code.
@Suite struct DocumentationTests {
    @Test func exampleSnapshotValidates() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/tokens.md"), encoding: .utf8)
        let start = try #require(text.range(of: "```json\n"))
        let end = try #require(text.range(of: "\n```", range: start.upperBound..<text.endIndex))
        let directory = TemporaryDirectory()
        let file = SnapshotFile(path: directory.write("tokens.json", String(text[start.upperBound..<end.lowerBound])))
        let snapshot = try file.load()
        #expect(snapshot.ingestTokens.count == 4 && snapshot.apiTokens.count == 2)
        let store = try TokenStore(dataDirectory: directory.path, logger: RecordingLog().logger)
        #expect(store.lookup("shipper-token-0123456789")?.parser?.name == "app-json")
        #expect(store.lookup("abc")?.metricLabel == "web/edge")  // stored as the SHA-256 of "abc"
    }
}
