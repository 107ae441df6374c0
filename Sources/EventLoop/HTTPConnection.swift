#if canImport(Glibc)
import Glibc
#endif
import CSystemShims
import HTTPWire

/// One client connection on one loop: reads requests (pipelined ones in order), hands each complete
/// request to the loop's ``HTTPHandler``, writes answers, and enforces the server's limits and timeouts.
///
/// Buffers are kept per connection and reused, so a connection in its steady state allocates nothing
/// per request; a read buffer grown for a large body is kept for the next request within the loop's
/// ``LargeBufferBudget``, and given back once that request is answered otherwise.
final class HTTPConnection: LoopChannel {
    enum State {
        /// Waiting for (the rest of) a request head at `readStart`.
        case readingHead
        /// The head (in ``head``) is parsed; waiting for its body.
        case readingBody
        /// The handler took the request; the answer comes through ``completeDeferred(sequence:_:)``.
        case awaitingAnswer(keepAlive: Bool, requestEnd: Int)
        /// The last answer is being written; the connection closes once it is out.
        case closing
        case closed
    }

    let fd: Int32
    // The loop owns its channels and outlives them (it closes them before it exits).
    unowned(unsafe) let loop: EventLoop
    let server: HTTPServerContext
    /// `server.metrics`, bumped on every read and write without touching its reference count (the
    /// connections of both loops would bounce it between the cores); `server` owns it.
    private let metrics: Unmanaged<ServerMetrics>
    private let handler: HTTPHandler
    /// Plain socket or TLS; see HTTPConnection+TLS.swift for the handshake.
    let transport: ConnectionTransport
    private(set) var token = EventLoop.Token(slot: 0, generation: 0)

    private(set) var state = State.readingHead
    /// The current request's head, parsed in place so its header storage is reused.
    private var head = RequestHead()
    private var readBuffer: [UInt8]
    /// Bytes of ``readBuffer`` counted in the loop's ``LargeBufferBudget`` (0 while it is small).
    private var keptLargeBytes = 0
    private var readStart = 0
    private var readEnd = 0
    private var output: [UInt8] = []
    private var outputSent = 0
    var interest: UInt32 = 0
    /// Plain sockets are edge-triggered: an `EPOLLIN` edge that arrives while the connection is not
    /// reading (an answer pending or unwritten) is remembered here, and reading resumes from it.
    private var inputPending = false
    /// The peer shut its sending side (`EPOLLRDHUP`): a short read no longer means "wait for the next
    /// edge", so the end of the stream is read (and the connection closed) after the last answer.
    private var peerShutWrite = false
    /// Edge-triggered interest of a plain socket, registered once: the common path makes no `epoll_ctl`
    /// call per request (level-triggered interest switching cost two per deferred request).
    static let plainInterest = SLUICE_EPOLLIN | SLUICE_EPOLLOUT | SLUICE_EPOLLRDHUP | SLUICE_EPOLLET

    private var chunked: ChunkedDecoder
    private var chunkedConsumed = 0
    private var chunkedBody: [UInt8] = []
    private var inflater: BodyInflater?
    private var inflated: [UInt8] = []
    private var continueSent = false
    private var requestSequence: UInt64 = 0

    /// When the current phase times out, and what that means.
    var deadline: Int64
    private var lastProgress: Int64

    static let initialBufferSize = 16 * 1024
    private static let retainedBufferLimit = 256 * 1024

    init(fd: Int32, loop: EventLoop, server: HTTPServerContext, handler: HTTPHandler, transport: ConnectionTransport = .plain) {
        self.fd = fd
        self.loop = loop
        self.server = server
        metrics = .passUnretained(server.metrics)
        self.handler = handler
        self.transport = transport
        readBuffer = [UInt8](repeating: 0, count: Self.initialBufferSize)
        chunked = ChunkedDecoder(limits: server.configuration.limits)
        deadline = loop.nowMillis + server.configuration.idleTimeoutMillis
        lastProgress = loop.nowMillis
    }

    func start() throws(SystemError) {
        interest = transport.isPlain ? Self.plainInterest : SLUICE_EPOLLIN
        token = try loop.register(self, interest: interest)
        server.metrics.openConnections.add(1, ordering: .relaxed)
        if case .tls = transport { startHandshake() }
    }

    // MARK: Events

