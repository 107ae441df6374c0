import Testing
@testable import Bench

/// The worker's answer handling against a canned server in every framing: each request is answered, counted
/// once, and the server saw exactly as many requests as the client counted.
@Suite struct BenchRunnerTests {
    func configuration(port: UInt16, requests: Int, rate: Double? = nil) -> BenchConfiguration {
        var configuration = BenchConfiguration(url: BenchURL(host: "127.0.0.1", port: port, path: ""))
        configuration.format = .hec
        configuration.batch = 3
        configuration.connections = 4
        configuration.threads = 2
        configuration.requests = requests
        configuration.rate = rate
        configuration.poolSize = 4
        return configuration
    }

    @Test(arguments: CannedServer.Style.allCases)
    func everyFramingIsReadToTheEnd(_ style: CannedServer.Style) throws {
        let server = try CannedServer(style: style)
        defer { server.stop() }
        let result = try BenchRunner(configuration: configuration(port: server.port, requests: 60)).run()
        #expect(result.requests == 60)
        #expect(result.statusCounts == [200: 60])
        #expect(result.errors == 0, "\(result.errorCounts)")
        #expect(result.events == 180)
        #expect(result.latency.count == 60)
        #expect(server.requestsServed == 60)
    }

    @Test func openLoopSendsTheWholeTimetable() throws {
        let server = try CannedServer(style: .contentLength)
        defer { server.stop() }
        let result = try BenchRunner(configuration: configuration(port: server.port, requests: 40, rate: 2000)).run()
        #expect(result.requests == 40)
        #expect(result.unsent == 0)
        #expect(result.offeredRate == 2000)
        // 40 requests on a 2000/s timetable cannot finish before the last one is due (19.5 ms after the start).
        #expect(result.seconds >= 0.0195)
    }

    @Test func slowRequestsAreListedWithTheirTimes() throws {
        let server = try CannedServer(style: .contentLength)
        defer { server.stop() }
        var listAll = configuration(port: server.port, requests: 40, rate: 2000)
        listAll.slowMillis = 0
        let listed = try BenchRunner(configuration: listAll).run()
        #expect(listed.slowRequests.count == 40)
        for request in listed.slowRequests {
            #expect(request.scheduledNanos <= request.sentNanos && request.sentNanos <= request.answeredNanos)
            #expect((0..<2).contains(request.connection))
        }
        #expect(listed.slowRequests.map(\.answeredNanos) == listed.slowRequests.map(\.answeredNanos).sorted())
        var listNone = configuration(port: server.port, requests: 40, rate: 2000)
        listNone.slowMillis = 60_000
        #expect(try BenchRunner(configuration: listNone).run().slowRequests.isEmpty)
        #expect(try BenchRunner(configuration: configuration(port: server.port, requests: 40)).run().slowRequests.isEmpty)
    }

    @Test func aRefusedConnectionIsCountedNotFatal() throws {
        let server = try CannedServer(style: .contentLength)
        let port = server.port
        server.stop()  // nothing listens on the port any more
        var configuration = configuration(port: port, requests: 10)
        configuration.duration = 0.3
        let result = try BenchRunner(configuration: configuration).run()
        #expect(result.requests == 0)
        #expect(result.errorCounts[.connect, default: 0] > 0)
    }
}
