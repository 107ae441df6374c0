import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A tiny blocking HTTP/1.1 server on 127.0.0.1 with a kernel-picked port that answers every request with the
/// same canned bytes, in a chosen framing, and counts the requests it read completely. For driving the bench
/// worker's answer handling (chunked, Connection: close, body until close, interim 100) without Sluice.
final class CannedServer: @unchecked Sendable {
    enum Style: String, CaseIterable, Sendable {
        case contentLength, chunked, connectionClose, untilClose, interimContinue, splitBytes
    }

    let port: UInt16
    private let listener: Int32
    private let style: Style
    private let lock = NSLock()
    private var served = 0
    /// Signalled when the accept loop has returned, so that ``stop()`` closes the listener only then.
    private let acceptLoopDone = DispatchSemaphore(value: 0)

    init(style: Style) throws {
        self.style = style
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 128) == 0 else {
            close(listener)
            throw CocoaError(.fileWriteUnknown)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    var requestsServed: Int { lock.withLock { served } }

    /// Stops accepting: the listener is shut down, which ends the accept loop, and closed once the loop has
    /// returned. Closed earlier, its descriptor could be reused by another test's listener while the loop was
    /// still to call `accept` on it, and the loop would then serve (and count) that listener's connections.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        acceptLoopDone.wait()
        close(listener)
    }

    private func acceptLoop() {
        defer { acceptLoopDone.signal() }
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 { return }
            let thread = Thread { [self] in serve(client) }
            thread.start()
        }
    }

    private var response: [[UInt8]] {
        let body = "{\"text\":\"Success\",\"code\":0}"
        switch style {
        case .contentLength:
            return [Array("HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)]
        case .chunked:
            return [Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"tex\r\n".utf8),
                    Array("16\r\nt\":\"Success\",\"code\":0}\r\n0\r\n\r\n".utf8)]
        case .connectionClose:
            return [Array("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)]
        case .untilClose:
            return [Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n\(body)".utf8)]
        case .interimContinue:
            return [Array("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}".utf8)]
        case .splitBytes:
            return Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}".utf8).map { [$0] }
        }
    }

    private var closesAfterAnswer: Bool { style == .connectionClose || style == .untilClose }

    private func serve(_ client: Int32) {
        defer { close(client) }
        var one: Int32 = 1
        setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            // Read one whole request: head, then Content-Length bytes of body.
            var needed: Int?
            while true {
                if needed == nil, let end = find(pending, Array("\r\n\r\n".utf8)) {
                    let head = String(decoding: pending[..<end], as: UTF8.self).lowercased()
                    let length = head.components(separatedBy: "\r\n").first { $0.hasPrefix("content-length:") }
                        .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                    needed = end + 4 + length
                }
                if let needed, pending.count >= needed {
                    pending.removeFirst(needed)
                    break
                }
                let count = read(client, &buffer, buffer.count)
                if count <= 0 { return }
                pending.append(contentsOf: buffer[0..<count])
            }
            lock.withLock { served += 1 }
            for piece in response {
                _ = piece.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            }
            if closesAfterAnswer { return }
        }
    }

    private func find(_ haystack: [UInt8], _ needle: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }
}
