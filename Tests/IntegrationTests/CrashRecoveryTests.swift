import Foundation
import Testing

/// The promise behind a 2xx: clients send numbered batches with `--fsync always`, the server is killed
/// with SIGKILL while requests are in flight, and after a restart every acknowledged batch must be in
/// `sluice wal cat` and `sluice wal verify` must pass. The kill point is "after N acknowledgements" with
/// N from a seeded generator, so a failing round can be replayed. `perf/crash-test.sh` runs 200 rounds.
@Suite(.serialized) struct CrashRecoveryTests {
    static let rounds = Int(ProcessInfo.processInfo.environment["SLUICE_CRASH_ROUNDS"] ?? "") ?? 20
    /// Above 1: batches go round-robin to this many repositories of organization `acme` (HEC, with an
    /// organization token and `index`), from 16 clients, so that many logs are written and killed at once.
    static let repositories = max(1, Int(ProcessInfo.processInfo.environment["SLUICE_CRASH_REPOS"] ?? "") ?? 1)
    static let clients = repositories > 1 ? 16 : 4

    @Test func acknowledgedBatchesSurviveSIGKILL() throws {
        let data = SluiceProcess.makeDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        var generator = SplitMix64(seed: 2026)
        var acknowledgedTotal = Set<String>()
        let names = (0..<Self.repositories).map { "crash\($0)" }
        var organizationToken: String?
        for round in 0..<Self.rounds {
            let server = try SluiceProcess(dataDirectory: data, arguments: ["--fsync", "always"])
            let token = try #require(try server.bootstrapCredentials()["ingestToken"])
            if Self.repositories > 1, organizationToken == nil {
                organizationToken = try ManyRepositoriesTests.addRepositories(names, to: server)
            }
            let killAfter = Int(generator.next() % 40) + 1
            let shipperToken = organizationToken
            let acknowledged = AckLog()
            let group = DispatchGroup()
            for client in 0..<Self.clients {
                group.enter()
                Thread.detachNewThread {
                    defer { group.leave() }
                    guard let connection = try? RawHTTPClient(port: server.port, receiveTimeoutSeconds: 10) else { return }
                    for sequence in 0..<10_000 {
                        let marker = "round-\(round)-client-\(client)-batch-\(sequence)"
                        let answer: HTTPAnswer?
                        if let shipperToken {
                            let repository = names[(client + sequence * Self.clients) % names.count]
                            let body = (0..<5).map { #"{"event":"\#(marker) line \#($0)","index":"\#(repository)"}"# }.joined()
                            answer = try? connection.request("POST", "/services/collector", headers: ["Authorization": "Splunk \(shipperToken)"], body: Array(body.utf8))
                        } else {
                            let body = (0..<5).map { "\(marker) line \($0)" }.joined(separator: "\n")
                            answer = try? connection.request("POST", "/api/v1/ingest/raw", headers: ["Authorization": "Bearer \(token)"], body: Array(body.utf8))
                        }
                        guard let answer, answer.status == 200 else { return }
                        if acknowledged.add(marker) >= killAfter * Self.clients { return }
                    }
                }
            }
            acknowledged.waitFor(count: killAfter)
            server.kill9()
            group.wait()
            acknowledgedTotal.formUnion(acknowledged.all)
        }

        let verify = try SluiceProcess.run(["wal", "verify", "--data", data])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        var stored = Set<String>()
        for repository in organizationToken == nil ? ["sandbox"] : names {
            for event in try StoredEvents.read(dataDirectory: data, repository: repository) {
                if let marker = event.rawstring.split(separator: " ").first { stored.insert(String(marker)) }
            }
        }
        let lost = acknowledgedTotal.subtracting(stored)
        #expect(!acknowledgedTotal.isEmpty)
        #expect(lost.isEmpty, "acknowledged but lost: \(lost.sorted().prefix(10))")
        print("crash recovery: \(Self.rounds) SIGKILL rounds, \(Self.repositories) repositories, \(acknowledgedTotal.count) acknowledged batches, \(lost.count) lost, \(stored.count) stored")
    }
}

/// Acknowledged markers, shared by the client threads.
final class AckLog: @unchecked Sendable {
    private let condition = NSCondition()
    private var markers = Set<String>()

    func add(_ marker: String) -> Int {
        condition.lock()
        defer { condition.unlock() }
        markers.insert(marker)
        condition.broadcast()
        return markers.count
    }

    func waitFor(count: Int) {
        condition.lock()
        defer { condition.unlock() }
        while markers.count < count {
            guard condition.wait(until: Date().addingTimeInterval(30)) else { return }
        }
    }

    var all: Set<String> {
        condition.lock()
        defer { condition.unlock() }
        return markers
    }
}

/// A tiny seeded generator, so the kill points of a run are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
