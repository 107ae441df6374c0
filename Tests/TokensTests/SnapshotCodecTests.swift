import Foundation
import Parsers
import Testing
@testable import Tokens

@Suite struct SnapshotCodecTests {
    static func awkward() -> Snapshot {
        var snapshot = Fixture.snapshot()
        snapshot.users.append(User(name: "quote\"back\\slash\ttab\u{1}é🙂", root: true,
                                   permissions: ["web": ["A", "B"], "humio": []]))
        snapshot.ingestTokens.append(IngestToken(name: "custom", repository: "web", token: "shipper-token-0123456789", custom: true))
        snapshot.features = ["CustomIngestTokens"]
        snapshot.parsers.append(CustomParserDefinition(name: "two", stages: [
            StageDefinition(op: "regex", field: "@rawstring", pattern: "^(?<a>\\d+) \"x\"$"),
            StageDefinition(op: "drop", fields: ["a", "b"]),
        ]))
        return snapshot
    }

    /// Rate limits, quotas and a block (docs/limits.md), with fractional rates.
    static func limited() -> Snapshot {
        var snapshot = Fixture.snapshot()
        snapshot.repositories[0].limits = IngestLimits(eventsPerSecond: 0.5, bytesPerSecond: 1e7, burstSeconds: 2.25)
        snapshot.repositories[0].dailyBytes = 1 << 40
        snapshot.repositories[0].ingestBlocked = true
        snapshot.repositories[0].ingestBlockedMessage = "moving \"disks\""
        snapshot.ingestTokens[0].limits = IngestLimits(bytesPerSecond: 123_456)
        snapshot.ingestTokens[0].dailyBytes = 99
        return snapshot
    }

    @Test(arguments: [Fixture.snapshot(), Snapshot(), awkward(), limited()])
    func roundTripsAndAgreesWithCodable(_ snapshot: Snapshot) throws {
        let ours = SnapshotCodec.encode(snapshot)
        #expect(try SnapshotCodec.decode(ours, file: "f") == snapshot)
        // Foundation reads what we write, and we read what Foundation writes.
        #expect(try JSONDecoder().decode(Snapshot.self, from: Data(ours)) == snapshot)
        let theirs = [UInt8](try JSONEncoder().encode(snapshot))
        #expect(try SnapshotCodec.decode(theirs, file: "f") == snapshot)
    }

    @Test func oneEntryPerLine() throws {
        let text = String(decoding: SnapshotCodec.encode(Fixture.snapshot()), as: UTF8.self)
        let lines = text.split(separator: "\n")
        #expect(lines.first == "{" && lines[1] == "  \"version\": 1,")
        #expect(lines.contains("    {\"name\": \"hashed\", \"repository\": \"web\", \"tokenSha256\": \"\(TokenDigest(hashing: Fixture.tokenB).hex)\"}"))
        #expect(text.hasSuffix("\n}\n"))
    }

    @Test func escapesAndNullsDecode() throws {
        let text = """
            {"version": 1, "organizations": [{"name": "d\\u00e9f\\n\\ud83d\\ude42\\/"}],
             "repositories": [{"name": "r", "organization": null, "kind": null}],
             "ingestTokens": [{"name": "t", "repository": "r", "parser": null, "token": "\(Fixture.tokenA)", "custom": null}]}
            """
        let snapshot = try SnapshotCodec.decode(Array(text.utf8), file: "f")
        #expect(snapshot.organizations[0].name == "déf\n🙂/")
        #expect(snapshot.repositories[0] == Repository(name: "r"))
        #expect(snapshot.ingestTokens[0] == IngestToken(name: "t", repository: "r", token: Fixture.tokenA))
    }

    @Test func invalidUTF8IsRefused() {
        let bytes = Array("{\"version\": 1, \"features\": [\"".utf8) + [0xff, 0xfe] + Array("\"]}".utf8)
        #expect(throws: TokenError.invalidSnapshot(file: "f", path: "$.features[0]", reason: "a string is not valid UTF-8")) {
            _ = try SnapshotCodec.decode(bytes, file: "f")
        }
    }
}
