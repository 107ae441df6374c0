import Foundation
import Logging
import Synchronization
import Testing
import HTTPWire
@testable import EventLoop

/// Answers `/now` at once, `/later` from another thread (a deferred answer), echoes bodies on `/echo`, and
/// refuses `/refuse` from its head.
final class TestHandler: HTTPHandler {
    func headReceived(_ request: HTTPRequestHead, output: inout [UInt8]) -> HeadVerdict {
        guard String(decoding: request.path, as: UTF8.self) == "/refuse" else { return .proceed(authenticated: true) }
        ResponseWriter.append(status: 401, body: "{}", keepAlive: false, into: &output)
        return .answered
    }

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
    /// Runs `body` with the port of a started server (``startServer(keptReadBufferBytes:)``), then stops it.
    func withServer(keptReadBufferBytes: Int = HTTPServerConfiguration().keptReadBufferBytesPerLoop,
                    _ body: (UInt16) throws -> Void) throws {
        let server = try startServer(keptReadBufferBytes: keptReadBufferBytes)
        defer { server.shutdown(); server.wait() }
        try body(server.boundPorts.withLock { $0[0] })
    }

    func startServer(keptReadBufferBytes: Int = HTTPServerConfiguration().keptReadBufferBytesPerLoop) throws -> HTTPServer {
        var configuration = HTTPServerConfiguration()
        configuration.keptReadBufferBytesPerLoop = keptReadBufferBytes
        configuration.listen = [ListenAddress(host: "127.0.0.1", port: 0)]
        configuration.threads = 2
        let server = HTTPServer(configuration: configuration, logger: Logger(label: "test"))
        try server.start { _ in TestHandler() }
        return server
    }

    /// A blocking loopback client that sends byte by byte, so every parser state sees a split.
    final class Client {
        let fd: Int32

        init(port: UInt16) {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
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
        }

        deinit { close(fd) }

