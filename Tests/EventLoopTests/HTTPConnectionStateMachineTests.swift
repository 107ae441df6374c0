import Testing
@testable import EventLoop

/// The connection's decisions driven by hand with a fake clock: no socket, no loop, no waiting.
@Suite struct HTTPConnectionStateMachineTests {
    typealias Machine = HTTPConnectionStateMachine

    /// Idle 60 s, head 10 s, body 60 s in all with 1024 B/s after a 5 s grace, handshake 10 s.
    static let timeouts = Machine.Timeouts(idleMillis: 60_000, headMillis: 10_000, bodyMillis: 60_000, minBodyBytesPerSecond: 1024,
                                           minBodyRateGraceMillis: 5_000, tlsHandshakeMillis: 10_000)

    /// The loop's ticks, every 500 ms from `from` up to `until`: the first action a passed deadline asks
    /// for, and when; nil when none does.
    static func firstTimeout(_ machine: inout Machine, from: Int64, until: Int64, hasBufferedInput: Bool,
                             bytesPerTick: Int = 0) -> (at: Int64, action: Machine.TimeoutAction)? {
        var now = from
        while now <= until {
            if bytesPerTick > 0 { _ = machine.bytesRead(bytesPerTick, room: 1 << 20) }
            let action = machine.deadlinePassed(nowMillis: now, hasBufferedInput: hasBufferedInput)
            if action != .none { return (now, action) }
            now += 500
        }
        return nil
    }

    /// A connection at 0 whose first request head is complete and accepted at `at`.
    static func readingBody(at: Int64, timeouts: Machine.Timeouts = timeouts) -> Machine {
        var machine = Machine(nowMillis: 0, timeouts: timeouts, isTLS: false)
        machine.headIncomplete(nowMillis: at)
        let r1 = machine.headJudged(.proceed(authenticated: true), nowMillis: at)
        #expect(r1 == .readBody(authenticatedNow: true))
        return machine
    }

    @Test func slowHeadIsAnswered408AtTheHeadDeadline() {
        var machine = Machine(nowMillis: 0, timeouts: Self.timeouts, isTLS: false)
        machine.headIncomplete(nowMillis: 1_000)
        // More bytes of the same head do not move the deadline.
        machine.headIncomplete(nowMillis: 9_000)
        let timeout = Self.firstTimeout(&machine, from: 1_000, until: 70_000, hasBufferedInput: true)
        #expect(timeout?.at == 11_000)
        #expect(timeout?.action == .answerRequestTimeout)
        // The 408 goes out, then the close lingers for at most its own bound.
        machine.failed(nowMillis: 11_000)
        #expect(machine.state == .closing)
        #expect(!machine.isReading)
        let r2 = machine.outputFlushed(nowMillis: 11_000, draining: false, hasBufferedInput: false)
        #expect(r2 == .lingerThenClose)
        #expect(machine.state == .lingering)
        let r3 = Self.firstTimeout(&machine, from: 11_000, until: 70_000, hasBufferedInput: false)!
        #expect(r3 == (13_000, .close))
    }

    @Test func idleKeepAliveConnectionClosesWithoutAnAnswer() {
        var machine = Self.readingBody(at: 1_000)
        let r4 = machine.requestDispatched()
        #expect(r4 == 1)
        machine.requestAnswered(keepAlive: true, nowMillis: 2_000)
        #expect(machine.state == .readingHead)
        let r5 = machine.outputFlushed(nowMillis: 2_000, draining: false, hasBufferedInput: false)
        #expect(r5 == .none)
        machine.waitingForHead(nowMillis: 2_000)
        let r6 = Self.firstTimeout(&machine, from: 2_000, until: 100_000, hasBufferedInput: false)!
        #expect(r6 == (62_000, .close))
        // The next head after an answer gets the head deadline again, not the idle one.
        var next = Self.readingBody(at: 1_000)
        _ = next.requestDispatched()
        next.requestAnswered(keepAlive: true, nowMillis: 2_000)
        next.headIncomplete(nowMillis: 3_000)
        let r7 = Self.firstTimeout(&next, from: 3_000, until: 100_000, hasBufferedInput: true)!
        #expect(r7 == (13_000, .answerRequestTimeout))
    }

