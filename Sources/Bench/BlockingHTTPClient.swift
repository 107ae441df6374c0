#if canImport(Glibc)
import Glibc
#endif
import CSystemShims
import HTTPWire
import TLSSocket

/// One answer of a ``BlockingHTTPClient`` request.
public struct HTTPAnswer: Sendable, Equatable {
    public var status: Int
    /// `Retry-After` in seconds (an HTTP date is read as the time left until it, at least 0).
    public var retryAfterSeconds: Double?
    public var body: [UInt8]
}

/// A blocking HTTP/1.1 client over one keep-alive connection, for a thread that owns it (the HTTP
/// forwarder). It shares the bench client's pieces: ``SocketTarget`` to connect, ``TLSSession`` for https,
/// ``ResponseParser`` and ``ChunkedDecoder`` for the answer. A request on a reused connection that the
/// server closed between requests (no answer byte came back) is sent once more on a fresh connection.
///
/// Guarantees: every socket operation is bounded by `timeoutSeconds`; any failure closes the connection, so
/// the next request starts clean.
public final class BlockingHTTPClient {
    private let url: BenchURL
    private let tls: TLSContext?
    private let timeoutSeconds: Int
    private var target: SocketTarget?
    private var fd: Int32 = -1
    private var session: TLSSession?
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)

    public init(url: BenchURL, tls: TLSContext?, timeoutSeconds: Int = 30) {
        self.url = url
        self.tls = tls
        self.timeoutSeconds = timeoutSeconds
    }

    deinit { close() }

    public var isConnected: Bool { fd >= 0 }

    public func close() {
        session?.shutdown()
        session?.release()
        session = nil
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// POSTs `body` to `path` with `headers` (name, value) besides Host, Content-Length and Connection.
    public func post(path: String, headers: [(String, String)], body: [UInt8]) throws(BenchError) -> HTTPAnswer {
        var head = "POST \(path) HTTP/1.1\r\nHost: \(url.authority)\r\nContent-Length: \(body.count)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        let request = Array(head.utf8)
        let reused = fd >= 0
        do throws(BenchError) {
            return try exchange(request, body)
        } catch {
            close()
            guard reused, case .system(let call, let code) = error,
                  call == "closed before answering" || call == "write" || (call == "read" && code == ECONNRESET) else { throw error }
            return try exchange(request, body)
        }
    }

    /// Sends the head and then the body (not copied behind the head: with `MSG_MORE` the kernel still sends
    /// them in full packets) and reads the answer.
    private func exchange(_ head: [UInt8], _ body: [UInt8]) throws(BenchError) -> HTTPAnswer {
        if fd < 0 { try connect() }
        try writeAll(head, more: !body.isEmpty)
        try writeAll(body, more: false)
        var buffered = 0
        var parsedHead: ResponseHead?
        while parsedHead == nil {
            if buffered == buffer.count { buffer.append(contentsOf: [UInt8](repeating: 0, count: buffer.count)) }
            let count = try readSome(at: buffered)
            if count == 0 { throw .system(call: buffered == 0 ? "closed before answering" : "closed mid-answer", errno: 0) }
            buffered += count
            let parsed = buffer.withUnsafeBytes { ResponseParser.parseHead(UnsafeRawBufferPointer(rebasing: $0[0..<buffered])) }
            switch parsed {
            case .complete(let found): parsedHead = found
            case .needMore: continue
            case .invalid(let error): throw .system(call: "invalid answer: \(error)", errno: 0)
            }
        }
        let head = parsedHead!
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let retryAfter = Self.retryAfterSeconds(headBytes: Array(buffer[0..<head.headLength]),
                                                now: Double(now.tv_sec) + Double(now.tv_nsec) / 1e9)
        var answerBody: [UInt8] = Array(buffer[head.headLength..<buffered])
        switch head.framing {
        case .none:
            answerBody = []
        case .contentLength(let length):
            while answerBody.count < length {
                let count = try readSome(at: 0)
                if count == 0 { throw .system(call: "closed mid-answer", errno: 0) }
                answerBody.append(contentsOf: buffer[0..<count])
            }
            answerBody.removeLast(answerBody.count - length)
        case .chunked:
            var decoder = ChunkedDecoder(limits: HTTPLimits())
            var decoded: [UInt8] = []
            var pending = answerBody
            while true {
                let progress = pending.withUnsafeBytes { decoder.feed($0, into: &decoded) }
                if case .done = progress { break }
                if case .invalid(let error) = progress { throw .system(call: "invalid chunked answer: \(error)", errno: 0) }
                let count = try readSome(at: 0)
                if count == 0 { throw .system(call: "closed mid-answer", errno: 0) }
                pending = Array(buffer[0..<count])
            }
            answerBody = decoded
        case .untilClose:
            while true {
                let count = try readSome(at: 0)
                if count == 0 { break }
                answerBody.append(contentsOf: buffer[0..<count])
            }
        }
        if !head.keepAlive { close() }
        return HTTPAnswer(status: head.status, retryAfterSeconds: retryAfter, body: answerBody)
    }

    /// The `Retry-After` delay of a response head in seconds: the delay-seconds form as it is, an HTTP-date as
    /// the time from `now` (epoch seconds) until it, 0 when it has passed.
    public static func retryAfterSeconds(headBytes: [UInt8], now: Double) -> Double? {
        // Lines are split on bytes: in Swift's String "\r\n" is one Character, which a split on "\n" misses.
        for line in headBytes.split(separator: UInt8(ascii: "\n")).dropFirst() {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            guard String(decoding: line[..<colon], as: UTF8.self).lowercased() == "retry-after" else { continue }
            var value = line[(colon + 1)...]
            if value.last == UInt8(ascii: "\r") { value = value.dropLast() }
            if let date = HTTPDate.epochSeconds(value) { return max(0, Double(date) - now) }
            let digits = value.filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }
            return Double(String(decoding: digits, as: UTF8.self)).flatMap { $0 >= 0 && $0.isFinite ? $0 : nil }
        }
        return nil
    }

    private func connect() throws(BenchError) {
        if target == nil { target = try SocketTarget(host: url.host, port: url.port) }
        let target = target!
        let socketFD = socket(target.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socketFD >= 0 else { throw .system(call: "socket", errno: errno) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        _ = setsockopt(socketFD, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(socketFD, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = sluice_set_int_sockopt(socketFD, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
        guard target.connect(socketFD) == 0 else {
            let code = errno
            Glibc.close(socketFD)
            throw .system(call: "connect", errno: code)
        }
        fd = socketFD
        guard let tls else { return }
        guard let created = TLSSession(client: tls, fd: socketFD, host: url.host) else {
            close()
            throw .tls("cannot create a TLS session")
        }
        session = created
        do throws(TLSSessionError) {
            while true {
                if case .done = try created.handshake() { break }
                throw .tls(.handshakeEOF)
            }
        } catch {
            let rejection = created.certificateRejection
            close()
            throw .tls(rejection ?? "TLS handshake failed: \(error)")
        }
    }

    private func writeAll(_ bytes: [UInt8], more: Bool) throws(BenchError) {
        var offset = 0
        while offset < bytes.count {
            let written: Int
            if let session {
                let result = bytes.withUnsafeBytes { raw in
                    Result { () throws(TLSSessionError) in try session.write(UnsafeRawBufferPointer(rebasing: raw[offset...])) }
                }
                guard case .success(.done(let count)) = result else { throw .system(call: "write", errno: EIO) }
                written = count
            } else {
                written = bytes.withUnsafeBytes { raw in
                    Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL) | (more ? Int32(MSG_MORE) : 0))
                }
                if written < 0 && errno == EINTR { continue }
                if written < 0 { throw .system(call: "write", errno: errno) }
            }
            offset += written
        }
    }

    /// Reads into `buffer[at...]`; 0 when the server closed.
    private func readSome(at offset: Int) throws(BenchError) -> Int {
        if let session {
            let result = buffer.withUnsafeMutableBytes { raw in
                Result { () throws(TLSSessionError) in try session.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[offset...])) }
            }
            guard case .success(.done(let count)) = result else { throw .system(call: "read", errno: EIO) }
            return count
        }
        while true {
            let count = buffer.withUnsafeMutableBytes { raw in Glibc.read(fd, raw.baseAddress! + offset, raw.count - offset) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 { throw .system(call: "read", errno: errno == EAGAIN ? ETIMEDOUT : errno) }
            return count
        }
    }
}