        func send(_ text: String) {
            for byte in Array(text.utf8) { _ = [byte].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, 1, 0) } }
        }

        /// Reads until `answers` status lines have arrived (or the server closes).
        func receive(answers: Int) -> String {
            var received = ""
            var buffer = [UInt8](repeating: 0, count: 4096)
            while received.components(separatedBy: "HTTP/1.1 ").count - 1 < answers {
                let n = recv(fd, &buffer, buffer.count, 0)
                if n <= 0 { break }
                received += String(decoding: buffer[0..<n], as: UTF8.self)
            }
            return received
        }
    }

    func exchange(_ port: UInt16, _ request: String, expectAnswers: Int) throws -> String {
        let client = Client(port: port)
        client.send(request)
        return client.receive(answers: expectAnswers)
    }

    @Test func answersPipelinedRequestsInOrderIncludingDeferredOnes() throws {
        try withServer { port in
            let answers = try exchange(port, "GET /later HTTP/1.1\r\nHost: h\r\n\r\nGET /now HTTP/1.1\r\nHost: h\r\n\r\nGET /later HTTP/1.1\r\nHost: h\r\n\r\n", expectAnswers: 3)
            let statuses = answers.components(separatedBy: "HTTP/1.1 ").dropFirst().map { $0.prefix(3) }
            #expect(statuses == ["202", "200", "202"])
        }
    }

    /// A client that sends its request and shuts its sending side gets the (deferred) answer, then the
    /// server closes at once: edge-triggered reading must still see the end of the stream.
    @Test func answersThenClosesAfterTheClientShutsItsSendingSide() throws {
        try withServer { port in
            let client = Client(port: port)
            let request = Array("GET /later HTTP/1.1\r\nHost: h\r\n\r\n".utf8)
            _ = request.withUnsafeBytes { Glibc.send(client.fd, $0.baseAddress, $0.count, 0) }
            shutdown(client.fd, Int32(SHUT_WR))
            #expect(client.receive(answers: 1).hasPrefix("HTTP/1.1 202"))
            var byte: UInt8 = 0
            #expect(recv(client.fd, &byte, 1, 0) == 0, "the server closes instead of waiting for its idle timeout")
        }
    }

    @Test func decodesChunkedBodiesSplitAnywhere() throws {
        try withServer { port in
            let answer = try exchange(port, "POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", expectAnswers: 1)
            #expect(answer.hasSuffix("\r\n\r\nhello world"))
        }
    }

    /// A head the handler refuses is answered before its body and without `100 Continue`; the body sent
    /// after it is read and dropped, and the server ends the connection with a FIN after the answer.
    @Test func aRefusedHeadIsAnsweredWithoutContinueAndClosed() throws {
        try withServer { port in
            let client = Client(port: port)
            client.send("POST /refuse HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 100000\r\n\r\n")
            #expect(client.receive(answers: 1).hasPrefix("HTTP/1.1 401"))
            let body = [UInt8](repeating: 0x61, count: 100_000)
            _ = body.withUnsafeBytes { Glibc.send(client.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            var byte: UInt8 = 0
            #expect(recv(client.fd, &byte, 1, 0) == 0)
        }
    }

    @Test func sendsContinueBeforeTheBody() throws {
        try withServer { port in
            let client = Client(port: port)
            client.send("POST /echo HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n")
            #expect(client.receive(answers: 1) == "HTTP/1.1 100 Continue\r\n\r\n")
            client.send("ok")
            let answer = client.receive(answers: 1)
            #expect(answer.hasPrefix("HTTP/1.1 200 OK"))
            #expect(answer.hasSuffix("ok"))
        }
    }

    /// Large bodies one after another on one connection, with the grown read buffer kept between requests
    /// (budget) or given back after each (no budget): every echo is exact, whatever the buffer's history.
    @Test(arguments: [32 << 20, 0])
    func echoesLargeBodiesInTurnOnOneConnection(keptReadBufferBytes: Int) throws {
        try withServer(keptReadBufferBytes: keptReadBufferBytes) { port in
            let client = Client(port: port)
            for (round, size) in [300_000, 700_000, 290_000, 12].enumerated() {
                let body = (0..<size).map { UInt8(ascii: "a") + UInt8(($0 &+ round) % 26) }
                let request = Array("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: \(size)\r\n\r\n".utf8) + body
                var sent = 0
                while sent < request.count {
                    let n = request[sent...].withUnsafeBytes { Glibc.send(client.fd, $0.baseAddress, $0.count, 0) }
                    #expect(n > 0)
                    if n <= 0 { return }
                    sent += n
                }
                var answer: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 65536)
                while (answerBody(answer)?.count ?? 0) < size {
                    let n = recv(client.fd, &buffer, buffer.count, 0)
                    if n <= 0 { break }
                    answer += buffer[0..<n]
                }
                #expect(answerBody(answer) == body[...], "round \(round), \(size) bytes")
            }
        }
    }

    /// The bytes after the answer's head.
    func answerBody(_ answer: [UInt8]) -> ArraySlice<UInt8>? {
        let separator = Array("\r\n\r\n".utf8)
        guard answer.count >= 4 else { return nil }
        for index in 0...(answer.count - 4) where answer[index..<index + 4].elementsEqual(separator) {
            return answer[(index + 4)...]
        }
        return nil
    }

    @Test func parsesListenAddresses() {
        #expect(ListenAddress(parsing: "127.0.0.1:8080") == ListenAddress(host: "127.0.0.1", port: 8080))
        #expect(ListenAddress(parsing: "[::1]:0") == ListenAddress(host: "::1", port: 0))
        #expect(ListenAddress(parsing: "localhost:9") == ListenAddress(host: "127.0.0.1", port: 9))
        #expect(ListenAddress(parsing: "nope") == nil)
        #expect(ListenAddress(parsing: "1.2.3.4:99999") == nil)
    }
}