    @Test func stalledBodyIsAnswered408() {
        // Without a rate rule, only the total deadline cuts a stalled body.
        var noRate = Self.timeouts
        noRate.minBodyBytesPerSecond = 0
        var machine = Self.readingBody(at: 1_000, timeouts: noRate)
        let r8 = machine.bodyIncomplete(expectsContinue: false)
        #expect(r8 == false)
        let r9 = Self.firstTimeout(&machine, from: 1_000, until: 100_000, hasBufferedInput: true)!
        #expect(r9 == (61_000, .answerRequestTimeout))
        // With it, a body that sends nothing is cut when the grace ends.
        var rated = Self.readingBody(at: 1_000)
        let r10 = Self.firstTimeout(&rated, from: 1_000, until: 100_000, hasBufferedInput: true)!
        #expect(r10 == (6_000, .answerRequestTimeout))
    }

    @Test func bodyUnderTheMinimumRateIsCutAndOneAtTheRateIsNot() {
        // 400 B a tick is 800 B/s, under 1024 B/s: cut when the grace ends.
        var slow = Self.readingBody(at: 0)
        let r11 = Self.firstTimeout(&slow, from: 0, until: 100_000, hasBufferedInput: true, bytesPerTick: 400)!
        #expect(r11 == (5_000, .answerRequestTimeout))
        // 520 B a tick keeps the rate: only the total deadline ends it, progress does not extend it.
        var steady = Self.readingBody(at: 0)
        let r12 = Self.firstTimeout(&steady, from: 0, until: 100_000, hasBufferedInput: true, bytesPerTick: 520)!
        #expect(r12 == (60_000, .answerRequestTimeout))
        // Bytes read before the head completed do not count for the body.
        var machine = Machine(nowMillis: 0, timeouts: Self.timeouts, isTLS: false)
        _ = machine.bytesRead(1_000_000, room: 1 << 20)
        machine.headIncomplete(nowMillis: 0)
        _ = machine.headJudged(.proceed(authenticated: false), nowMillis: 0)
        let r13 = Self.firstTimeout(&machine, from: 0, until: 100_000, hasBufferedInput: true)!
        #expect(r13 == (5_000, .answerRequestTimeout))
    }

    @Test func continueIsSentOnceAndOnlyAfterTheHeadIsJudged() {
        var machine = Machine(nowMillis: 0, timeouts: Self.timeouts, isTLS: false)
        machine.headIncomplete(nowMillis: 0)
        let r14 = machine.bodyIncomplete(expectsContinue: true)
        #expect(r14 == false)  // not judged yet
        _ = machine.headJudged(.proceed(authenticated: true), nowMillis: 0)
        let r15 = machine.bodyIncomplete(expectsContinue: true)
        #expect(r15 == true)
        let r16 = machine.bodyIncomplete(expectsContinue: true)
        #expect(r16 == false)
        _ = machine.requestDispatched()
        machine.requestAnswered(keepAlive: true, nowMillis: 10)
        let r17 = machine.bodyIncomplete(expectsContinue: true)
        #expect(r17 == false)  // between requests
        _ = machine.headJudged(.proceed(authenticated: true), nowMillis: 20)
        let r18 = machine.bodyIncomplete(expectsContinue: true)
        #expect(r18 == true)   // the next request gets its own
        // A head the handler refuses gets its answer and a lingering close, never `100 Continue`.
        var refused = Machine(nowMillis: 0, timeouts: Self.timeouts, isTLS: false)
        let r19 = refused.headJudged(.answered, nowMillis: 0)
        #expect(r19 == .writeAnswerThenClose)
        let r20 = refused.bodyIncomplete(expectsContinue: true)
        #expect(r20 == false)
        #expect(!refused.isReading)
        #expect(!refused.isAuthenticated)
        let r21 = refused.outputFlushed(nowMillis: 0, draining: false, hasBufferedInput: false)
        #expect(r21 == .lingerThenClose)
    }

    @Test func onlyTheFirstVerifiedHeadLeavesTheUnauthenticatedList() {
        var machine = Machine(nowMillis: 0, timeouts: Self.timeouts, isTLS: false)
        let r22 = machine.headJudged(.proceed(authenticated: false), nowMillis: 0)
        #expect(r22 == .readBody(authenticatedNow: false))
        #expect(!machine.isAuthenticated)
        _ = machine.requestDispatched()
        machine.requestAnswered(keepAlive: true, nowMillis: 0)
        let r23 = machine.headJudged(.proceed(authenticated: true, note: 3), nowMillis: 0)
        #expect(r23 == .readBody(authenticatedNow: true))
        _ = machine.requestDispatched()
        machine.requestAnswered(keepAlive: true, nowMillis: 0)
        let r24 = machine.headJudged(.proceed(authenticated: true), nowMillis: 0)
        #expect(r24 == .readBody(authenticatedNow: false))
        #expect(machine.isAuthenticated)
    }

