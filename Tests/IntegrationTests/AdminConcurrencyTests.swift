import Foundation
import Synchronization
import Testing

/// Eight admin clients adding and removing tokens in parallel while ingest runs: at the end the snapshot
/// on disk, the set the server serves and the audit log agree, and every acknowledged event is stored.
/// Sized by rounds, not by time, so it runs the same on a loaded machine.
@Suite(.serialized) struct AdminConcurrencyTests {
    static let clients = 8
    static let rounds = 16

    @Test func parallelAdminChangesAgreeWithDiskServedSetAndAudit() throws {
        let server = try SluiceProcess(arguments: ["--fsync", "always"])
        let credentials = try server.bootstrapCredentials()
        let root = try #require(credentials["apiToken"])
        let sandbox = try #require(credentials["ingestToken"])

        let done = Atomic<Bool>(false)
        let acknowledged = Mutex<[String]>([])
        let failures = Mutex<[String]>([])
        let kept = Mutex<[String: String]>([:])
        let removed = Mutex<[String]>([])

        let finished = DispatchSemaphore(value: 0)
        let background = Thread {
            defer { finished.signal() }
            var sequence = 0
            while !done.load(ordering: .acquiring) {
                let line = "bg-\(sequence)"
                sequence += 1
                if let status = try? Self.ingest(server.port, sandbox, line), status == 200 {
                    acknowledged.withLock { $0.append(line) }
                } else {
                    failures.withLock { $0.append("background ingest \(line) failed") }
                }
            }
        }
        background.start()

        DispatchQueue.concurrentPerform(iterations: Self.clients) { client in
            do {
                for round in 0..<Self.rounds {
                    let name = "c\(client)-r\(round)"
                    let token = try Self.addToken(server.port, root, name)
                    guard try Self.ingest(server.port, token, "by-\(name)") == 200 else { throw TestFailure("\(name) not usable") }
                    acknowledged.withLock { $0.append("by-\(name)") }
                    if round % 2 == 0 {
                        try Self.removeToken(server.port, root, name)
                        guard try Self.ingest(server.port, token, "after-\(name)") == 401 else { throw TestFailure("\(name) still served") }
                        removed.withLock { $0.append(token) }
                    } else {
                        kept.withLock { $0[name] = token }
                    }
                }
            } catch {
                failures.withLock { $0.append("client \(client): \(error)") }
            }
        }
        done.store(true, ordering: .releasing)
        finished.wait()

        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
        let keptTokens = kept.withLock { $0 }
        #expect(keptTokens.count == Self.clients * Self.rounds / 2)

        // The snapshot on disk.
        let snapshot = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: server.dataDirectory + "/tokens.json"))) as? [String: Any]
        let onDisk = (snapshot?["ingestTokens"] as? [[String: Any]] ?? [])
            .filter { $0["repository"] as? String == "sandbox" }.compactMap { $0["name"] as? String }
        #expect(Set(onDisk) == Set(keptTokens.keys).union(["default"]))
        // The served set.
        for (name, token) in keptTokens { #expect(try Self.ingest(server.port, token, "final-\(name)") == 200) }
        for token in removed.withLock({ $0 }) { #expect(try Self.ingest(server.port, token, "final-removed") == 401) }
        // The audit log.
        let audit = try StoredEvents.read(dataDirectory: server.dataDirectory, repository: "humio-audit")
        let operations = audit.map { "\($0.fields["operation"] ?? "")/\($0.fields["result"] ?? "")" }
        #expect(operations.filter { $0 == "addIngestTokenV3/success" }.count == Self.clients * Self.rounds)
        #expect(operations.filter { $0 == "removeIngestToken/success" }.count == Self.clients * Self.rounds / 2)
        #expect(operations.count == Self.clients * Self.rounds * 3 / 2)
        // Every acknowledged event is stored.
        let stored = Set(try StoredEvents.read(dataDirectory: server.dataDirectory, repository: "sandbox").map(\.rawstring))
        let lost = acknowledged.withLock { $0 }.filter { !stored.contains($0) }
        #expect(lost.isEmpty, "\(lost.prefix(10))")
        #expect(!stored.contains { $0.hasPrefix("after-") || $0 == "final-removed" })
    }

    static func graphql(_ port: UInt16, _ token: String, _ query: String) throws -> [String: Any] {
        let client = try RawHTTPClient(port: port)
        let body = try JSONSerialization.data(withJSONObject: ["query": query])
        let answer = try client.request("POST", "/graphql", headers: ["Authorization": "Bearer \(token)"], body: Array(body))
        guard answer.status == 200, let object = try answer.json() as? [String: Any], object["errors"] == nil else {
            throw TestFailure("graphql answered \(answer.status): \(answer.text)")
        }
        return object
    }

    static func addToken(_ port: UInt16, _ root: String, _ name: String) throws -> String {
        let object = try graphql(port, root, #"mutation { addIngestTokenV3(input: {repositoryName: "sandbox", name: "\#(name)"}) { token } }"#)
        guard let token = ((object["data"] as? [String: Any])?["addIngestTokenV3"] as? [String: Any])?["token"] as? String else {
            throw TestFailure("no token in \(object)")
        }
        return token
    }

    static func removeToken(_ port: UInt16, _ root: String, _ name: String) throws {
        _ = try graphql(port, root, #"mutation { removeIngestToken(repositoryName: "sandbox", name: "\#(name)") { result } }"#)
    }

    static func ingest(_ port: UInt16, _ token: String, _ line: String) throws -> Int {
        let client = try RawHTTPClient(port: port)
        return try client.request("POST", "/api/v1/ingest/raw", headers: ["Authorization": "Bearer \(token)"], body: Array(line.utf8)).status
    }
}