    func ready(flags: UInt32) {
        if case .tls(let session) = transport {
            tlsReady(session, flags: flags)
            return
        }
        if flags & SLUICE_EPOLLOUT != 0 { flush() }
        if flags & SLUICE_EPOLLRDHUP != 0 { peerShutWrite = true }
        if flags & SLUICE_EPOLLIN != 0 {
            inputPending = true
        } else if flags & (SLUICE_EPOLLERR | SLUICE_EPOLLHUP) != 0 {
            close()
            return
        }
        resumePlainInput()
    }

    /// Reads what an earlier edge announced, once the connection may read again.
    private func resumePlainInput() {
        guard inputPending, isReading, isOutputFlushed else { return }
        readAvailable()
    }

    func tick(nowMillis: Int64) {
        guard nowMillis >= deadline else { return }
        if case .tls(let session) = transport, session.isHandshaking {
            tlsFailed(.handshakeTimeout)
            return
        }
        switch state {
        case .readingHead:
            if readEnd > readStart {
                failTimeout()
            } else {
                close()  // idle keep-alive connection
            }
        case .readingBody:
            failTimeout()
        case .closing:
            close()  // the client stopped reading its answer
        case .awaitingAnswer, .closed:
            break
        }
    }

    /// Closes the connection if it is idle. Bytes already waiting in the socket are a request in flight,
    /// so they are read (and answered, with `Connection: close`) before deciding.
    func beginDrain() {
        guard isIdle else { return }
        readAvailable()
        if isIdle { close() }
    }

    private var isIdle: Bool {
        if case .readingHead = state, readEnd == readStart, output.count == outputSent { return true }
        return false
    }

    func forceClose() { close() }

    // MARK: Reading

    var isReading: Bool {
        switch state {
        case .readingHead, .readingBody: return true
        case .awaitingAnswer, .closing, .closed: return false
        }
    }

    /// Reads while the socket fills the buffer and every answer so far is written out (a client that
    /// pipelines without reading its answers is not read further), processing after every read. A short read or
    /// `EAGAIN` means the socket is drained: edge-triggered epoll (plain) reports the next arrival, and
    /// level-triggered epoll (TLS) reports the descriptor again.
    func readAvailable() {
        while isReading && isOutputFlushed {
            if readEnd == readBuffer.count { makeRoom() }
            let room = readBuffer.count - readEnd
            let result: IOResult<Int>
            do {
                result = try readBuffer.withUnsafeMutableBytes { buffer throws(TransportError) in
                    try transport.read(fd, into: UnsafeMutableRawBufferPointer(rebasing: buffer[readEnd...]))
                }
            } catch {
                // Array's closure methods rethrow untyped; the closure throws only TransportError.
                transportFailed(error as? TransportError ?? .tls(.internalError))
                return
            }
            switch result {
            case .wouldBlock:
                inputPending = false
                return
            case .done(0):
                close()  // the client closed; an incomplete request cannot be answered
                return
            case .done(let count):
                readEnd += count
                lastProgress = loop.nowMillis
                metrics._withUnsafeGuaranteedRef { $0.bytesIn.add(count, ordering: .relaxed) }
                if count < room && !transport.readsUntilWouldBlock && !peerShutWrite {
                    inputPending = false
                    process()
                    return
                }
                process()
            }
        }
    }

    /// Compacts consumed bytes away, or grows the buffer when a single request needs more room.
    private func makeRoom() {
        if readStart > 0 {
            readBuffer.withUnsafeMutableBytes { buffer in
                let base = buffer.baseAddress!
                memmove(base, base + readStart, readEnd - readStart)
            }
            readEnd -= readStart
            readStart = 0
            if readEnd < readBuffer.count { return }
        }
        readBuffer.append(contentsOf: repeatElement(0, count: readBuffer.count))
    }

    /// Parses and dispatches every complete request in the buffer, in order, until one is deferred.
    private func process() {
        loop: while true {
            switch state {
            case .readingHead:
                guard readEnd > readStart else {
                    deadline = loop.nowMillis + server.configuration.idleTimeoutMillis
                    break loop
                }
                let result = readBuffer.withUnsafeBytes { buffer in
                    RequestParser.parseHead(UnsafeRawBufferPointer(rebasing: buffer[readStart..<readEnd]), limits: server.configuration.limits, into: &head)
                }
                switch result {
                case .needMore:
                    if isIdleDeadline {
                        deadline = loop.nowMillis + server.configuration.headTimeoutMillis
                        isIdleDeadline = false
                    }
                    break loop
                case .invalid(let error):
                    fail(error)
                    break loop
                case .complete:
                    state = .readingBody
                    continueSent = false
                    chunked.reset()
                    chunkedConsumed = 0
                    chunkedBody.removeAll(keepingCapacity: true)
                    deadline = loop.nowMillis + server.configuration.bodyStallMillis
                }
            case .readingBody:
                guard readBody() else { break loop }
            case .awaitingAnswer, .closing, .closed:
                break loop
            }
        }
        flush()
    }

