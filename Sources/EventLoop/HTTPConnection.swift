#if canImport(Glibc)
import Glibc
#endif
import CSystemShims
import EventModel
import HTTPWire
import POSIX

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
///
/// Every decision (phases, deadlines, endings, the read buffer's borrowing, growth and return, the loop's
/// in-flight cap, the epoll interest) is made by ``HTTPConnectionStateMachine``, which this class feeds with
/// what happened (bytes read, a head judged, an answer written, the clock) and obeys; this class is the
/// shell around it: the bytes, the parsing, the handler calls, the loop's shared counters and the syscalls.
final class HTTPConnection: LoopChannel {
    typealias State = HTTPConnectionStateMachine.State

    let fd: Int32
    // The loop owns its channels and outlives them (it closes them before it exits).
    unowned(unsafe) let loop: EventLoop
    let server: HTTPServerContext
    /// `server.metrics`, bumped on every read and write without touching its reference count (the
    /// connections of all loops would bounce it between the cores); `server` owns it.
    private let metrics: Unretained<ServerMetrics>
    private let handler: HTTPHandler
    /// Plain socket or TLS; see HTTPConnection+TLS.swift for the handshake.
    let transport: ConnectionTransport
    private(set) var token = EventLoop.Token(slot: 0, generation: 0)

    /// Phases, deadlines and what ends the connection; this class performs what it decides.
    var machine: HTTPConnectionStateMachine
    var state: State { machine.state }
    /// The current request's head, parsed in place so its header storage is reused.
    private var head = RequestHead()
    /// Empty (no storage) while the connection has nothing to read; see ``ReadBufferPool``. Its size and
    /// which of its bytes are unconsumed are the machine's (``readStart``, ``readEnd``).
    private var readBuffer: [UInt8] = []
    private var readStart: Int { machine.readStart }
    private var readEnd: Int { machine.readEnd }
    private var output: [UInt8] = []
    private var outputSent = 0
    var interest: UInt32 = 0
    /// Edge-triggered interest of a plain socket, registered once: the common path makes no `epoll_ctl`
    /// call per request (level-triggered interest switching cost two per deferred request).
    static let plainInterest = SLUICE_EPOLLIN | SLUICE_EPOLLOUT | SLUICE_EPOLLRDHUP | SLUICE_EPOLLET

    private var chunked: ChunkedDecoder
    private var chunkedConsumed = 0
    private var chunkedBody: [UInt8] = []
    private var inflater: BodyInflater?
    private var inflated: [UInt8] = []

    /// The current request's ``HTTPRequest/headNote``.
    private var headNote = 0

    /// A head with a credential the handler verified has arrived on this connection.
    var isAuthenticated: Bool { machine.isAuthenticated }
    // Links of the loop's ``UnauthenticatedConnections``.
    var isListedUnauthenticated = false
    var olderUnauthenticated: HTTPConnection?
    var newerUnauthenticated: HTTPConnection?

    static let initialBufferSize = 16 * 1024
    /// A lingering close reads and drops at most one largest request.
    private var lingerBytes: Int { server.configuration.limits.maxBodyBytes + server.configuration.limits.maxHeadBytes }

    init(fd: Int32, loop: EventLoop, server: HTTPServerContext, handler: HTTPHandler, transport: ConnectionTransport = .plain) {
        self.fd = fd
        self.loop = loop
        self.server = server
        metrics = Unretained(server.metrics)
        self.handler = handler
        self.transport = transport
        chunked = ChunkedDecoder(limits: server.configuration.limits)
        machine = HTTPConnectionStateMachine(nowMillis: loop.nowMillis, timeouts: .init(server.configuration), isTLS: !transport.isPlain,
                                             buffers: .init(standardSize: loop.readBuffers.bufferSize,
                                                            maxInflightBodyBytesPerLoop: server.configuration.maxInflightBodyBytesPerLoop))
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
        if machine.isLingering {
            discardInput()
            return
        }
        if case .tls(let session) = transport {
            tlsReady(session, flags: flags)
            return
        }
        if flags & SLUICE_EPOLLOUT != 0 { flush() }
        machine.readinessReported(readable: flags & SLUICE_EPOLLIN != 0, peerShutWrite: flags & SLUICE_EPOLLRDHUP != 0)
        if flags & SLUICE_EPOLLIN == 0 && flags & (SLUICE_EPOLLERR | SLUICE_EPOLLHUP) != 0 {
            close()
            return
        }
        resumePlainInput()
    }

    /// Reads what an earlier edge announced, once the connection may read again.
    private func resumePlainInput() {
        guard machine.shouldResumeReading(isOutputFlushed: isOutputFlushed) else { return }
        readAvailable()
    }

