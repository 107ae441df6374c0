/// The decisions of one ``HTTPConnection``, free of I/O: which phase the connection is in, when that phase
/// times out and what the timeout means, when to read, when to send `100 Continue`, how the read buffer is
/// borrowed, grown, kept and given back, what a body may add to the loop's in-flight cap, which readiness
/// to wait for, and how the connection ends.
///
/// The connection reports what happened (bytes read, the socket drained, a head complete and judged, a
/// request answered or deferred, the output flushed, a deadline passed) and performs the action each call
/// returns (read on, borrow or grow the buffer, change the epoll interest, answer 408 or 503, close, close
/// lingering, …). The bytes themselves, parsing, the handler and the syscalls stay with the connection; the
/// loop's shared counts come in as parameters and time as a parameter, so every decision is testable with a
/// fake clock and no socket.
struct HTTPConnectionStateMachine {
    enum State: Equatable {
        /// Waiting for (the rest of) a request head.
        case readingHead
        /// The head is complete and judged; waiting for its body.
        case readingBody
        /// The handler took the request; its answer comes later. `requestEnd` is where the next request
        /// starts in the connection's read buffer.
        case awaitingAnswer(keepAlive: Bool, requestEnd: Int)
        /// The last answer is being written; the connection closes once it is out.
        case closing
        /// The last answer is out and the sending side shut: what the client still sends is read and
        /// dropped for a short while, so the close is a FIN and not a reset that could discard the answer.
        case lingering
        case closed
    }

    /// The server's timeouts, read once per connection (a copy of the whole configuration would retain
    /// its arrays).
    struct Timeouts: Equatable {
        var idleMillis: Int64
        var headMillis: Int64
        var bodyMillis: Int64
        var minBodyBytesPerSecond: Int
        var minBodyRateGraceMillis: Int64
        var tlsHandshakeMillis: Int64
        /// A lingering close reads and drops input for at most this long.
        var lingerMillis: Int64 = 2_000

        init(idleMillis: Int64, headMillis: Int64, bodyMillis: Int64, minBodyBytesPerSecond: Int,
             minBodyRateGraceMillis: Int64, tlsHandshakeMillis: Int64) {
            self.idleMillis = idleMillis
            self.headMillis = headMillis
            self.bodyMillis = bodyMillis
            self.minBodyBytesPerSecond = minBodyBytesPerSecond
            self.minBodyRateGraceMillis = minBodyRateGraceMillis
            self.tlsHandshakeMillis = tlsHandshakeMillis
        }

        init(_ configuration: HTTPServerConfiguration) {
            self.init(idleMillis: configuration.idleTimeoutMillis, headMillis: configuration.headTimeoutMillis,
                      bodyMillis: configuration.bodyTimeoutMillis, minBodyBytesPerSecond: configuration.minBodyBytesPerSecond,
                      minBodyRateGraceMillis: configuration.minBodyRateGraceMillis,
                      tlsHandshakeMillis: configuration.tlsHandshakeTimeoutMillis)
        }
    }

    /// What a passed deadline asks of the connection.
    enum TimeoutAction: Equatable {
        case none
        /// The TLS handshake took too long: count it and close.
        case handshakeTimedOut
        /// A head or body did not arrive in time: answer 408, then close.
        case answerRequestTimeout
        /// Close without a word: an idle keep-alive connection, a client that stopped reading its
        /// answer, or a lingering close that lasted long enough.
        case close
    }

    /// What the connection does once its output is flushed.
    enum FlushAction: Equatable {
        /// Go on (read the next request when there is one).
        case none
        case close
        /// Shut the sending side and read and drop what the client still sends (``discarded(_:limit:)``).
        case lingerThenClose
    }

    /// What the judgement of a head asks of the connection.
    enum HeadAction: Equatable {
        /// Read the body. `authenticatedNow`: the first head with a verified credential on this connection,
        /// so it leaves the loop's unauthenticated list.
        case readBody(authenticatedNow: Bool)
        /// The handler answered the head: write that answer, then close lingering without reading the body.
        case writeAnswerThenClose
    }