    @Test func connectionCloseEndsWithoutLingering() {
        var machine = Self.readingBody(at: 0)
        _ = machine.requestDispatched()
        machine.requestAnswered(keepAlive: false, nowMillis: 100)
        #expect(machine.state == .closing)
        #expect(!machine.isReading)
        let r25 = machine.outputFlushed(nowMillis: 100, draining: false, hasBufferedInput: true)
        #expect(r25 == .close)
        // A client that does not read its last answer is closed at the idle deadline.
        var unread = Self.readingBody(at: 0)
        _ = unread.requestDispatched()
        unread.requestAnswered(keepAlive: false, nowMillis: 100)
        let r26 = Self.firstTimeout(&unread, from: 100, until: 100_000, hasBufferedInput: false)!
        #expect(r26 == (60_100, .close))
    }

    @Test func errorMidBodyAnswersThenLingersWithinItsBounds() {
        var machine = Self.readingBody(at: 0)
        _ = machine.bytesRead(100, room: 1000)
        machine.failed(nowMillis: 1_000)
        #expect(machine.state == .closing)
        // The client gets a body timeout to read the error.
        var unread = machine
        let r27 = Self.firstTimeout(&unread, from: 1_000, until: 100_000, hasBufferedInput: true)!
        #expect(r27 == (61_000, .close))
        let r28 = machine.outputFlushed(nowMillis: 2_000, draining: false, hasBufferedInput: false)
        #expect(r28 == .lingerThenClose)
        #expect(machine.isLingering)
        let r29 = machine.discarded(600, limit: 1_000)
        #expect(r29)
        let r30 = machine.discarded(400, limit: 1_000)
        #expect(r30)
        let r31 = machine.discarded(1, limit: 1_000)
        #expect(!r31)   // past the byte bound
        var ended = machine
        let r32 = ended.discarded(0, limit: 1_000)
        #expect(!r32)     // end of stream
        let r33 = Self.firstTimeout(&machine, from: 2_000, until: 100_000, hasBufferedInput: false)!
        #expect(r33 == (4_000, .close))
        // TLS closes at once: there is no half-close to linger in.
        var tls = Machine(nowMillis: 0, timeouts: Self.timeouts, isTLS: true)
        tls.failed(nowMillis: 0)
        let r34 = tls.outputFlushed(nowMillis: 0, draining: false, hasBufferedInput: false)
        #expect(r34 == .close)
    }

    @Test func deferredAnswersComeInRequestOrder() {
        var machine = Self.readingBody(at: 0)
        let sequence = machine.requestDispatched()
        machine.requestDeferred(keepAlive: true, requestEnd: 321)
        #expect(!machine.isReading)
        machine.readinessReported(readable: true, peerShutWrite: false)
        #expect(!machine.shouldResumeReading(isOutputFlushed: true))  // pipelined input waits for the answer
        // No deadline runs while the handler works.
        let r35 = Self.firstTimeout(&machine, from: 0, until: 200_000, hasBufferedInput: true)
        #expect(r35 == nil)
        #expect(machine.answerArrived(sequence: sequence &+ 1) == nil)
        #expect(machine.answerArrived(sequence: sequence)! == (true, 321))
        machine.requestAnswered(keepAlive: true, nowMillis: 1_000)
        #expect(machine.shouldResumeReading(isOutputFlushed: true))
        #expect(!machine.shouldResumeReading(isOutputFlushed: false))   // the answer is not out yet
        #expect(machine.answerArrived(sequence: sequence) == nil)      // a second completion does nothing
        let r36 = machine.requestDispatched()
        #expect(r36 == sequence &+ 1)
    }