    func tick(nowMillis: Int64) {
        switch machine.deadlinePassed(nowMillis: nowMillis, hasBufferedInput: machine.hasBufferedInput) {
        case .none: break
        case .handshakeTimedOut: tlsFailed(.handshakeTimeout)
        case .answerRequestTimeout: failTimeout()
        case .close: close()
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
        machine.isIdle(hasBufferedInput: machine.hasBufferedInput, isOutputFlushed: output.count == outputSent)
    }

    func forceClose() { close() }

    // MARK: Reading

    var isReading: Bool { machine.isReading }

    /// Reads while the socket fills the buffer and every answer so far is written out (a client that
    /// pipelines without reading its answers is not read further), processing after every read. A short read or
    /// `EAGAIN` means the socket is drained: edge-triggered epoll (plain) reports the next arrival, and
    /// level-triggered epoll (TLS) reports the descriptor again.
    func readAvailable() {
        while isReading && isOutputFlushed {
            guard makeRoom() else { return }
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
                machine.readWouldBlock()
                dispose(machine.readBufferIdle())
                return
            case .done(0):
                close()  // the client closed; an incomplete request cannot be answered
                return
            case .done(let count):
                metrics.with { $0.bytesIn.add(count, ordering: .relaxed) }
                let readAgain = machine.bytesRead(count, room: room)
                process()
                if !readAgain { return }
            }
        }
    }

    /// Readies the read buffer as the machine decides: borrows one from the loop's pool, compacts consumed
    /// bytes away, or grows it (charged to the loop's in-flight cap for a body). Returns false when the
    /// growth would pass that cap (answered 503).
    private func makeRoom() -> Bool {
        while true {
            switch machine.roomForRead(loopInflightBytes: loop.inflightBodyBytes) {
            case .ready:
                return true
            case .borrow:
                readBuffer = loop.readBuffers.take()
            case .compact(let from, let count):
                readBuffer.withUnsafeMutableBytes { buffer in
                    let base = buffer.baseAddress!
                    memmove(base, base + from, count)
                }
            case .grow(let size, let charge):
                loop.inflightBodyBytes += charge
                readBuffer.append(contentsOf: repeatElement(0, count: size - readBuffer.count))
            case .overInflightCap:
                failBusy()
                return false
            }
        }
    }

    /// Gives the read buffer up as the machine decides.
    private func dispose(_ disposal: HTTPConnectionStateMachine.BufferDisposal) {
        switch disposal {
        case .keep: break
        case .giveBack: loop.readBuffers.give(&readBuffer)
        case .drop: readBuffer = []
        }
    }

    /// Parses and dispatches every complete request in the buffer, in order, until one is deferred.
    private func process() {
        loop: while true {
            switch state {
            case .readingHead:
                guard readEnd > readStart else {
                    machine.waitingForHead(nowMillis: loop.nowMillis)
                    break loop
                }
                let result = readBuffer.withUnsafeBytes { buffer in
                    RequestParser.parseHead(UnsafeRawBufferPointer(rebasing: buffer[readStart..<readEnd]), limits: server.configuration.limits, into: &head)
                }
                switch result {
                case .needMore:
                    machine.headIncomplete(nowMillis: loop.nowMillis)
                    break loop
                case .invalid(let error):
                    fail(error)
                    break loop
                case .complete:
                    guard admitHead() else { break loop }
                    chunked.reset()
                    chunkedConsumed = 0
                    chunkedBody.removeAll(keepingCapacity: true)
                }
            case .readingBody:
                guard readBody() else { break loop }
            case .awaitingAnswer, .closing, .lingering, .closed:
                break loop
            }
        }
        flush()
    }