    private(set) var state = State.readingHead
    /// When the current phase times out (see ``deadlinePassed(nowMillis:hasBufferedInput:)``).
    private(set) var deadline: Int64
    let timeouts: Timeouts
    let buffers: BufferLimits
    /// TLS: short reads do not mean the socket is drained, and the close does not linger.
    let isTLS: Bool
    private(set) var isHandshaking = false
    /// A head with a credential the handler verified has arrived on this connection.
    private(set) var isAuthenticated = false
    /// The current deadline is the idle one: the next partial head replaces it with the head deadline.
    private var isIdleDeadline = true
    /// Plain sockets are edge-triggered: an `EPOLLIN` edge that arrives while the connection is not
    /// reading (an answer pending or unwritten) is remembered here, and reading resumes from it.
    private(set) var inputPending = false
    /// The peer shut its sending side (`EPOLLRDHUP`): a short read no longer means "wait for the next
    /// edge", so the end of the stream is read (and the connection closed) after the last answer.
    private var peerShutWrite = false
    /// Bytes read on this connection (the body rate is measured with it).
    private var bytesRead = 0
    /// The current body's deadline and rate rule, and ``bytesRead`` when its head completed.
    private var bodyPace = BodyPace(startedMillis: 0, totalMillis: 0, minBytesPerSecond: 0, graceMillis: 0)
    private var bytesReadAtBodyStart = 0
    private var continueSent = false
    /// Close after the next answer with a lingering close (the request's body was not read).
    private var lingerAfterAnswer = false
    private var lingeredBytes = 0
    /// The sequence number of the latest request handed to the handler; a deferred answer must carry it.
    private(set) var requestSequence: UInt64 = 0

    init(nowMillis: Int64, timeouts: Timeouts, isTLS: Bool, buffers: BufferLimits = BufferLimits()) {
        self.timeouts = timeouts
        self.buffers = buffers
        self.isTLS = isTLS
        deadline = nowMillis + timeouts.idleMillis
    }

    // MARK: Queries

    /// Whether the connection reads (it does not while an answer is pending or being written out last).
    var isReading: Bool {
        switch state {
        case .readingHead, .readingBody: return true
        case .awaitingAnswer, .closing, .lingering, .closed: return false
        }
    }

    var isLingering: Bool { state == .lingering }
    var isClosed: Bool { state == .closed }

    /// Between requests with nothing buffered or unwritten: a drain may close it.
    func isIdle(hasBufferedInput: Bool, isOutputFlushed: Bool) -> Bool {
        state == .readingHead && !hasBufferedInput && isOutputFlushed
    }

    /// Whether input an earlier edge announced should be read now.
    func shouldResumeReading(isOutputFlushed: Bool) -> Bool {
        inputPending && isReading && isOutputFlushed
    }

    // MARK: TLS handshake

    mutating func handshakeStarted(nowMillis: Int64) {
        isHandshaking = true
        deadline = nowMillis + timeouts.tlsHandshakeMillis
    }

    mutating func handshakeCompleted(nowMillis: Int64) {
        isHandshaking = false
        deadline = nowMillis + timeouts.idleMillis
    }

    // MARK: Readiness and reads

    /// Readiness of a plain socket: `readable` (`EPOLLIN`) and `peerShutWrite` (`EPOLLRDHUP`).
    mutating func readinessReported(readable: Bool, peerShutWrite: Bool) {
        if peerShutWrite { self.peerShutWrite = true }
        if readable { inputPending = true }
    }

    /// The transport had nothing more to read.
    mutating func readWouldBlock() {
        inputPending = false
    }

    /// `count` bytes arrived into `room` bytes of buffer. Returns false when the socket is drained (a
    /// short plain read that the next edge will follow up), true when the connection should read again
    /// after processing them.
    mutating func bytesRead(_ count: Int, room: Int) -> Bool {
        bytesRead &+= count
        readEnd += count
        if count < room && !isTLS && !peerShutWrite {
            inputPending = false
            return false
        }
        return true
    }

    // MARK: Requests

    /// Everything read so far is answered and the connection waits for the next head.
    mutating func waitingForHead(nowMillis: Int64) {
        deadline = nowMillis + timeouts.idleMillis
    }

    /// Part of a head is buffered: the head deadline runs from its first bytes.
    mutating func headIncomplete(nowMillis: Int64) {
        guard isIdleDeadline else { return }
        deadline = nowMillis + timeouts.headMillis
        isIdleDeadline = false
    }

