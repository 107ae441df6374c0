import Foundation
import Parsers
@testable import Tokens

/// A fresh folder under the system temporary directory, removed when the value is released.
final class TemporaryDirectory {
    let path: String

    init() {
        var template = Array((NSTemporaryDirectory() + "/sluice-tokens-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = String(cString: template.withUnsafeBufferPointer { $0.baseAddress! })
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ name: String, _ text: String) -> String {
        let file = path + "/" + name
        _ = FileManager.default.createFile(atPath: file, contents: Data(text.utf8))
        return file
    }

    var entries: [String] { (try? FileManager.default.contentsOfDirectory(atPath: path))?.sorted() ?? [] }
}

enum Fixture {
    static let tokenA = "A" + String(repeating: "a", count: 42)
    static let tokenB = "B" + String(repeating: "b", count: 42)
    static let apiID = "abc123"
    static let apiToken = "abc123~" + String(repeating: "s", count: 43)

    /// A small valid snapshot: two organizations, a regular, a system and a sandbox repository, a user,
    /// one ingest token in clear and one as a digest, a personal and an organization API token.
    static func snapshot() -> Snapshot {
        Snapshot(
            organizations: [Organization(name: "default"), Organization(name: "other")],
            repositories: [
                Repository(name: "web", organization: "default", kind: .regular),
                Repository(name: "humio", organization: "default", kind: .system),
                Repository(name: "sandbox", organization: "default", kind: .sandbox),
                Repository(name: "elsewhere", organization: "other", kind: .regular),
            ],
            users: [User(name: "alice", root: false, permissions: ["web": ["ChangeIngestTokens"]])],
            apiTokens: [
                APIToken(id: apiID, name: "alice-personal", kind: .personal, user: "alice", token: apiToken),
                APIToken(id: "org1", name: "shipper", kind: .organization, organization: "default",
                         permissions: ["IngestAcrossAllReposWithinOrganization"],
                         tokenSha256: TokenDigest(hashing: "org1~secret").hex),
            ],
            ingestTokens: [
                IngestToken(name: "default", repository: "web", parser: "json", token: tokenA),
                IngestToken(name: "hashed", repository: "web", tokenSha256: TokenDigest(hashing: tokenB).hex),
            ],
            parsers: [CustomParserDefinition(name: "mine", stages: [StageDefinition(op: "parseJson")])],
            features: [])
    }

    static func writeSnapshot(_ snapshot: Snapshot, in directory: TemporaryDirectory) throws -> SnapshotFile {
        let file = SnapshotFile(dataDirectory: directory.path)
        try file.withWriterLock { () throws(TokenError) in try file.write(snapshot) }
        return file
    }
}

extension TokenCache {
    func lookup(_ token: String) -> Principal? {
        var token = token
        return token.withUTF8 { lookup(UnsafeRawBufferPointer($0)) }
    }
}

extension TokenStore {
    func lookup(_ token: String) -> Principal? { cache.lookup(token) }
}
