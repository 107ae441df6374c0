import Foundation
import Logging
import Testing
@testable import EventLoop

/// The HTTP server with a TLS listener in process, driven by Python's ssl module: an echo of a body of
/// several megabytes (the answer outruns the socket buffer, so SSL_write stops on WANT_WRITE and resumes
/// on EPOLLOUT), deferred answers to pipelined requests (the session buffers the next requests while the
/// connection waits).
@Suite struct TLSServerTests {
    static let client = #"""
    import hashlib, json, socket, ssl, sys
    port, cafile = int(sys.argv[1]), sys.argv[2]
    ctx = ssl.create_default_context(cafile=cafile)

    def answers(sock, count):
        data, out = b"", []
        while len(out) < count:
            end = data.find(b"\r\n\r\n")
            if end >= 0:
                head = data[:end].decode()
                length = next((int(l.split(":", 1)[1]) for l in head.split("\r\n") if l.lower().startswith("content-length:")), 0)
                if len(data) >= end + 4 + length:
                    out.append((int(head.split(" ")[1]), data[end + 4:end + 4 + length]))
                    data = data[end + 4 + length:]
                    continue
            chunk = sock.recv(1 << 20)
            if not chunk:
                raise RuntimeError("closed after %d answers" % len(out))
            data += chunk
        return out

    report = {}
    with ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=60), server_hostname="127.0.0.1") as tls:
        body = bytes(range(256)) * (6 * 4096)
        tls.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        status, echoed = answers(tls, 1)[0]
        report["echo"] = [status, len(echoed), hashlib.sha256(echoed).hexdigest() == hashlib.sha256(body).hexdigest()]
        tls.sendall(b"GET /later HTTP/1.1\r\nHost: x\r\n\r\n" * 8 + b"GET /now HTTP/1.1\r\nHost: x\r\n\r\n")
        report["pipelined"] = [status for status, _ in answers(tls, 9)]
    print(json.dumps(report))
    """#

    @Test func echoOfMegabytesAndPipelinedDeferredAnswersOverTLS() throws {
        let files = try TLSContextProviderTests.Files()
        let pair = try files.makePair("server")
        var configuration = HTTPServerConfiguration()
        configuration.listen = [ListenAddress(host: "127.0.0.1", port: 0)]
        configuration.tlsListen = [ListenAddress(host: "127.0.0.1", port: 0)]
        configuration.tlsContexts = try TLSContextProvider(files: pair)
        configuration.threads = 2
        let server = HTTPServer(configuration: configuration, logger: Logger(label: "test"))
        try server.start { _ in TestHandler() }
        defer {
            server.shutdown()
            server.wait()
        }
        let port = try #require(server.boundTLSPorts.withLock { $0 }.first)

        let process = Process()
        process.environment = ChildEnvironment.snapshot
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", Self.client, "\(port)", pair.certificateChain]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(String(decoding: data, as: UTF8.self))")
        let echo = try #require(report["echo"] as? [Any])
        #expect(echo[0] as? Int == 200)
        #expect(echo[1] as? Int == 6 * 4096 * 256)
        #expect(echo[2] as? Bool == true)
        #expect(report["pipelined"] as? [Int] == Array(repeating: 202, count: 8) + [200])
        #expect(server.metrics.tls.fullHandshakes.load(ordering: .relaxed) == 1)
        #expect(server.metrics.tls.failureCount(.protocolError) == 0)
    }
}