    /// The handler judged a complete head.
    mutating func headJudged(_ verdict: HeadVerdict, nowMillis: Int64) -> HeadAction {
        switch verdict {
        case .answered:
            closeAfterAnswer(nowMillis: nowMillis)
            return .writeAnswerThenClose
        case .proceed(let authenticated, _):
            let authenticatedNow = authenticated && !isAuthenticated
            if authenticatedNow { isAuthenticated = true }
            state = .readingBody
            continueSent = false
            bodyPace = BodyPace(startedMillis: nowMillis, totalMillis: timeouts.bodyMillis,
                                minBytesPerSecond: timeouts.minBodyBytesPerSecond, graceMillis: timeouts.minBodyRateGraceMillis)
            bytesReadAtBodyStart = bytesRead
            deadline = bodyPace.firstCheckMillis
            return .readBody(authenticatedNow: authenticatedNow)
        }
    }

    /// The body is not complete yet. Returns true when `100 Continue` is to be sent now: the client
    /// expects it and the head was judged (``headJudged(_:nowMillis:)`` accepted it), once per request.
    mutating func bodyIncomplete(expectsContinue: Bool) -> Bool {
        guard expectsContinue, !continueSent, state == .readingBody else { return false }
        continueSent = true
        return true
    }

    /// The request is complete and goes to the handler; returns its sequence number.
    mutating func requestDispatched() -> UInt64 {
        requestSequence &+= 1
        return requestSequence
    }

    /// The handler answered the request (at once or through ``answerArrived(sequence:)``): the connection
    /// waits for the next head, or closes once the answer is out.
    mutating func requestAnswered(keepAlive: Bool, nowMillis: Int64) {
        isIdleDeadline = true
        deadline = nowMillis + timeouts.idleMillis
        state = keepAlive ? .readingHead : .closing
    }

    /// The handler keeps the request and answers later; reading stops until then, so answers go out in
    /// the order of their requests.
    mutating func requestDeferred(keepAlive: Bool, requestEnd: Int) {
        state = .awaitingAnswer(keepAlive: keepAlive, requestEnd: requestEnd)
    }

    /// A deferred answer arrived: the request it answers when it is the one awaited (else nil: the
    /// connection moved on or closed). The connection writes it, then reports ``requestAnswered(keepAlive:nowMillis:)``.
    func answerArrived(sequence: UInt64) -> (keepAlive: Bool, requestEnd: Int)? {
        guard case .awaitingAnswer(let keepAlive, let requestEnd) = state, sequence == requestSequence else { return nil }
        return (keepAlive, requestEnd)
    }

    /// The connection answered an error (malformed request, timeout, busy): it closes lingering once the
    /// answer is out, and gives the client a body timeout to read it.
    mutating func failed(nowMillis: Int64) {
        closeAfterAnswer(nowMillis: nowMillis)
    }

    private mutating func closeAfterAnswer(nowMillis: Int64) {
        lingerAfterAnswer = true
        state = .closing
        deadline = nowMillis + timeouts.bodyMillis
    }

    // MARK: Writing and closing

    /// All output is written. `draining`: the loop is draining, so a connection between requests closes.
    mutating func outputFlushed(nowMillis: Int64, draining: Bool, hasBufferedInput: Bool) -> FlushAction {
        switch state {
        case .closing:
            guard lingerAfterAnswer, !isTLS else { return .close }
            state = .lingering
            deadline = nowMillis + timeouts.lingerMillis
            return .lingerThenClose
        case .readingHead where draining && !hasBufferedInput:
            return .close
        default:
            return .none
        }
    }

    /// While lingering, `count` more bytes were read and dropped (0: the end of the stream). Returns
    /// false when the connection is to close: at the end of the stream or past `limit` bytes in all.
    mutating func discarded(_ count: Int, limit: Int) -> Bool {
        guard count > 0, lingeredBytes + count <= limit else { return false }
        lingeredBytes += count
        return true
    }

