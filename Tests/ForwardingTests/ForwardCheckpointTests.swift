import Foundation
import Testing
@testable import Forwarding

/// The checkpoint and the gateway id survive a reopen; a damaged checkpoint reads as nil, a missing one as 0.
struct ForwardCheckpointTests {
    func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "sluice-forward-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path + "/repos/web", withIntermediateDirectories: true)
        return path
    }

    @Test func writesAndReadsBack() throws {
        let data = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let checkpoint = try #require(ForwardCheckpoint(dataDirectory: data, repository: "web", target: "js"))
        #expect(checkpoint.read() == 0)
        try checkpoint.write(1234)
        #expect(ForwardCheckpoint(dataDirectory: data, repository: "web", target: "js")?.read() == 1234)
        #expect(try String(contentsOfFile: data + "/repos/web/forward/js", encoding: .utf8) == "1234\n")
        try "12x".write(toFile: checkpoint.path, atomically: true, encoding: .utf8)
        #expect(checkpoint.read() == nil)
    }

    @Test func gatewayIdIsStable() throws {
        let data = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let first = try GatewayIdentity.loadOrCreate(dataDirectory: data)
        #expect(first.utf8.count == 32)
        #expect(try GatewayIdentity.loadOrCreate(dataDirectory: data) == first)
        let other = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: other) }
        #expect(try GatewayIdentity.loadOrCreate(dataDirectory: other) != first)
    }
}
