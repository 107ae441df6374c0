import Foundation
import Testing
@testable import Tokens

@Suite struct SnapshotFileTests {
    @Test func writesAtomicallyWithMode0600AndLeavesNoTemporaryFile() throws {
        let directory = TemporaryDirectory()
        let file = try Fixture.writeSnapshot(Fixture.snapshot(), in: directory)
        try file.edit { (snapshot) throws(TokenError) in
            try snapshot.addIngestToken(repository: "web", name: "second")
        }
        var info = stat()
        #expect(stat(file.path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(directory.entries == ["tokens.json", "tokens.lock"])
        #expect(try file.load().ingestTokens(in: "web").map(\.name) == ["default", "hashed", "second"])
    }

    @Test func roundTripsEverything() throws {
        let directory = TemporaryDirectory()
        let file = try Fixture.writeSnapshot(Fixture.snapshot(), in: directory)
        #expect(try file.load() == Fixture.snapshot())
    }

    @Test func editThatFailsWritesNothing() throws {
        let directory = TemporaryDirectory()
        let file = try Fixture.writeSnapshot(Fixture.snapshot(), in: directory)
        let before = try Data(contentsOf: URL(fileURLWithPath: file.path))
        #expect(throws: TokenError.notFound("repository 'nope' does not exist")) {
            try file.edit { (snapshot) throws(TokenError) in try snapshot.addIngestToken(repository: "nope", name: "x") }
        }
        // An edit that leaves the snapshot invalid is refused too.
        #expect {
            try file.edit { (snapshot) throws(TokenError) in snapshot.ingestTokens[0].repository = "gone" }
        } throws: { error in
            if case .invalidSnapshot(_, "$.ingestTokens[0].repository", _) = error as? TokenError { return true }
            return false
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: file.path)) == before)
        #expect(directory.entries == ["tokens.json", "tokens.lock"])
    }

    /// Two editors, each with its own `SnapshotFile` (own lock descriptor, as two processes would have),
    /// add many tokens concurrently; the lock makes every edit re-read the other's result, so all survive.
    @Test func lockSerialisesConcurrentEditors() async throws {
        let directory = TemporaryDirectory()
        _ = try Fixture.writeSnapshot(Fixture.snapshot(), in: directory)
        let path = directory.path
        let perEditor = 20
        try await withThrowingTaskGroup(of: Void.self) { group in
            for editor in 0..<2 {
                group.addTask {
                    let file = SnapshotFile(dataDirectory: path)
                    for i in 0..<perEditor {
                        try file.edit { (snapshot) throws(TokenError) in
                            try snapshot.addIngestToken(repository: "web", name: "editor\(editor)-\(i)")
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let names = Set(try SnapshotFile(dataDirectory: path).load().ingestTokens(in: "web").map(\.name))
        for editor in 0..<2 {
            for i in 0..<perEditor { #expect(names.contains("editor\(editor)-\(i)")) }
        }
        #expect(names.count == 2 + 2 * perEditor)
    }

    @Test func lockFileSitsBesideTheSnapshot() {
        #expect(SnapshotFile(path: "/d/tokens.json").lockPath == "/d/tokens.lock")
        #expect(SnapshotFile(path: "tokens.json").lockPath == "./tokens.lock")
        #expect(SnapshotFile(dataDirectory: "/x").path == "/x/tokens.json")
    }

    @Test func missingFileIsASystemError() {
        let file = SnapshotFile(path: "/nonexistent-sluice/tokens.json")
        #expect(throws: TokenError.system(file: "/nonexistent-sluice/tokens.json", operation: "open", errno: ENOENT)) {
            _ = try file.load()
        }
    }
}