    /// The loop's clock reached `nowMillis` (it ticks about twice a second). `hasBufferedInput`: part of a
    /// request is buffered.
    mutating func deadlinePassed(nowMillis: Int64, hasBufferedInput: Bool) -> TimeoutAction {
        guard nowMillis >= deadline else { return .none }
        if isHandshaking { return .handshakeTimedOut }
        switch state {
        case .readingHead:
            return hasBufferedInput ? .answerRequestTimeout : .close
        case .readingBody:
            switch bodyPace.check(nowMillis: nowMillis, bytes: bytesRead - bytesReadAtBodyStart) {
            case .onTime(let next):
                deadline = next
                return .none
            case .tooSlow, .timedOut:
                return .answerRequestTimeout
            }
        case .closing, .lingering:
            return .close
        case .awaitingAnswer, .closed:
            return .none
        }
    }

    /// The connection closes. Returns false when it was closed already.
    mutating func closed() -> Bool {
        guard state != .closed else { return false }
        state = .closed
        return true
    }

    // MARK: Read buffer and the loop's caps

    /// How a connection's buffers may grow and which the loop keeps.
    struct BufferLimits: Equatable {
        /// The standard read buffer (``ReadBufferPool``'s size): a connection borrows one when input arrives.
        var standardSize = 16 * 1024
        /// The loop's cap on bytes its connections grew their buffers by for bodies still arriving.
        var maxInflightBodyBytesPerLoop = Int.max
        /// Body, inflated and output buffers up to this capacity are kept for the next request.
        var retainedBufferLimit = 256 * 1024
    }

    /// What the read buffer needs before the next read (``roomForRead(loopInflightBytes:)``).
    enum ReadRoom: Equatable {
        /// There is room at ``readEnd``.
        case ready
        /// The connection holds no buffer: borrow a standard one from the loop's pool.
        case borrow
        /// Move the `count` unconsumed bytes at `from` to the front.
        case compact(from: Int, count: Int)
        /// Grow the buffer (zero-filled) to `size` bytes; `charge` more bytes count against the loop's cap.
        case grow(to: Int, charge: Int)
        /// Growing would pass the loop's in-flight cap: answer 503 and close.
        case overInflightCap
    }

    /// What to do with the read buffer once it may be given up.
    enum BufferDisposal: Equatable {
        case keep
        /// Give it back to the loop's ``ReadBufferPool``.
        case giveBack
        /// Free it (a grown buffer the loop's ``LargeBufferBudget`` does not keep).
        case drop
    }

    /// Which readiness the connection waits for (level-triggered TLS); nil: leave the registration as it is.
    struct Interest: Equatable {
        var readable: Bool
        var writable: Bool
    }

    /// The read buffer's size (0 while the connection holds none); its bytes stay with the connection.
    private(set) var bufferSize = 0
    /// Unconsumed input is `readStart..<readEnd` of the read buffer.
    private(set) var readStart = 0
    private(set) var readEnd = 0
    /// Bytes of the read buffer counted in the loop's ``LargeBufferBudget`` (0 while it is standard).
    private(set) var keptLargeBytes = 0
    /// Bytes this connection added to the loop's in-flight body bytes for the current body.
    private(set) var inflightCharge = 0
    /// Capacity of the chunked body buffer already in ``inflightCharge``.
    private var chunkedCharged = 0
    /// The current request's length when its head announced one (Content-Length): the buffer grows no further.
    private var announcedRequestBytes: Int?

    var hasBufferedInput: Bool { readEnd > readStart }

    /// Readies the buffer for a read; the connection performs the action and asks again until ``ReadRoom/ready``.
    /// Compacting comes first; a buffer grows by doubling, up to what a body of announced length still needs, and a
    /// body's growth is charged to the loop's cap (`loopInflightBytes`: what the loop's connections hold now).
    mutating func roomForRead(loopInflightBytes: Int) -> ReadRoom {
        if bufferSize == 0 {
            bufferSize = buffers.standardSize
            readStart = 0
            readEnd = 0
            return .borrow
        }
        guard readEnd == bufferSize else { return .ready }
        if readStart > 0 {
            let move = (from: readStart, count: readEnd - readStart)
            readEnd -= readStart
            readStart = 0
            return .compact(from: move.from, count: move.count)
        }
        var size = bufferSize * 2
        var charge = 0
        if state == .readingBody {
            if let announcedRequestBytes { size = min(size, announcedRequestBytes) }
            charge = size - bufferSize
            guard loopInflightBytes + charge <= buffers.maxInflightBodyBytesPerLoop else { return .overInflightCap }
            inflightCharge += charge
        }
        bufferSize = size
        return .grow(to: size, charge: charge)
    }