    @Test func shortPlainReadsWaitForTheNextEdge() {
        var plain = Machine(nowMillis: 0, timeouts: Self.timeouts, isTLS: false)
        plain.readinessReported(readable: true, peerShutWrite: false)
        let r37 = plain.bytesRead(1000, room: 1000)
        #expect(r37)        // filled the buffer: read on
        let r38 = plain.bytesRead(10, room: 1000)
        #expect(!r38)         // drained
        #expect(!plain.inputPending)
        plain.readinessReported(readable: true, peerShutWrite: false)
        plain.readWouldBlock()
        #expect(!plain.inputPending)
        plain.readinessReported(readable: false, peerShutWrite: true)
        let r39 = plain.bytesRead(10, room: 1000)
        #expect(r39)          // the end of the stream is read, not waited for
        var tls = Machine(nowMillis: 0, timeouts: Self.timeouts, isTLS: true)
        let r40 = tls.bytesRead(10, room: 1000)
        #expect(r40)            // TLS may hold records epoll does not report
    }

    @Test func drainClosesOnlyConnectionsBetweenRequests() {
        var machine = Machine(nowMillis: 0, timeouts: Self.timeouts, isTLS: false)
        #expect(machine.isIdle(hasBufferedInput: false, isOutputFlushed: true))
        #expect(!machine.isIdle(hasBufferedInput: true, isOutputFlushed: true))
        #expect(!machine.isIdle(hasBufferedInput: false, isOutputFlushed: false))
        let r41 = machine.outputFlushed(nowMillis: 0, draining: true, hasBufferedInput: true)
        #expect(r41 == .none)
        let r42 = machine.outputFlushed(nowMillis: 0, draining: true, hasBufferedInput: false)
        #expect(r42 == .close)
        var body = Self.readingBody(at: 0)
        #expect(!body.isIdle(hasBufferedInput: false, isOutputFlushed: true))
        let r43 = body.outputFlushed(nowMillis: 0, draining: true, hasBufferedInput: false)
        #expect(r43 == .none)
    }

    @Test func handshakeHasItsOwnDeadline() {
        var machine = Machine(nowMillis: 0, timeouts: Self.timeouts, isTLS: true)
        machine.handshakeStarted(nowMillis: 0)
        let r44 = Self.firstTimeout(&machine, from: 0, until: 100_000, hasBufferedInput: false)!
        #expect(r44 == (10_000, .handshakeTimedOut))
        var done = Machine(nowMillis: 0, timeouts: Self.timeouts, isTLS: true)
        done.handshakeStarted(nowMillis: 0)
        done.handshakeCompleted(nowMillis: 3_000)
        let r45 = Self.firstTimeout(&done, from: 3_000, until: 100_000, hasBufferedInput: false)!
        #expect(r45 == (63_000, .close))
    }

    @Test func closingTwiceIsNoticed() {
        var machine = Machine(nowMillis: 0, timeouts: Self.timeouts, isTLS: false)
        let r46 = machine.closed()
        #expect(r46)
        let r47 = machine.closed()
        #expect(!r47)
        #expect(machine.isClosed && !machine.isReading)
        let r48 = machine.deadlinePassed(nowMillis: 1_000_000, hasBufferedInput: false)
        #expect(r48 == .none)
    }

    // MARK: Read buffer, in-flight cap, interest

    /// A 16-byte standard buffer and a loop cap of 100 body bytes, so every step is visible.
    static let buffers = Machine.BufferLimits(standardSize: 16, maxInflightBodyBytesPerLoop: 100, retainedBufferLimit: 64)

    /// A machine whose first head (of `headBytes`, announcing `requestBytes` in all) was judged and admitted.
    static func admitted(headBytes: Int, requestBytes: Int?, loopInflightBytes: Int = 0) -> Machine {
        var machine = Machine(nowMillis: 0, timeouts: timeouts, isTLS: false, buffers: buffers)
        let r1 = machine.roomForRead(loopInflightBytes: 0)
        #expect(r1 == .borrow)
        _ = machine.bytesRead(headBytes, room: 16)
        _ = machine.headJudged(.proceed(authenticated: true), nowMillis: 0)
        let r2 = machine.bodyAdmitted(hasBody: true, announcedRequestBytes: requestBytes, loopInflightBytes: loopInflightBytes)
        #expect(r2)
        return machine
    }

