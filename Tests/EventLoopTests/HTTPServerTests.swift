import Foundation
import Logging
import Synchronization
import Testing
import HTTPWire
@testable import EventLoop

/// Answers `/now` at once, `/later` from another thread (a deferred answer), and echoes bodies on `/echo`.
final class TestHandler: HTTPHandler {
    func handle(_ request: HTTPRequest, output: inout [UInt8], answer: DeferredAnswer) -> HTTPHandling {
        let path = String(decoding: request.path, as: UTF8.self)
        switch path {
        case "/later":
            DispatchQueue.global().async {
                answer.complete { output, keepAlive in
                    ResponseWriter.append(status: 202, body: "{\"later\":true}", keepAlive: keepAlive, into: &output)
                }
            }
            return .deferred
        case "/echo":
            ResponseWriter.append(status: 200, contentType: "application/octet-stream", body: request.body, keepAlive: request.keepAlive, into: &output)
            return .answered
        default:
            ResponseWriter.append(status: 200, body: "{}", keepAlive: request.keepAlive, into: &output)
            return .answered
        }
    }
}

@Suite struct EventLoopHTTPServerTests {
    func startServer() throws -> HTTPServer {
        var configuration = HTTPServerConfiguration()
        configuration.listen = [ListenAddress(host: "127.0.0.1", port: 0)]
        configuration.threads = 2
        let server = HTTPServer(configuration: configuration, logger: Logger(label: "test"))
        try server.start { _ in TestHandler() }
        return server
    }

    func exchange(_ port: UInt16, _ request: String, expectAnswers: Int) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(connected == 0)
        let bytes = Array(request.utf8)
        // One byte at a time, so every parser state sees a split.
        for byte in bytes { _ = [byte].withUnsafeBytes { send(fd, $0.baseAddress, 1, 0) } }
        var received = ""
        var buffer = [UInt8](repeating: 0, count: 4096)
        while received.components(separatedBy: "HTTP/1.1 ").count - 1 < expectAnswers {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            received += String(decoding: buffer[0..<n], as: UTF8.self)
        }
        return received
    }

    @Test func answersPipelinedRequestsInOrderIncludingDeferredOnes() throws {
        let server = try startServer()
        defer { server.shutdown(); server.wait() }
        let port = server.boundPorts.withLock { $0[0] }
        let answers = try exchange(port, "GET /later HTTP/1.1\r\n\r\nGET /now HTTP/1.1\r\n\r\nGET /later HTTP/1.1\r\n\r\n", expectAnswers: 3)
        let statuses = answers.components(separatedBy: "HTTP/1.1 ").dropFirst().map { $0.prefix(3) }
        #expect(statuses == ["202", "200", "202"])
    }

    @Test func decodesChunkedBodiesSplitAnywhere() throws {
        let server = try startServer()
        defer { server.shutdown(); server.wait() }
        let port = server.boundPorts.withLock { $0[0] }
        let answer = try exchange(port, "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", expectAnswers: 1)
        #expect(answer.hasSuffix("\r\n\r\nhello world"))
    }

    @Test func sendsContinueBeforeTheBody() throws {
        let server = try startServer()
        defer { server.shutdown(); server.wait() }
        let port = server.boundPorts.withLock { $0[0] }
        let answer = try exchange(port, "POST /echo HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok", expectAnswers: 2)
        #expect(answer.hasPrefix("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK"))
        #expect(answer.hasSuffix("ok"))
    }

    @Test func parsesListenAddresses() {
        #expect(ListenAddress(parsing: "127.0.0.1:8080") == ListenAddress(host: "127.0.0.1", port: 8080))
        #expect(ListenAddress(parsing: "[::1]:0") == ListenAddress(host: "::1", port: 0))
        #expect(ListenAddress(parsing: "localhost:9") == ListenAddress(host: "127.0.0.1", port: 9))
        #expect(ListenAddress(parsing: "nope") == nil)
        #expect(ListenAddress(parsing: "1.2.3.4:99999") == nil)
    }
}