    /// A head was judged and its body is to be read: whether the loop can take another body (a body-less
    /// request always can). `announcedRequestBytes`: head and Content-Length body, nil when chunked or none.
    mutating func bodyAdmitted(hasBody: Bool, announcedRequestBytes: Int?, loopInflightBytes: Int) -> Bool {
        self.announcedRequestBytes = announcedRequestBytes
        chunkedCharged = 0
        return !hasBody || loopInflightBytes < buffers.maxInflightBodyBytesPerLoop
    }

    /// The chunked body's buffer reached `capacity`: the bytes to charge to the loop now (0: none new), or
    /// nil when that would pass the loop's cap.
    mutating func chunkedBodyGrew(toCapacity capacity: Int, loopInflightBytes: Int) -> Int? {
        guard capacity > chunkedCharged else { return 0 }
        let charge = capacity - chunkedCharged
        guard loopInflightBytes + charge <= buffers.maxInflightBodyBytesPerLoop else { return nil }
        chunkedCharged = capacity
        inflightCharge += charge
        return charge
    }

    /// Takes back this connection's charge on the loop's in-flight bytes (the body is answered or the
    /// connection ends); returns the bytes to subtract from the loop's count.
    mutating func releaseInflightCharge() -> Int {
        defer {
            inflightCharge = 0
            chunkedCharged = 0
        }
        return inflightCharge
    }

    /// The transport had nothing more to read (or a lingering close dropped what was buffered): the standard
    /// buffer goes back to the pool when nothing read is waiting to be answered.
    mutating func readBufferIdle() -> BufferDisposal {
        guard readEnd == readStart, bufferSize == buffers.standardSize else { return .keep }
        switch state {
        case .readingHead, .closing, .lingering, .closed:
            bufferSize = 0
            readStart = 0
            readEnd = 0
            return .giveBack
        case .readingBody, .awaitingAnswer:
            return .keep
        }
    }

    /// The request ending at `requestEnd` is answered (call after ``requestAnswered(keepAlive:nowMillis:)``):
    /// its bytes are consumed and its charge released (`release`: bytes to subtract from the loop's count).
    /// Once nothing is buffered, a grown buffer is kept for the next request within the loop's `budget`, and
    /// a standard one goes back to the pool between requests.
    mutating func consumed(upTo requestEnd: Int, budget: inout LargeBufferBudget) -> (release: Int, buffer: BufferDisposal) {
        let release = releaseInflightCharge()
        readStart = requestEnd
        guard readStart == readEnd else { return (release, .keep) }
        readStart = 0
        readEnd = 0
        if bufferSize > buffers.standardSize {
            keptLargeBytes = budget.keep(bufferSize, granted: keptLargeBytes)
            if keptLargeBytes == 0 {
                bufferSize = 0
                return (release, .drop)
            }
        }
        return (release, readBufferIdle())
    }

    /// A lingering close drops what is buffered; the standard buffer goes back to the pool.
    mutating func inputDropped() -> BufferDisposal {
        readStart = 0
        readEnd = 0
        return bufferSize == 0 ? .keep : readBufferIdle()
    }

    /// The connection closed (after ``closed()``): every charge and grant goes back; the buffer to the pool
    /// when standard, else freed.
    mutating func releaseBuffers(budget: inout LargeBufferBudget) -> (release: Int, buffer: BufferDisposal) {
        budget.release(keptLargeBytes)
        keptLargeBytes = 0
        let release = releaseInflightCharge()
        let disposal: BufferDisposal = bufferSize == buffers.standardSize ? .giveBack : (bufferSize == 0 ? .keep : .drop)
        bufferSize = 0
        readStart = 0
        readEnd = 0
        return (release, disposal)
    }

    /// Whether a body, inflated or output buffer of `capacity` bytes is kept for the next request.
    func keepsBuffer(capacity: Int) -> Bool { capacity <= buffers.retainedBufferLimit }

    /// The readiness a TLS connection waits for: writable while output is unwritten, readable while it reads
    /// and everything is written. nil for a plain socket (registered edge-triggered once; not reading is back-
    /// pressure enough) and once closed.
    func interest(outputPending: Bool) -> Interest? {
        guard isTLS, state != .closed else { return nil }
        return Interest(readable: isReading && !outputPending, writable: outputPending)
    }
}