    @Test func bufferIsBorrowedOnInputAndGivenBackWhenEverythingIsAnswered() {
        var machine = Machine(nowMillis: 0, timeouts: Self.timeouts, isTLS: false, buffers: Self.buffers)
        #expect(machine.bufferSize == 0)
        let r1 = machine.roomForRead(loopInflightBytes: 0)
        #expect(r1 == .borrow)
        let r2 = machine.roomForRead(loopInflightBytes: 0)
        #expect(r2 == .ready)
        // A drained socket with nothing read: the buffer goes straight back.
        let r3 = machine.readBufferIdle()
        #expect(r3 == .giveBack)
        #expect(machine.bufferSize == 0)
        // A request read, deferred: the buffer stays while its answer is pending, and goes back once it is in.
        _ = machine.roomForRead(loopInflightBytes: 0)
        _ = machine.bytesRead(10, room: 16)
        _ = machine.headJudged(.proceed(authenticated: true), nowMillis: 0)
        _ = machine.bodyAdmitted(hasBody: false, announcedRequestBytes: 10, loopInflightBytes: 0)
        _ = machine.requestDispatched()
        machine.requestDeferred(keepAlive: true, requestEnd: 10)
        let r4 = machine.readBufferIdle()
        #expect(r4 == .keep)
        var budget = LargeBufferBudget(perConnection: 64, total: 64)
        machine.requestAnswered(keepAlive: true, nowMillis: 0)
        let r5 = machine.consumed(upTo: 10, budget: &budget)
        #expect(r5 == (0, .giveBack))
        #expect(machine.bufferSize == 0 && !machine.hasBufferedInput)
    }

    @Test func pipelinedBytesAreCompactedBeforeTheBufferGrows() {
        var machine = Machine(nowMillis: 0, timeouts: Self.timeouts, isTLS: false, buffers: Self.buffers)
        _ = machine.roomForRead(loopInflightBytes: 0)
        _ = machine.bytesRead(16, room: 16)
        // A first request of 6 bytes answered; 10 bytes of the next are buffered.
        _ = machine.headJudged(.proceed(authenticated: true), nowMillis: 0)
        _ = machine.bodyAdmitted(hasBody: false, announcedRequestBytes: 6, loopInflightBytes: 0)
        _ = machine.requestDispatched()
        machine.requestAnswered(keepAlive: true, nowMillis: 0)
        var budget = LargeBufferBudget(perConnection: 64, total: 64)
        let r1 = machine.consumed(upTo: 6, budget: &budget)
        #expect(r1 == (0, .keep))
        #expect(machine.hasBufferedInput)
        let r2 = machine.roomForRead(loopInflightBytes: 0)
        #expect(r2 == .compact(from: 6, count: 10))
        #expect(machine.readStart == 0 && machine.readEnd == 10)
        let r3 = machine.roomForRead(loopInflightBytes: 0)
        #expect(r3 == .ready)
        // A head that fills the buffer grows it by doubling, uncharged (only bodies count against the cap).
        _ = machine.bytesRead(6, room: 6)
        let r4 = machine.roomForRead(loopInflightBytes: 100)
        #expect(r4 == .grow(to: 32, charge: 0))
        #expect(machine.inflightCharge == 0)
    }

    @Test func bodyGrowthIsChargedUpToTheAnnouncedLengthAndTheLoopCap() {
        // 10 bytes of head announcing 50 in all: 16 → 32 → 50, each step charged.
        var machine = Self.admitted(headBytes: 16, requestBytes: 50)
        let r1 = machine.roomForRead(loopInflightBytes: 0)
        #expect(r1 == .grow(to: 32, charge: 16))
        _ = machine.bytesRead(16, room: 16)
        let r2 = machine.roomForRead(loopInflightBytes: 16)
        #expect(r2 == .grow(to: 50, charge: 18))
        #expect(machine.inflightCharge == 34)
        // The loop is near its cap: the next growth is refused (answered 503), nothing more charged.
        var crowded = Self.admitted(headBytes: 16, requestBytes: 1000)
        let r3 = crowded.roomForRead(loopInflightBytes: 90)
        #expect(r3 == .overInflightCap)
        #expect(crowded.inflightCharge == 0)
        // Answered: the charge comes back to the loop.
        machine.requestAnswered(keepAlive: true, nowMillis: 0)
        var budget = LargeBufferBudget(perConnection: 64, total: 64)
        let r4 = machine.consumed(upTo: 32, budget: &budget)
        #expect(r4.release == 34)
        #expect(machine.inflightCharge == 0)
    }

