#if canImport(Glibc)
import Glibc
#endif
import CSystemShims
import HTTPWire

/// One client connection on one loop: reads requests (pipelined ones in order), hands each complete
/// request to the loop's ``HTTPHandler``, writes answers, and enforces the server's limits and timeouts.
///
/// A connection holds a read buffer only while it has something to read or answer: it takes one from the
/// loop's ``ReadBufferPool`` when input arrives and gives it back once everything read is answered, so an
/// idle keep-alive connection holds none and steady traffic allocates nothing per request. A read buffer
/// grown for a large body (geometrically, as the body arrives, never from the announced length) is kept
/// for the next request within the loop's ``LargeBufferBudget``, and given back once that request is
/// answered otherwise.
///
/// Before a body is read the handler sees the head (``HTTPHandler/headReceived(_:output:)``): a request it
/// refuses is answered at once and the connection closed, without reading or buffering the body and
/// without `100 Continue`. A body must arrive within a total deadline and, after a grace period, at a
/// minimum average rate (``BodyPace``); body buffers of a loop grow only up to its in-flight cap. Until a
/// head with a verified credential arrives the connection counts as unauthenticated
/// (``UnauthenticatedConnections``).
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
        /// The last answer is out and the sending side shut: what the client still sends is read and
        /// dropped for a short while, so the close is a FIN and not a reset that could discard the answer.
        case lingering
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
    /// Empty (no storage) while the connection has nothing to read; see ``ReadBufferPool``.
    private var readBuffer: [UInt8] = []
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
    /// Capacity of ``chunkedBody`` already counted in ``inflightCharge`` for the current body.
    private var chunkedCharged = 0
    private var inflater: BodyInflater?
    private var inflated: [UInt8] = []
    private var continueSent = false
    private var requestSequence: UInt64 = 0

    /// When the current phase times out, and what that means.
    var deadline: Int64
    /// Bytes read on this connection (the body rate is measured with it).
    private var bytesRead = 0
    /// The current body's deadline and rate rule, and ``bytesRead`` when its head completed.
    private var bodyPace = BodyPace(startedMillis: 0, totalMillis: 0, minBytesPerSecond: 0, graceMillis: 0)
    private var bytesReadAtBodyStart = 0
    /// Bytes this connection added to the loop's ``EventLoop/inflightBodyBytes`` for the current body.
    private var inflightCharge = 0
    /// The current request's ``HTTPRequest/headNote``.
    private var headNote = 0
    /// Close after the next answer with a lingering close (the request's body was not read).
    private var lingerAfterAnswer = false
    private var lingeredBytes = 0

    /// A head with a credential the handler verified has arrived on this connection.
    private(set) var isAuthenticated = false
    // Links of the loop's ``UnauthenticatedConnections``.
    var isListedUnauthenticated = false
    var olderUnauthenticated: HTTPConnection?
    var newerUnauthenticated: HTTPConnection?

    static let initialBufferSize = 16 * 1024
    private static let retainedBufferLimit = 256 * 1024
    /// A lingering close reads and drops at most one largest request, for at most this long.
    private static let lingerMillis: Int64 = 2_000
    private var lingerBytes: Int { server.configuration.limits.maxBodyBytes + server.configuration.limits.maxHeadBytes }

    init(fd: Int32, loop: EventLoop, server: HTTPServerContext, handler: HTTPHandler, transport: ConnectionTransport = .plain) {
        self.fd = fd
        self.loop = loop
        self.server = server
        metrics = .passUnretained(server.metrics)
        self.handler = handler
        self.transport = transport
        chunked = ChunkedDecoder(limits: server.configuration.limits)
        deadline = loop.nowMillis + server.configuration.idleTimeoutMillis
    }

    func start() throws(SystemError) {
        interest = transport.isPlain ? Self.plainInterest : SLUICE_EPOLLIN
        token = try loop.register(self, interest: interest)
        server.metrics.openConnections.add(1, ordering: .relaxed)
        loop.joinUnauthenticated(self)
        if case .tls = transport { startHandshake() }
    }

    // MARK: Events

    func ready(flags: UInt32) {
        if case .lingering = state {
            discardInput()
            return
        }
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
            switch bodyPace.check(nowMillis: nowMillis, bytes: bytesRead - bytesReadAtBodyStart) {
            case .onTime(let next): deadline = next
            case .tooSlow, .timedOut: failTimeout()
            }
        case .closing, .lingering:
            close()  // the client stopped reading its answer, or lingered long enough
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
        case .awaitingAnswer, .closing, .lingering, .closed: return false
        }
    }

    /// Reads while the socket fills the buffer and every answer so far is written out (a client that
    /// pipelines without reading its answers is not read further), processing after every read. A short read or
    /// `EAGAIN` means the socket is drained: edge-triggered epoll (plain) reports the next arrival, and
    /// level-triggered epoll (TLS) reports the descriptor again.
    func readAvailable() {
        while isReading && isOutputFlushed {
            if readBuffer.isEmpty { readBuffer = loop.readBuffers.take() }
            if readEnd == readBuffer.count { guard makeRoom() else { return } }
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
                releaseReadBufferIfEmpty()
                return
            case .done(0):
                close()  // the client closed; an incomplete request cannot be answered
                return
            case .done(let count):
                readEnd += count
                bytesRead &+= count
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

    /// Compacts consumed bytes away, or grows the buffer when a single request needs more room: doubling,
    /// up to what a body of announced length still needs, so memory follows the bytes that arrived.
    /// Returns false when growing a body's buffer would pass the loop's in-flight cap (answered 503).
    private func makeRoom() -> Bool {
        if readStart > 0 {
            readBuffer.withUnsafeMutableBytes { buffer in
                let base = buffer.baseAddress!
                memmove(base, base + readStart, readEnd - readStart)
            }
            readEnd -= readStart
            readStart = 0
            if readEnd < readBuffer.count { return true }
        }
        var size = readBuffer.count * 2
        if case .readingBody = state {
            if case .contentLength(let length) = head.framing { size = min(size, head.headLength + length) }
            guard charge(size - readBuffer.count) else { return false }
        }
        readBuffer.append(contentsOf: repeatElement(0, count: size - readBuffer.count))
        return true
    }

    /// Counts `bytes` more of body buffers against the loop's cap; answers 503 and returns false above it.
    private func charge(_ bytes: Int) -> Bool {
        guard loop.inflightBodyBytes + bytes <= server.configuration.maxInflightBodyBytesPerLoop else {
            failBusy()
            return false
        }
        loop.inflightBodyBytes += bytes
        inflightCharge += bytes
        return true
    }

    private func releaseInflightCharge() {
        guard inflightCharge != 0 else { return }
        loop.inflightBodyBytes -= inflightCharge
        inflightCharge = 0
    }

    /// Gives the standard read buffer back to the loop's pool once nothing read is waiting to be answered.
    private func releaseReadBufferIfEmpty() {
        guard readEnd == readStart, readBuffer.count == Self.initialBufferSize else { return }
        switch state {
        case .readingHead, .closing, .lingering, .closed:
            readStart = 0
            readEnd = 0
            loop.readBuffers.give(&readBuffer)
        case .readingBody, .awaitingAnswer:
            break
        }
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
                    guard admitHead() else { break loop }
                    state = .readingBody
                    continueSent = false
                    chunked.reset()
                    chunkedConsumed = 0
                    chunkedBody.removeAll(keepingCapacity: true)
                    // Fields read one by one: a copy of the whole configuration would retain its arrays.
                    bodyPace = BodyPace(startedMillis: loop.nowMillis, totalMillis: server.configuration.bodyTimeoutMillis,
                                        minBytesPerSecond: server.configuration.minBodyBytesPerSecond,
                                        graceMillis: server.configuration.minBodyRateGraceMillis)
                    bytesReadAtBodyStart = bytesRead
                    deadline = bodyPace.firstCheckMillis
                }
            case .readingBody:
                guard readBody() else { break loop }
            case .awaitingAnswer, .closing, .lingering, .closed:
                break loop
            }
        }
        flush()
    }

    private var isIdleDeadline = true

    /// Lets the handler judge the complete head before any body is read; false when the request was
    /// answered (refused by the handler, or 503 while the loop's body buffers are at their cap).
    private func admitHead() -> Bool {
        let verdict = readBuffer.withUnsafeBytes { buffer in
            let headBytes = UnsafeRawBufferPointer(rebasing: buffer[readStart..<readStart + head.headLength])
            return handler.headReceived(HTTPRequestHead(head: head, headBytes: headBytes, loop: loop), output: &output)
        }
        switch verdict {
        case .answered:
            lingerAfterAnswer = true
            state = .closing
            deadline = loop.nowMillis + server.configuration.bodyTimeoutMillis
            return false
        case .proceed(let authenticated, let note):
            headNote = note
            if authenticated && !isAuthenticated {
                isAuthenticated = true
                loop.leaveUnauthenticated(self)
            }
        }
        if loop.inflightBodyBytes >= server.configuration.maxInflightBodyBytesPerLoop, head.framing != .none,
           head.framing != .contentLength(0) {
            failBusy()
            return false
        }
        return true
    }

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
            return false
        case .chunked:
            let progress = readBuffer.withUnsafeBytes { buffer in
                chunked.feed(UnsafeRawBufferPointer(rebasing: buffer[(bodyStart + chunkedConsumed)..<readEnd]), into: &chunkedBody)
            }
            switch progress {
            case .needMore(let consumed):
                chunkedConsumed += consumed
                if chunkedBody.capacity > chunkedCharged {
                    guard charge(chunkedBody.capacity - chunkedCharged) else { return false }
                    chunkedCharged = chunkedBody.capacity
                }
                sendContinueIfExpected()
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
                let request = HTTPRequest(head: head, headBytes: headBytes, body: body, keepAlive: keepAlive, loop: loop, headNote: headNote)
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
        releaseInflightCharge()
        chunkedCharged = 0
        readStart = requestEnd
        isIdleDeadline = true
        deadline = loop.nowMillis + server.configuration.idleTimeoutMillis
        state = keepAlive ? .readingHead : .closing
        if readStart == readEnd {
            readStart = 0
            readEnd = 0
            releaseLargeBuffers()
            releaseReadBufferIfEmpty()
        }
    }

    private func releaseLargeBuffers() {
        if readBuffer.count > Self.initialBufferSize {
            keptLargeBytes = loop.largeBuffers.keep(readBuffer.count, granted: keptLargeBytes)
            if keptLargeBytes == 0 { readBuffer = [] }
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

    /// The loop's body buffers are at their cap: 503 with `Retry-After`, then close.
    private func failBusy() {
        fail(status: 503, reason: "server busy: too many request bodies in flight", headers: [("Retry-After", "1")])
    }

    private func fail(status: Int, reason: String, headers: [(String, String)] = []) {
        server.metrics.countProtocolError(status: status)
        var body: [UInt8] = []
        ErrorBody.append(reason, into: &body)
        body.withUnsafeBytes {
            ResponseWriter.append(status: status, headers: headers, body: $0, keepAlive: false, into: &output)
        }
        lingerAfterAnswer = true
        state = .closing
        deadline = loop.nowMillis + server.configuration.bodyTimeoutMillis
        flush()
    }

    /// The answer is out: shuts the sending side and reads what the client still sends (a body the request
    /// was refused before), for a bounded time and number of bytes, so the client reads the answer before
    /// the close. TLS connections close at once.
    private func beginLingeringClose() {
        guard transport.isPlain else {
            close()
            return
        }
        releaseInflightCharge()
        state = .lingering
        deadline = loop.nowMillis + Self.lingerMillis
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
        discardInput()
    }

    /// Drops input while lingering, without copying it (`MSG_TRUNC` on a TCP socket discards queued bytes);
    /// closes at the end of the stream or past the byte bound.
    private func discardInput() {
        readStart = 0
        readEnd = 0
        if !readBuffer.isEmpty { releaseReadBufferIfEmpty() }
        while case .lingering = state {
            let count = recv(fd, nil, 1 << 20, Int32(MSG_TRUNC) | Int32(MSG_DONTWAIT))
            if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return }
            if count < 0 && errno == EINTR { continue }
            guard count > 0, lingeredBytes + count <= lingerBytes else {
                close()
                return
            }
            lingeredBytes += count
        }
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
            if lingerAfterAnswer { beginLingeringClose() } else { close() }
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
        case .awaitingAnswer, .closing, .lingering, .closed:
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
        releaseInflightCharge()
        loop.leaveUnauthenticated(self)
        readStart = 0
        readEnd = 0
        if readBuffer.count == Self.initialBufferSize { loop.readBuffers.give(&readBuffer) } else { readBuffer = [] }
        loop.deregister(self, token: token)
        if case .tls = transport { endSession() }
        Syscall.close(fd)
        server.metrics.openConnections.subtract(1, ordering: .relaxed)
    }
}
