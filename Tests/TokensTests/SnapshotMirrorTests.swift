import Testing
@testable import Tokens

/// A gateway's view of the shared snapshot: entries in, validated snapshots out.
@Suite struct SnapshotMirrorTests {
    /// A mirror that has read `Fixture.snapshot()` from a bucket (revisions 1…n in layout order).
    func seededMirror() -> (SnapshotMirror, UInt64) {
        var mirror = SnapshotMirror(source: "nats://127.0.0.1:4222/TOKENS")
        var revision: UInt64 = 0
        for write in SnapshotMirror.seedWrites(Fixture.snapshot()) {
            revision += 1
            mirror.receive(key: write.key, revision: revision, value: write.value, nowMillis: 0)
        }
        let (changed, refusals) = mirror.settle(nowMillis: 0, initial: true)
        #expect(changed && refusals.isEmpty)
        return (mirror, revision)
    }

    /// A first read hands every entry over at once (decoded on every core): the mirror ends exactly as when it
    /// takes them one by one, with a superseded value, a deletion and a batch among them (and, in a small
    /// bucket, a stray key and a bad value, each refused: a large one would be validated group by group).
    @Test(arguments: [(9000, false), (20, true)])
    func entriesTakenTogetherEqualEntriesTakenOneByOne(tokens: Int, withRefusals: Bool) throws {
        var snapshot = Fixture.snapshot()
        for i in 0..<tokens {
            snapshot.ingestTokens.append(IngestToken(name: "t\(i)", repository: "web", token: "T\(i)" + String(repeating: "t", count: 43 - "T\(i)".count)))
        }
        var entries: [(key: String, revision: UInt64, value: [UInt8]?)] = []
        for write in SnapshotMirror.seedWrites(snapshot) { entries.append((write.key, UInt64(entries.count + 1), write.value)) }
        let replaced = SnapshotElement.ingestToken(IngestToken(name: "t5", repository: "web", token: "R" + String(repeating: "r", count: 42)))
        entries.append((replaced.key.text, 1, replaced.encoded()))  // older than the value it would replace: ignored
        entries.append((SnapshotKey.ingestToken(repository: "web", name: "t7").text, UInt64(entries.count + 1), nil))
        let pair = [IngestToken(name: "p1", repository: "web", token: "P" + String(repeating: "1", count: 42)),
                    IngestToken(name: "p2", repository: "web", token: "P" + String(repeating: "2", count: 42))]
        for token in pair {
            let value = SnapshotValue(batch: ("b", 2), body: SnapshotElement.ingestToken(token).encoded()[...])
            entries.append((SnapshotElement.ingestToken(token).key.text, UInt64(entries.count + 1), value.bytes))
        }
        if withRefusals {
            entries.append(("not-a-key", UInt64(entries.count + 1), Array("{}".utf8)))
            entries.append((SnapshotKey.ingestToken(repository: "web", name: "bad").text, UInt64(entries.count + 1), Array("{".utf8)))
        }
        var together = SnapshotMirror(source: "nats://127.0.0.1:4222/TOKENS")
        together.receive(entries, nowMillis: 0)
        var oneByOne = SnapshotMirror(source: "nats://127.0.0.1:4222/TOKENS")
        for entry in entries { oneByOne.receive(key: entry.key, revision: entry.revision, value: entry.value, nowMillis: 0) }
        let a = together.settle(nowMillis: 0, initial: true), b = oneByOne.settle(nowMillis: 0, initial: true)
        #expect(a.changed && b.changed)
        #expect(a.refusals.map { "\($0)" } == b.refusals.map { "\($0)" } && a.refusals.count == (withRefusals ? 2 : 0))
        #expect(together.snapshot == oneByOne.snapshot && together.revisions == oneByOne.revisions)
        #expect(together.snapshot.ingestTokens.count == snapshot.ingestTokens.count + 1, "t7 deleted, p1 and p2 added")
        #expect(together.snapshot.ingestTokens.first { $0.name == "t5" }?.token == snapshot.ingestTokens.first { $0.name == "t5" }?.token)
    }

    @Test func aBucketReadsBackAsTheSnapshotItWasSeededWith() {
        let (mirror, _) = seededMirror()
        #expect(mirror.snapshot == Fixture.snapshot())
        #expect(mirror.isSeeded && mirror.index != nil)
    }

    @Test func aTokenNamingAMissingRepositoryIsRefusedAndTheSetStays() {
        var (mirror, revision) = seededMirror()
        let bad = SnapshotElement.ingestToken(IngestToken(name: "x", repository: "missing", token: "C" + String(repeating: "c", count: 42)))
        mirror.receive(key: bad.key.text, revision: revision + 1, value: bad.encoded(), nowMillis: 0)
        let (changed, refusals) = mirror.settle(nowMillis: 0)
        #expect(!changed)
        #expect(refusals.count == 1)
        #expect("\(refusals[0])".contains("unknown repository 'missing'"))
        #expect(mirror.snapshot == Fixture.snapshot())
        // A later valid change still applies.
        let good = SnapshotElement.ingestToken(IngestToken(name: "y", repository: "web", token: "D" + String(repeating: "d", count: 42)))
        mirror.receive(key: good.key.text, revision: revision + 2, value: good.encoded(), nowMillis: 0)
        let later = mirror.settle(nowMillis: 0)
        #expect(later.changed && later.refusals.isEmpty)
        #expect(mirror.snapshot.ingestTokens.last?.name == "y")
    }