    /// Lets the handler judge the complete head before any body is read; false when the request was
    /// answered (refused by the handler, or 503 while the loop's body buffers are at their cap).
    private func admitHead() -> Bool {
        let verdict = readBuffer.withUnsafeBytes { buffer in
            let headBytes = UnsafeRawBufferPointer(rebasing: buffer[readStart..<readStart + head.headLength])
            return handler.headReceived(HTTPRequestHead(head: head, headBytes: headBytes, loop: loop), output: &output)
        }
        switch machine.headJudged(verdict, nowMillis: loop.nowMillis) {
        case .writeAnswerThenClose:
            return false
        case .readBody(let authenticatedNow):
            if case .proceed(_, let note) = verdict { headNote = note }
            if authenticatedNow { loop.leaveUnauthenticated(self) }
        }
        var announced: Int?
        if case .contentLength(let length) = head.framing { announced = head.headLength + length }
        let hasBody = head.framing != .none && head.framing != .contentLength(0)
        guard machine.bodyAdmitted(hasBody: hasBody, announcedRequestBytes: announced, loopInflightBytes: loop.inflightBodyBytes) else {
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
                guard let charge = machine.chunkedBodyGrew(toCapacity: chunkedBody.capacity, loopInflightBytes: loop.inflightBodyBytes) else {
                    failBusy()
                    return false
                }
                loop.inflightBodyBytes += charge
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
        guard machine.bodyIncomplete(expectsContinue: head.expectContinue) else { return }
        ResponseWriter.continue100.withUTF8Buffer { output.append(contentsOf: $0) }
        flush()
    }

    /// Decodes the body and calls the handler. `bodyRange` is in the read buffer; nil means the chunked body.
    private func dispatch(bodyRange: Range<Int>?, requestEnd: Int) -> Bool {
        let sequence = machine.requestDispatched()
        let keepAlive = head.keepAlive && !loop.isDraining
        let answer = DeferredAnswer(loop: loop, slot: token.slot, generation: token.generation, sequence: sequence)
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
            loop.answerDeferred()
            machine.requestDeferred(keepAlive: keepAlive, requestEnd: requestEnd)
            updateInterest()
            return false
        }
    }

    /// Called on the loop when a deferred answer is ready.
    func completeDeferred(sequence: UInt64, _ write: (inout [UInt8], Bool) -> Void) {
        guard let (keepAlive, requestEnd) = machine.answerArrived(sequence: sequence) else { return }
        write(&output, keepAlive)
        finishRequest(keepAlive: keepAlive, requestEnd: requestEnd)
        process()
        if case .tls = transport { resumeBufferedInput() } else { resumePlainInput() }
    }

    private func finishRequest(keepAlive: Bool, requestEnd: Int) {
        machine.requestAnswered(keepAlive: keepAlive, nowMillis: loop.nowMillis)
        let (release, buffer) = machine.consumed(upTo: requestEnd, budget: &loop.largeBuffers)
        loop.inflightBodyBytes -= release
        if !machine.hasBufferedInput {
            if !machine.keepsBuffer(capacity: chunkedBody.capacity) { chunkedBody = [] }
            if !machine.keepsBuffer(capacity: inflated.capacity) { inflated = [] }
        }
        dispose(buffer)
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
        machine.failed(nowMillis: loop.nowMillis)
        flush()
    }

    /// The answer is out: shuts the sending side and reads what the client still sends (a body the request
    /// was refused before), for a bounded time and number of bytes, so the client reads the answer before
    /// the close.
    private func beginLingeringClose() {
        loop.inflightBodyBytes -= machine.releaseInflightCharge()
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
        discardInput()
    }

    /// Drops input while lingering, without copying it (`MSG_TRUNC` on a TCP socket discards queued bytes);
    /// closes at the end of the stream or past the byte bound.
    private func discardInput() {
        dispose(machine.inputDropped())
        while machine.isLingering {
            let result: IOResult<Int>
            do {
                result = try Syscall.retrying("recv") { recv(fd, nil, 1 << 20, Int32(MSG_TRUNC) | Int32(MSG_DONTWAIT)) }
            } catch {
                close()
                return
            }
            guard case .done(let count) = result else { return }
            guard machine.discarded(count, limit: lingerBytes) else {
                close()
                return
            }
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
                metrics.with { $0.bytesOut.add(count, ordering: .relaxed) }
            }
        }
        output.removeAll(keepingCapacity: machine.keepsBuffer(capacity: output.capacity))
        outputSent = 0
        switch machine.outputFlushed(nowMillis: loop.nowMillis, draining: loop.isDraining, hasBufferedInput: machine.hasBufferedInput) {
        case .none: updateInterest()
        case .close: close()
        case .lingerThenClose: beginLingeringClose()
        }
    }

    /// Registers the readiness the machine asks for (TLS only: a plain socket's edge-triggered interest is
    /// registered once, so the common path makes no `epoll_ctl` call per request).
    func updateInterest() {
        guard let wanted = machine.interest(outputPending: !isOutputFlushed) else { return }
        var bits: UInt32 = 0
        if wanted.readable { bits |= SLUICE_EPOLLIN }
        if wanted.writable { bits |= SLUICE_EPOLLOUT }
        bits = transport.interest(for: bits)
        if bits != interest {
            interest = bits
            loop.modify(self, token: token, interest: bits)
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
        guard machine.closed() else { return }
        let (release, buffer) = machine.releaseBuffers(budget: &loop.largeBuffers)
        loop.inflightBodyBytes -= release
        loop.leaveUnauthenticated(self)
        dispose(buffer)
        loop.deregister(self, token: token)
        if case .tls = transport { endSession() }
        Syscall.close(fd)
        server.metrics.openConnections.subtract(1, ordering: .relaxed)
    }
}
