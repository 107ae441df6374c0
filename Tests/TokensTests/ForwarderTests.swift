import Foundation
import Testing
@testable import Tokens

/// Forwarding targets in the snapshot: they round-trip, a bad one refuses the whole snapshot, and listings
/// mask their secrets.
@Suite struct ForwarderTests {
    static func withTargets() -> Snapshot {
        var snapshot = Fixture.snapshot()
        snapshot.forwarders = [
            Forwarder(name: "js", kind: .jetstream, format: .wal, servers: ["nats://127.0.0.1:4222"], stream: "LOGS",
                      user: "sluice", password: "nats-secret-password"),
            Forwarder(name: "up", kind: .http, compression: "gzip", url: "https://upstream.example:8080",
                      upstreamToken: "upstream-secret-token", upstreamTokens: ["web": "web-secret-token"]),
        ]
        snapshot.repositories[snapshot.repositories.firstIndex { $0.name == "web" }!].forwardTo = ["js", "up"]
        return snapshot
    }

    @Test func roundTripsAndValidates() throws {
        let snapshot = Self.withTargets()
        _ = try snapshot.validate(file: "f")
        let bytes = SnapshotCodec.encode(snapshot)
        #expect(try SnapshotCodec.decode(bytes, file: "f") == snapshot)
        #expect(try JSONDecoder().decode(Snapshot.self, from: Data(bytes)) == snapshot)
        #expect(try SnapshotCodec.decode([UInt8](try JSONEncoder().encode(snapshot)), file: "f") == snapshot)
    }

    /// Without targets the file is written exactly as before (no `forwarders`, no `forwardTo`).
    @Test func absentWhenUnused() {
        let text = String(decoding: SnapshotCodec.encode(Fixture.snapshot()), as: UTF8.self)
        #expect(!text.contains("forward"))
    }

    struct Bad: Sendable, CustomStringConvertible {
        let description: String
        let path: String
        let edit: @Sendable (inout Snapshot) -> Void
    }

    static let bad: [Bad] = [
        Bad(description: "unknown target", path: "$.repositories[", edit: { s in s.repositories[0].forwardTo = ["nowhere"] }),
        Bad(description: "duplicate name", path: "$.forwarders[2].name", edit: { s in s.forwarders.append(s.forwarders[0]) }),
        Bad(description: "no stream", path: "$.forwarders[0].stream", edit: { s in s.forwarders[0].stream = nil }),
        Bad(description: "not nats url", path: "$.forwarders[0].servers", edit: { s in s.forwarders[0].servers = ["http://x"] }),
        Bad(description: "two auths", path: "$.forwarders[0].token", edit: { s in s.forwarders[0].token = "t" }),
        Bad(description: "http without token", path: "$.forwarders[1].upstreamToken",
            edit: { s in s.forwarders[1].upstreamToken = nil; s.forwarders[1].upstreamTokens = [:] }),
        Bad(description: "slash in name", path: "$.forwarders[0].name", edit: { s in s.forwarders[0].name = "a/b" }),
        Bad(description: "zstd to http", path: "$.forwarders[1].compression", edit: { s in s.forwarders[1].compression = "zstd" }),
    ]

    @Test(arguments: bad)
    func refusesTheSnapshotAsAWhole(_ example: Bad) {
        var snapshot = Self.withTargets()
        example.edit(&snapshot)
        #expect {
            _ = try snapshot.validate(file: "f")
        } throws: { error in
            guard case let TokenError.invalidSnapshot(_, path, _) = error else { return false }
            return path.hasPrefix(example.path)
        }
    }

    @Test func listingsMaskSecrets() throws {
        let snapshot = Self.withTargets()
        let text = "\(snapshot.forwarderRows(showSecrets: false))"
        for secret in ["nats-secret-password", "upstream-secret-token", "web-secret-token"] { #expect(!text.contains(secret)) }
        #expect(snapshot.forwarderRows(showSecrets: false).map(\.repositories) == [["web"], ["web"]])
        #expect("\(snapshot.forwarderRows(showSecrets: true))".contains("nats-secret-password"))
    }

    @Test func removingATargetRemovesItsReferences() throws {
        var snapshot = Self.withTargets()
        try snapshot.removeForwarder(named: "js")
        _ = try snapshot.validate(file: "f")
        #expect(snapshot.repositories.first { $0.name == "web" }?.forwardTo == ["up"])
    }
}