/// Counts the ticks its loop delivers.
final class TickCountingHandler: HTTPHandler, Sendable {
    let ticks = Atomic<Int>(0)

    func handle(_ request: HTTPRequest, output: inout [UInt8], answer: DeferredAnswer) -> HTTPHandling {
        ResponseWriter.append(status: 200, body: "{}", keepAlive: request.keepAlive, into: &output)
        return .answered
    }

    func tick(nowMillis: Int64) {
        ticks.add(1, ordering: .relaxed)
    }
}

@Suite struct EventLoopTickTests {
    @Test func anIdleLoopStillTicksItsHandler() throws {
        var configuration = HTTPServerConfiguration()
        configuration.listen = [ListenAddress(host: "127.0.0.1", port: 0)]
        configuration.threads = 2
        let server = HTTPServer(configuration: configuration, logger: Logger(label: "test"))
        let handlers = Mutex<[TickCountingHandler]>([])
        try server.start { _ in
            let handler = TickCountingHandler()
            handlers.withLock { $0.append(handler) }
            return handler
        }
        defer { server.shutdown(); server.wait() }
        // Ticks come every 500 ms; wait (up to 10 s, on a loaded machine) until every loop has ticked twice.
        let deadline = Date().addingTimeInterval(10)
        var counts: [Int] = []
        repeat {
            Thread.sleep(forTimeInterval: 0.1)
            counts = handlers.withLock { $0.map { $0.ticks.load(ordering: .relaxed) } }
        } while counts.contains(where: { $0 < 2 }) && Date() < deadline
        #expect(counts.count == 2)
        #expect(counts.allSatisfy { $0 >= 2 }, "ticks per loop: \(counts)")
    }
}

/// Defers every request and holds its answer until the test completes it.
final class HeldAnswerHandler: HTTPHandler, Sendable {
    let held = Mutex<[(loop: EventLoop, answer: DeferredAnswer)]>([])
    let deferred = DispatchSemaphore(value: 0)

    func handle(_ request: HTTPRequest, output: inout [UInt8], answer: DeferredAnswer) -> HTTPHandling {
        held.withLock { $0.append((request.loop, answer)) }
        deferred.signal()
        return .deferred
    }
}

@Suite struct EventLoopAwaitedAnswersTests {
    /// The loop's count of answers in flight, read on its own thread.
    func awaitedAnswers(_ loop: EventLoop) -> Int {
        let read = DispatchSemaphore(value: 0)
        let count = Atomic<Int>(-1)
        loop.execute {
            count.store(loop.awaitedAnswers, ordering: .relaxed)
            read.signal()
        }
        read.wait()
        return count.load(ordering: .relaxed)
    }

    /// The idle yield waits for answers in flight only: a deferred request counts until its answer has run.
    @Test func aDeferredRequestCountsUntilItsAnswerRuns() throws {
        var configuration = HTTPServerConfiguration()
        configuration.listen = [ListenAddress(host: "127.0.0.1", port: 0)]
        configuration.threads = 1
        let server = HTTPServer(configuration: configuration, logger: Logger(label: "test"))
        let handler = HeldAnswerHandler()
        try server.start { _ in handler }
        defer { server.shutdown(); server.wait() }
        let client = EventLoopHTTPServerTests.Client(port: server.boundPorts.withLock { $0[0] })
        client.send("GET /a HTTP/1.1\r\nHost: h\r\n\r\n")
        handler.deferred.wait()
        let (loop, answer) = try #require(handler.held.withLock { $0.first })
        #expect(awaitedAnswers(loop) == 1)
        answer.complete { output, keepAlive in
            ResponseWriter.append(status: 202, body: "{}", keepAlive: keepAlive, into: &output)
        }
        #expect(client.receive(answers: 1).hasPrefix("HTTP/1.1 202"))
        #expect(awaitedAnswers(loop) == 0)
    }
}