    private var isIdleDeadline = true

    /// Returns true when the request was dispatched and processing can go on.
    private func readBody() -> Bool {
        let bodyStart = readStart + head.headLength
        switch head.framing {
        case .none:
            return dispatch(bodyRange: bodyStart..<bodyStart, requestEnd: bodyStart)
        case .contentLength(let length):
            if readEnd - bodyStart >= length {
                return dispatch(bodyRange: bodyStart..<bodyStart + length, requestEnd: bodyStart + length)
            }
            sendContinueIfExpected()
            let needed = head.headLength + length
            if readBuffer.count - readStart < needed {
                if readStart > 0 { makeRoom() }
                if readBuffer.count < needed { readBuffer.append(contentsOf: repeatElement(0, count: needed - readBuffer.count)) }
            }
            deadline = lastProgress + server.configuration.bodyStallMillis
            return false
        case .chunked:
            let progress = readBuffer.withUnsafeBytes { buffer in
                chunked.feed(UnsafeRawBufferPointer(rebasing: buffer[(bodyStart + chunkedConsumed)..<readEnd]), into: &chunkedBody)
            }
            switch progress {
            case .needMore(let consumed):
                chunkedConsumed += consumed
                sendContinueIfExpected()
                deadline = lastProgress + server.configuration.bodyStallMillis
                return false
            case .done(let consumed):
                chunkedConsumed += consumed
                return dispatch(bodyRange: nil, requestEnd: bodyStart + chunkedConsumed)
            case .invalid(let error):
                fail(error)
                return false
            }
        }
    }

    private func sendContinueIfExpected() {
        guard head.expectContinue, !continueSent else { return }
        continueSent = true
        ResponseWriter.continue100.withUTF8Buffer { output.append(contentsOf: $0) }
        flush()
    }

    /// Decodes the body and calls the handler. `bodyRange` is in the read buffer; nil means the chunked body.
    private func dispatch(bodyRange: Range<Int>?, requestEnd: Int) -> Bool {
        requestSequence &+= 1
        let keepAlive = head.keepAlive && !loop.isDraining
        let answer = DeferredAnswer(loop: loop, slot: token.slot, generation: token.generation, sequence: requestSequence)
        var handling = HTTPHandling.answered
        var failure: HTTPError?
        let head = self.head
        readBuffer.withUnsafeBytes { buffer in
            let headBytes = UnsafeRawBufferPointer(rebasing: buffer[readStart..<readStart + head.headLength])
            func call(_ body: UnsafeRawBufferPointer) {
                let request = HTTPRequest(head: head, headBytes: headBytes, body: body, keepAlive: keepAlive, loop: loop)
                handling = handler.handle(request, output: &output, answer: answer)
            }
            func decodeAndCall(_ raw: UnsafeRawBufferPointer) {
                guard head.contentEncoding != .identity else { return call(raw) }
                let inflater = self.inflater ?? BodyInflater()
                self.inflater = inflater
                inflater.reset()
                inflated.removeAll(keepingCapacity: true)
                let result = inflater.inflate(raw, coding: head.contentEncoding, limit: server.configuration.limits.maxBodyBytes, into: &inflated)
                    .flatMap { inflater.finish() }
                switch result {
                case .success:
                    inflated.withUnsafeBytes { call($0) }
                case .failure(let error):
                    failure = error
                }
            }
            if let bodyRange {
                decodeAndCall(UnsafeRawBufferPointer(rebasing: buffer[bodyRange]))
            } else {
                chunkedBody.withUnsafeBytes { decodeAndCall($0) }
            }
        }
        if let failure {
            fail(failure)
            return false
        }
        switch handling {
        case .answered:
            finishRequest(keepAlive: keepAlive, requestEnd: requestEnd)
            return true
        case .deferred:
            state = .awaitingAnswer(keepAlive: keepAlive, requestEnd: requestEnd)
            updateInterest()
            return false
        }
    }

