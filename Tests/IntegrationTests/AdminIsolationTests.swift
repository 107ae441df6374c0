import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Admin requests run on their own worker pool: while every admin worker is blocked (the test holds
/// the snapshot writers' lock, so each mutation waits in `flock`), the single event loop keeps answering
/// ingest; once the lock is released the mutations complete.
@Suite(.serialized) struct AdminIsolationTests {
    @Test func blockedAdminRequestsDoNotDelayIngest() throws {
        let server = try SluiceProcess(arguments: ["--threads", "1"])
        let credentials = try server.bootstrapCredentials()
        let root = try #require(credentials["apiToken"])
        let sandbox = try #require(credentials["ingestToken"])

        let lock = open(server.dataDirectory + "/tokens.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        #expect(lock >= 0)
        defer { close(lock) }
        #expect(flock(lock, LOCK_EX) == 0)

        // More mutations than admin workers, each parked behind the lock.
        let admins = try (0..<3).map { index -> RawHTTPClient in
            let client = try RawHTTPClient(port: server.port)
            let body = try JSONSerialization.data(withJSONObject: [
                "query": #"mutation { addIngestTokenV3(input: {repositoryName: "sandbox", name: "blocked-\#(index)"}) { name } }"#,
            ])
            try client.send(Array("POST /graphql HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(root)\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + Array(body))
            return client
        }

        for index in 0..<5 {
            let client = try RawHTTPClient(port: server.port)
            let answer = try client.request("POST", "/api/v1/ingest/raw", headers: ["Authorization": "Bearer \(sandbox)"], body: Array("while blocked \(index)".utf8))
            #expect(answer.status == 200)
        }
        let status = try RawHTTPClient(port: server.port).request("GET", "/api/v1/status")
        #expect(status.status == 200)

        #expect(flock(lock, LOCK_UN) == 0)
        for client in admins {
            let answer = try client.readAnswer()
            #expect(answer.status == 200)
            #expect(answer.text.contains("blocked-"), "\(answer.text)")
        }
    }
}
