import Foundation

/// A real 3-node `nats-server -js` cluster on loopback, run by `perf/lib/nats-cluster.sh` (the same script
/// the perf variant uses): free ports, temporary stores, nodes killed and restarted by name.
final class NATSCluster: @unchecked Sendable {
    let directory: String
    let urls: [String]

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("perf/lib/nats-cluster.sh").path

    init() throws {
        directory = NSTemporaryDirectory() + "sluice-nats-cluster-\(UUID().uuidString)"
        let started = try Self.run(["start", directory])
        urls = started.split(separator: "\n").map { line in
            "nats://127.0.0.1:\(line.split(separator: " ")[1])"
        }
        guard urls.count == 3 else { throw TestFailure("cluster did not start: \(started)") }
    }

    /// The node currently leading `stream` (waits for an election).
    func leader(of stream: String) throws -> String {
        try Self.run(["leader", directory, stream]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func kill9(_ node: String) throws { _ = try Self.run(["kill", directory, node]) }
    func restart(_ node: String) throws { _ = try Self.run(["restart", directory, node]) }

    deinit { _ = try? Self.run(["stop", directory]) }

    @discardableResult
    static func run(_ arguments: [String]) throws -> String {
        let run = try ChildProcess.runBytes("/bin/bash", [script] + arguments)
        guard run.status == 0 else {
            throw TestFailure("nats-cluster.sh \(arguments.joined(separator: " ")): \(run.stderr)")
        }
        return String(decoding: run.stdout, as: UTF8.self)
    }
}