    @Test func aDuplicateSecretIsRefused() {
        var (mirror, revision) = seededMirror()
        let copy = SnapshotElement.ingestToken(IngestToken(name: "copy", repository: "web", token: Fixture.tokenA))
        mirror.receive(key: copy.key.text, revision: revision + 1, value: copy.encoded(), nowMillis: 0)
        #expect(mirror.settle(nowMillis: 0).refusals.count == 1)
        #expect(!mirror.snapshot.ingestTokens.contains { $0.name == "copy" })
    }

    @Test func aBatchAppliesOnlyWhenAllOfItsKeysArrived() throws {
        var (mirror, revision) = seededMirror()
        let edit = try mirror.prepare(batchID: "b1") { (s) throws(TokenError) in try s.addRepository(name: "fresh", createdAt: 1) }
        #expect(edit.writes.count == 2)
        #expect(edit.writes.allSatisfy { SnapshotValue(parsing: $0.value).batch?.count == 2 })
        #expect(edit.writes.allSatisfy { $0.expectedRevision == 0 })
        revision += 1
        mirror.receive(key: edit.writes[0].key, revision: revision, value: edit.writes[0].value, nowMillis: 0)
        let early = mirror.settle(nowMillis: 10)
        #expect(!early.changed && early.refusals.isEmpty, "the repository waits for its token")
        revision += 1
        mirror.receive(key: edit.writes[1].key, revision: revision, value: edit.writes[1].value, nowMillis: 20)
        let complete = mirror.settle(nowMillis: 20)
        #expect(complete.changed && complete.refusals.isEmpty)
        #expect(mirror.snapshot == edit.snapshot)
    }

    @Test func aBatchWhoseWriterStoppedAppliesOnceStale() throws {
        var (mirror, revision) = seededMirror()
        let edit = try mirror.prepare(batchID: "b2") { (s) throws(TokenError) in try s.addRepository(name: "fresh", createdAt: 1) }
        revision += 1
        mirror.receive(key: edit.writes[0].key, revision: revision, value: edit.writes[0].value, nowMillis: 0)
        #expect(mirror.settle(nowMillis: mirror.staleMillis - 1).changed == false)
        #expect(mirror.settle(nowMillis: mirror.staleMillis).changed)
        #expect(mirror.snapshot.repository(named: "fresh") != nil)
    }

    @Test func ownWritesAreNotAppliedTwiceAndCarryTheirRevision() throws {
        var (mirror, revision) = seededMirror()
        let edit = try mirror.prepare(batchID: "b3") { (s) throws(TokenError) in try s.removeIngestToken(repository: "web", name: "hashed") }
        #expect(edit.writes.count == 1 && edit.writes[0].value.isEmpty, "a deletion is an empty value")
        #expect(edit.writes[0].expectedRevision > 0)
        mirror.committed(edit, revisions: [revision + 1])
        #expect(mirror.snapshot == edit.snapshot)
        mirror.receive(key: edit.writes[0].key, revision: revision + 1, value: edit.writes[0].value, nowMillis: 0)
        #expect(!mirror.hasUnsettled)
        // The next edit of that key expects the revision just written.
        let next = try mirror.prepare(batchID: "b4") { (s) throws(TokenError) in
            _ = try s.addIngestToken(repository: "web", name: "hashed")
        }
        #expect(next.writes.map(\.expectedRevision) == [revision + 1])
    }

    /// The gateway that seeds the bucket publishes its keys without waiting for their revisions; its watcher
    /// then brings every one back. Those echoes change nothing and must not each cost a validation and a swap
    /// of the whole set (10 000 of them kept a seeding gateway busy for a minute), but a key another gateway
    /// changed meanwhile still applies.
    @Test func echoesOfTheSeedChangeNothing() throws {
        let snapshot = Fixture.snapshot()
        let index = try snapshot.validate(file: "seed")
        let writes = SnapshotMirror.seedWrites(snapshot)
        var mirror = SnapshotMirror(source: "nats://127.0.0.1:4222/TOKENS")
        mirror.seeded(snapshot, index: index, writes: [writes[0]], revisions: [1], echoed: writes.dropFirst())
        for (offset, write) in writes.enumerated() {
            mirror.receive(key: write.key, revision: UInt64(offset + 1), value: write.value, nowMillis: 0)
            #expect(!mirror.hasUnsettled, "the echo of \(write.key) is a change")
        }
        #expect(mirror.settle(nowMillis: 0).changed == false)
        #expect(mirror.revisions[writes[1].key] == 2)
        let edit = try mirror.prepare(batchID: "e1") { (s) throws(TokenError) in try s.removeIngestToken(repository: "web", name: "hashed") }
        mirror.receive(key: edit.writes[0].key, revision: UInt64(writes.count + 1), value: edit.writes[0].value, nowMillis: 0)
        #expect(mirror.hasUnsettled)
        #expect(mirror.settle(nowMillis: 0).changed)
        #expect(mirror.snapshot == edit.snapshot)
    }

    @Test func anOlderValueNeverReplacesANewerOne() {
        var (mirror, revision) = seededMirror()
        let key = SnapshotKey.repository("web")
        let newer = SnapshotElement.repository(Repository(name: "web", description: "newer"))
        mirror.receive(key: key.text, revision: revision + 2, value: newer.encoded(), nowMillis: 0)
        let older = SnapshotElement.repository(Repository(name: "web", description: "older"))
        mirror.receive(key: key.text, revision: revision + 1, value: older.encoded(), nowMillis: 0)
        _ = mirror.settle(nowMillis: 0)
        #expect(mirror.snapshot.repository(named: "web")?.description == "newer")
    }
}
