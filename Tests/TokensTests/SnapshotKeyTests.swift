import Testing
@testable import Tokens

/// The bucket layout of a shared snapshot: key text, values, and the writes an edit turns into.
@Suite struct SnapshotKeyTests {
    @Test(arguments: [
        (SnapshotKey.meta, "meta"),
        (.repository("web"), "repo.web"),
        (.ingestToken(repository: "web", name: "my token.v2"), "token.web.my=20token=2Ev2"),
        (.user("ann=é"), "user.ann=3D=C3=A9"),
        (.apiToken("abc~1"), "api.abc=7E1"),
        (.organization(""), "org.="),
    ])
    func keyTextRoundTrips(key: SnapshotKey, text: String) {
        #expect(key.text == text)
        #expect(SnapshotKey(text: text) == key)
        // NATS's key alphabet.
        #expect(text.utf8.allSatisfy { $0 == 46 || $0 == 61 || $0 == 95 || $0 == 45 || ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) })
    }

    @Test(arguments: ["", "repo", "repo.a.b", "token.a", "nope.a", "repo.=4", "repo.=ZZ", "repo."])
    func malformedKeysAreNotKeys(text: String) {
        #expect(SnapshotKey(text: text) == nil)
    }

    @Test func everyElementRoundTripsThroughItsValue() throws {
        let snapshot = Fixture.snapshot()
        for element in snapshot.elements {
            let decoded = try SnapshotElement.decode(element.encoded()[...], key: element.key, keyText: element.key.text, source: "nats://x/B")
            #expect(decoded == element)
        }
    }

    @Test func aValueUnderTheWrongKeyIsRefused() {
        let value = SnapshotElement.repository(Repository(name: "web")).encoded()
        #expect(throws: TokenError.self) {
            try SnapshotElement.decode(value[...], key: .repository("other"), keyText: "repo.other", source: "nats://x/B")
        }
    }

    @Test func batchTagRoundTrips() {
        let tagged = SnapshotValue(batch: ("k3x", 2), body: Array("{}".utf8)[...])
        #expect(SnapshotValue(parsing: tagged.bytes) == tagged)
        #expect(SnapshotValue(parsing: Array("{\"version\": 1}".utf8)).batch == nil)
        #expect(SnapshotValue(parsing: Array("#batch k3x 2\n".utf8)).isDeletion)
    }

    @Test func addingOneTokenChangesOneKey() throws {
        let old = Fixture.snapshot()
        var new = old
        _ = try new.addIngestToken(repository: "web", name: "extra")
        let changes = old.changes(to: new)
        #expect(changes.map(\.key) == [.ingestToken(repository: "web", name: "extra")])
        var applied = old
        for change in changes { applied.set(change.key, to: change.element) }
        #expect(applied == new)
    }

    @Test func removingARepositoryDeletesChildrenBeforeTheRepository() throws {
        let old = Fixture.snapshot()
        var new = old
        try new.removeRepository(name: "web")
        let changes = old.changes(to: new)
        let deletions = changes.filter { $0.element == nil }.map(\.key)
        #expect(deletions.last == .repository("web"))
        #expect(deletions.contains(.ingestToken(repository: "web", name: "default")))
        var applied = old
        for change in changes { applied.set(change.key, to: change.element) }
        #expect(applied.ingestTokens == new.ingestTokens && applied.repositories == new.repositories && applied.users == new.users)
    }

    @Test func addingARepositoryPutsItBeforeItsToken() throws {
        let old = Fixture.snapshot()
        var new = old
        _ = try new.addRepository(name: "fresh", createdAt: 1)
        let keys = old.changes(to: new).map(\.key)
        #expect(keys.first == .repository("fresh"))
        #expect(keys.count == 2 && keys.last.map { if case .ingestToken(repository: "fresh", _) = $0 { true } else { false } } == true)
    }

    /// Many changes at once (a whole bucket read) go through position tables and give the same result as
    /// setting them one by one: replacements in place, additions at the end, removals closed up.
    @Test func manyChangesApplyAsOneByOne() throws {
        var base = Fixture.snapshot()
        for i in 0..<40 { _ = try base.addIngestToken(repository: "web", name: "t\(i)") }
        var changes: [(key: SnapshotKey, element: SnapshotElement?)] = []
        for i in stride(from: 0, to: 40, by: 3) { changes.append((.ingestToken(repository: "web", name: "t\(i)"), nil)) }
        changes.append((.ingestToken(repository: "web", name: "t4"), .ingestToken(IngestToken(name: "t4", repository: "web", parser: "kv", token: "E" + String(repeating: "e", count: 42)))))
        for i in 0..<20 { changes.append((.repository("r\(i)"), .repository(Repository(name: "r\(i)")))) }
        changes.append((.meta, .meta(version: 1, features: ["CustomIngestTokens"])))
        var oneByOne = base
        for change in changes { oneByOne.set(change.key, to: change.element) }
        var together = base
        together.apply(changes)
        #expect(together == oneByOne)
        #expect(together.ingestTokens.count == base.ingestTokens.count - 14)
    }
}
