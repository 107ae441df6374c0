import Logging
import Testing
@testable import EventLoop

@Suite struct UnauthenticatedConnectionsTests {
    /// Connections that are never started (no descriptor is read or registered), only listed.
    func connections(_ count: Int) throws -> (EventLoop, [HTTPConnection]) {
        let loop = try EventLoop(index: 0)
        let server = HTTPServerContext(configuration: HTTPServerConfiguration(), metrics: ServerMetrics(), logger: Logger(label: "test"))
        let handler = TestHandler()
        return (loop, (0..<count).map { HTTPConnection(fd: Int32(1000 + $0), loop: loop, server: server, handler: handler) })
    }

    func order(_ list: UnauthenticatedConnections) -> [Int32] {
        var fds: [Int32] = []
        var next = list.oldest
        while let connection = next {
            fds.append(connection.fd)
            next = connection.newerUnauthenticated
        }
        return fds
    }

    @Test func oldestFirstWhateverLeavesFromTheMiddleOrTheEnds() throws {
        let (_, c) = try connections(5)
        var list = UnauthenticatedConnections()
        for connection in c { list.add(connection) }
        #expect(list.count == 5 && order(list) == [1000, 1001, 1002, 1003, 1004])
        list.remove(c[2])
        #expect(order(list) == [1000, 1001, 1003, 1004])
        list.remove(c[0])
        #expect(list.oldest === c[1])
        list.remove(c[4])
        list.add(c[0])
        #expect(order(list) == [1001, 1003, 1000] && list.count == 3)
        list.remove(c[2])  // not listed: nothing changes
        #expect(list.count == 3)
        for connection in [c[1], c[3], c[0]] { list.remove(connection) }
        #expect(list.count == 0 && list.oldest == nil)
        #expect(c.allSatisfy { !$0.isListedUnauthenticated && $0.olderUnauthenticated == nil && $0.newerUnauthenticated == nil })
    }

    @Test func theShareOfEachLoop() {
        var configuration = HTTPServerConfiguration()
        configuration.threads = 2
        configuration.maxConnections = 4
        #expect(configuration.unauthenticatedConnectionsPerLoop == 1)
        configuration.maxConnections = 10_000
        #expect(configuration.unauthenticatedConnectionsPerLoop == 2_500)
        configuration.maxUnauthenticatedConnections = 301
        #expect(configuration.unauthenticatedConnectionsPerLoop == 150)
        configuration.maxUnauthenticatedConnections = 1
        #expect(configuration.unauthenticatedConnectionsPerLoop == 1)
    }
}