    @Test func aBodyIsRefusedAtOnceWhenTheLoopIsAtItsCap() {
        var machine = Machine(nowMillis: 0, timeouts: Self.timeouts, isTLS: false, buffers: Self.buffers)
        _ = machine.headJudged(.proceed(authenticated: true), nowMillis: 0)
        let r1 = machine.bodyAdmitted(hasBody: true, announcedRequestBytes: 30, loopInflightBytes: 100)
        #expect(!r1)
        let r2 = machine.bodyAdmitted(hasBody: false, announcedRequestBytes: 10, loopInflightBytes: 100)
        #expect(r2)
        let r3 = machine.bodyAdmitted(hasBody: true, announcedRequestBytes: nil, loopInflightBytes: 99)
        #expect(r3)
    }

    @Test func chunkedBodyIsChargedByItsGrowth() {
        var machine = Self.admitted(headBytes: 16, requestBytes: nil)
        let r1 = machine.chunkedBodyGrew(toCapacity: 40, loopInflightBytes: 0)
        #expect(r1 == 40)
        let r2 = machine.chunkedBodyGrew(toCapacity: 40, loopInflightBytes: 40)
        #expect(r2 == 0)
        let r3 = machine.chunkedBodyGrew(toCapacity: 80, loopInflightBytes: 70)
        #expect(r3 == nil)
        #expect(machine.inflightCharge == 40)
        let r4 = machine.releaseInflightCharge()
        #expect(r4 == 40)
        // The next body starts from nothing charged.
        let r5 = machine.chunkedBodyGrew(toCapacity: 40, loopInflightBytes: 0)
        #expect(r5 == 40)
    }

    @Test func grownBufferIsKeptWithinTheLoopBudgetAndFreedBeyondIt() {
        for (total, kept) in [(64, true), (40, false)] {
            var machine = Self.admitted(headBytes: 16, requestBytes: 50)
            _ = machine.roomForRead(loopInflightBytes: 0)
            _ = machine.bytesRead(16, room: 16)
            _ = machine.roomForRead(loopInflightBytes: 0)
            _ = machine.bytesRead(18, room: 18)
            _ = machine.requestDispatched()
            machine.requestAnswered(keepAlive: true, nowMillis: 0)
            var budget = LargeBufferBudget(perConnection: 64, total: total)
            let r1 = machine.consumed(upTo: 50, budget: &budget)
            #expect(r1.buffer == (kept ? .keep : .drop))
            #expect(budget.kept == (kept ? 50 : 0))
            #expect(machine.bufferSize == (kept ? 50 : 0))
            // Closing returns the grant and frees the grown buffer.
            _ = machine.closed()
            let r2 = machine.releaseBuffers(budget: &budget)
            #expect(r2 == (0, kept ? .drop : .keep))
            #expect(budget.kept == 0)
        }
    }

    @Test func lingeringCloseDropsInputAndGivesTheBufferBack() {
        var machine = Machine(nowMillis: 0, timeouts: Self.timeouts, isTLS: false, buffers: Self.buffers)
        _ = machine.roomForRead(loopInflightBytes: 0)
        _ = machine.bytesRead(12, room: 16)
        machine.failed(nowMillis: 0)
        _ = machine.outputFlushed(nowMillis: 0, draining: false, hasBufferedInput: true)
        #expect(machine.isLingering)
        let r1 = machine.inputDropped()
        #expect(r1 == .giveBack)
        #expect(!machine.hasBufferedInput && machine.bufferSize == 0)
        let r2 = machine.inputDropped()
        #expect(r2 == .keep)
    }

    @Test func interestFollowsReadingAndUnwrittenOutput() {
        let plain = Machine(nowMillis: 0, timeouts: Self.timeouts, isTLS: false)
        #expect(plain.interest(outputPending: true) == nil)
        var tls = Machine(nowMillis: 0, timeouts: Self.timeouts, isTLS: true)
        #expect(tls.interest(outputPending: false) == .init(readable: true, writable: false))
        #expect(tls.interest(outputPending: true) == .init(readable: false, writable: true))
        _ = tls.headJudged(.proceed(authenticated: true), nowMillis: 0)
        _ = tls.requestDispatched()
        tls.requestDeferred(keepAlive: true, requestEnd: 0)
        #expect(tls.interest(outputPending: false) == .init(readable: false, writable: false))
        _ = tls.closed()
        #expect(tls.interest(outputPending: true) == nil)
        #expect(tls.keepsBuffer(capacity: 256 * 1024) && !tls.keepsBuffer(capacity: 256 * 1024 + 1))
    }
}