    /// Called on the loop when a deferred answer is ready.
    func completeDeferred(sequence: UInt64, _ write: (inout [UInt8], Bool) -> Void) {
        guard case .awaitingAnswer(let keepAlive, let requestEnd) = state, sequence == requestSequence else { return }
        write(&output, keepAlive)
        finishRequest(keepAlive: keepAlive, requestEnd: requestEnd)
        process()
        if case .tls = transport { resumeBufferedInput() } else { resumePlainInput() }
    }

    private func finishRequest(keepAlive: Bool, requestEnd: Int) {
        readStart = requestEnd
        if readStart == readEnd {
            readStart = 0
            readEnd = 0
            releaseLargeBuffers()
        }
        isIdleDeadline = true
        deadline = loop.nowMillis + server.configuration.idleTimeoutMillis
        state = keepAlive ? .readingHead : .closing
    }

    private func releaseLargeBuffers() {
        if readBuffer.count > Self.retainedBufferLimit {
            keptLargeBytes = loop.largeBuffers.keep(readBuffer.count, granted: keptLargeBytes)
            if keptLargeBytes == 0 { readBuffer = [UInt8](repeating: 0, count: Self.initialBufferSize) }
        }
        if chunkedBody.capacity > Self.retainedBufferLimit { chunkedBody = [] }
        if inflated.capacity > Self.retainedBufferLimit { inflated = [] }
    }

    /// Answers a wire-level error and closes after writing it.
    private func fail(_ error: HTTPError) {
        fail(status: error.status, reason: error.reason)
    }

    /// A head or body that did not arrive in time: 408, then close.
    private func failTimeout() {
        fail(status: 408, reason: "request timeout")
    }

    private func fail(status: Int, reason: String) {
        server.metrics.countProtocolError(status: status)
        var body: [UInt8] = []
        ErrorBody.append(reason, into: &body)
        body.withUnsafeBytes {
            ResponseWriter.append(status: status, body: $0, keepAlive: false, into: &output)
        }
        state = .closing
        deadline = loop.nowMillis + server.configuration.bodyStallMillis
        flush()
    }

    // MARK: Writing

    func flush() {
        while outputSent < output.count {
            let result: IOResult<Int>
            do {
                result = try output.withUnsafeBytes { buffer throws(TransportError) in
                    try transport.write(fd, UnsafeRawBufferPointer(rebasing: buffer[outputSent...]))
                }
            } catch {
                // Array's closure methods rethrow untyped; the closure throws only TransportError.
                transportFailed(error as? TransportError ?? .tls(.internalError))
                return
            }
            switch result {
            case .wouldBlock:
                updateInterest()
                return
            case .done(let count):
                outputSent += count
                metrics._withUnsafeGuaranteedRef { $0.bytesOut.add(count, ordering: .relaxed) }
            }
        }
        output.removeAll(keepingCapacity: output.capacity <= Self.retainedBufferLimit)
        outputSent = 0
        if case .closing = state {
            close()
            return
        }
        if loop.isDraining, case .readingHead = state, readEnd == readStart {
            close()
            return
        }
        updateInterest()
    }

    /// Reads only while no answer is pending or unwritten, so a client cannot queue unbounded work.
    /// A plain socket's edge-triggered interest never changes: not reading is enough to apply TCP
    /// back-pressure, and ``resumePlainInput()`` picks the input up again.
    func updateInterest() {
        if transport.isPlain { return }
        var wanted: UInt32 = 0
        if outputSent < output.count { wanted |= SLUICE_EPOLLOUT }
        switch state {
        case .readingHead, .readingBody:
            if outputSent == output.count { wanted |= SLUICE_EPOLLIN }
        case .awaitingAnswer, .closing, .closed:
            break
        }
        if case .closed = state { return }
        wanted = transport.interest(for: wanted)
        if wanted != interest {
            interest = wanted
            loop.modify(self, token: token, interest: wanted)
        }
    }

    /// The socket or the TLS session failed: TLS failures are counted by reason; the connection closes.
    private func transportFailed(_ error: TransportError) {
        if case .tls(let failure) = error {
            tlsFailed(failure)
        } else {
            close()
        }
    }

    /// Whether every byte of output has been handed to the transport.
    var isOutputFlushed: Bool { outputSent == output.count }

    func close() {
        if case .closed = state { return }
        state = .closed
        loop.largeBuffers.release(keptLargeBytes)
        keptLargeBytes = 0
        loop.deregister(self, token: token)
        if case .tls = transport { endSession() }
        Syscall.close(fd)
        server.metrics.openConnections.subtract(1, ordering: .relaxed)
    }
}
