import Foundation
import Testing

/// Idle keep-alive connections cost what they hold (issue 18, item 4): a connection that sent one request
/// and went idle keeps no read buffer (perf/idle-connections.sh measures 5 000 and more).
@Suite(.serialized) struct IdleConnectionTests {
    @Test func idleConnectionsHoldNoReadBuffer() throws {
        let server = try SluiceProcess(arguments: ["--fsync", "none"])
        let auth = ["Authorization": "Bearer \(try PreAuthenticationTests.token(server))"]
        let body = Array(#"[{"messages":["idle agent hello"]}]"#.utf8)
        // Warm both loops' per-request buffers on a few connections first.
        for _ in 0..<8 {
            let client = try RawHTTPClient(port: server.port)
            for _ in 0..<20 { #expect(try client.request("POST", "/api/v1/ingest/humio-unstructured", headers: auth, body: body).status == 200) }
        }
        let before = try PreAuthenticationTests.residentKiB(server)
        let count = 2_000
        var held: [RawHTTPClient] = []
        for _ in 0..<count {
            let client = try RawHTTPClient(port: server.port)
            #expect(try client.request("POST", "/api/v1/ingest/humio-unstructured", headers: auth, body: body).status == 200)
            held.append(client)
        }
        let perConnection = (try PreAuthenticationTests.residentKiB(server) - before) * 1024 / count
        #expect(perConnection < 8 * 1024, "RSS grew by \(perConnection) bytes per idle connection")
    }
}
