#if canImport(Glibc)
import Glibc
#endif
import CSystemShims
import HTTPWire
import TLSSocket
import POSIX

/// Reading answers: the head parsed in place in the connection's buffer, the body counted and dropped.
extension BenchWorker {
    func readAvailable(_ connection: BenchConnection) {
        if connection.tls != nil { return readTLS(connection) }
        if connection.buffered == connection.buffer.count { connection.growBuffer() }
        let count: Int
        do {
            let free = UnsafeMutableRawBufferPointer(start: connection.buffer.baseAddress! + connection.buffered,
                                                     count: connection.buffer.count - connection.buffered)
            guard case .done(let read) = try Syscall.read(connection.fd, free) else { return }
            count = read
        } catch {
            return fail(connection, .io)
        }
        if count == 0 { return endOfStream(connection) }
        if connection.state == .idle { return fail(connection, .proto) }  // bytes nobody asked for
        connection.buffered += count
        process(connection)
    }

    /// TLS hands out one record per read and may hold more than it returned, which epoll does not report:
    /// reads until the session would block, or the answer completed and the socket moved on.
    private func readTLS(_ connection: BenchConnection) {
        let generation = connection.generation
        while let session = connection.tls, connection.generation == generation,
              connection.state == .idle || connection.state == .reading || connection.state == .writing {
            if connection.buffered == connection.buffer.count { connection.growBuffer() }
            let count: Int
            do {
                let room = UnsafeMutableRawBufferPointer(rebasing: connection.buffer[connection.buffered...])
                switch try session.read(into: room) {
                case .done(let read):
                    count = read
                case .wouldBlock:
                    // A read that must write first (a key update) waits for EPOLLOUT too.
                    if connection.state != .writing && session.readWantsWrite != connection.wantsWrite {
                        connection.wantsWrite = session.readWantsWrite
                        modify(connection, SLUICE_EPOLLIN | (session.readWantsWrite ? SLUICE_EPOLLOUT : 0))
                    }
                    return
                }
            } catch {
                return fail(connection, .tls)
            }
            if count == 0 { return endOfStream(connection) }
            if connection.state == .idle { return fail(connection, .proto) }  // bytes nobody asked for
            connection.buffered += count
            process(connection)
        }
    }

    private func endOfStream(_ connection: BenchConnection) {
        switch connection.state {
        case .idle:
            // The server closed a keep-alive connection between requests: not an error, just reconnect.
            closeSocket(connection)
            if issuing { open(connection) }
        case .reading, .writing:
            if let head = connection.head, head.framing == .untilClose {
                complete(connection, head)
            } else {
                fail(connection, .closed)
            }
        case .closed, .connecting, .handshaking:
            fail(connection, .connect)
        }
    }

    private func process(_ connection: BenchConnection) {
        while true {
            guard let head = connection.head else {
                let parsed = ResponseParser.parseHead(UnsafeRawBufferPointer(rebasing: connection.buffer[0..<connection.buffered]))
                switch parsed {
                case .needMore:
                    return
                case .invalid:
                    return fail(connection, .proto)
                case .complete(let head):
                    if head.status < 200 {  // interim answer (100 Continue): drop it, the real one follows
                        dropPrefix(connection, head.headLength)
                        continue
                    }
                    connection.head = head
                    let bodyStart = head.headLength
                    switch head.framing {
                    case .none:
                        return finish(connection, head, extra: connection.buffered - bodyStart)
                    case .contentLength(let length):
                        let available = connection.buffered - bodyStart
                        if available >= length { return finish(connection, head, extra: available - length) }
                        connection.bodyRemaining = length - available
                        connection.buffered = 0
                        return
                    case .chunked:
                        return feedChunked(connection, head, from: bodyStart)
                    case .untilClose:
                        connection.buffered = 0
                        return
                    }
                }
            }
            switch head.framing {
            case .contentLength:
                let available = connection.buffered
                connection.buffered = 0
                if available >= connection.bodyRemaining {
                    return finish(connection, head, extra: available - connection.bodyRemaining)
                }
                connection.bodyRemaining -= available
            case .chunked:
                feedChunked(connection, head, from: 0)
            case .untilClose, .none:
                connection.buffered = 0
            }
            return
        }
    }

    private func feedChunked(_ connection: BenchConnection, _ head: ResponseHead, from start: Int) {
        connection.chunkSink.removeAll(keepingCapacity: true)
        let input = UnsafeRawBufferPointer(rebasing: connection.buffer[start..<connection.buffered])
        switch connection.chunked.feed(input, into: &connection.chunkSink) {
        case .needMore:
            connection.buffered = 0
        case .done(let consumed):
            connection.chunked.reset()
            finish(connection, head, extra: input.count - consumed)
        case .invalid:
            fail(connection, .proto)
        }
    }

    private func dropPrefix(_ connection: BenchConnection, _ count: Int) {
        let rest = connection.buffered - count
        if rest > 0 {
            let base = connection.buffer.baseAddress!
            memmove(base, base + count, rest)
        }
        connection.buffered = rest
    }

    /// The answer is complete; bytes after it mean the server sent something unasked (we never pipeline).
    private func finish(_ connection: BenchConnection, _ head: ResponseHead, extra: Int) {
        if extra > 0 {
            result.countError(.proto)
            progress.errors.wrappingAdd(1, ordering: .relaxed)
        }
        complete(connection, head, reusable: extra == 0)
    }

    func complete(_ connection: BenchConnection, _ head: ResponseHead, reusable: Bool = true) {
        now = MonotonicClock.nanoseconds()
        if plan.ackPolling != nil, noteAcknowledgements(connection, head) { return finishPoll(connection, head, reusable: reusable) }
        let entry = entries[connection.entryIndex]
        result.latencies.record(nanos: now &- connection.startNanos)
        if let slow = plan.slowNanos, now &- connection.startNanos >= slow {
            result.slowRequests.append(SlowRequest(scheduledNanos: connection.startNanos, sentNanos: connection.sentNanos,
                                                   answeredNanos: now, connection: connection.slot))
        }
        result.statusCounts[min(max(head.status, 0), 999)] += 1
        result.requests += 1
        result.bodyBytes += entry.bodyBytes
        result.rawBodyBytes += entry.rawBodyBytes
        if head.status >= 200 && head.status < 300 { result.events += entry.events }
        progress.requests.wrappingAdd(1, ordering: .relaxed)
        progress.bodyBytes.wrappingAdd(entry.bodyBytes, ordering: .relaxed)
        inFlight -= 1
        reuseOrReopen(connection, head, reusable: reusable)
    }

    /// After an answer: the connection's next request, or a new socket.
    private func reuseOrReopen(_ connection: BenchConnection, _ head: ResponseHead, reusable: Bool) {
        connection.consecutiveFailures = 0
        connection.answeredOnSocket += 1
        let reusable = reusable && head.keepAlive && connection.state == .reading
            && connection.answeredOnSocket < plan.requestsPerConnection ?? .max
        connection.resetResponse()
        if reusable {
            connection.state = .idle
            ready(connection)
        } else {
            closeSocket(connection)
            if issuing { open(connection) }
        }
    }

    /// HEC acknowledgements: takes the `ackId` of an ingest answer, or the true ids of a poll's answer, from
    /// the body when it arrived with the head (an answer's body is small). True for a poll's answer.
    private func noteAcknowledgements(_ connection: BenchConnection, _ head: ResponseHead) -> Bool {
        var body = UnsafeRawBufferPointer(start: nil, count: 0)
        if case .contentLength(let length) = head.framing, connection.buffered >= head.headLength + length {
            body = UnsafeRawBufferPointer(rebasing: connection.buffer[head.headLength..<(head.headLength + length)])
        }
        guard connection.poll != nil else {
            if head.status == 200, let id = AckPolling.ackId(in: body) { connection.ackIds.append(id) }
            return false
        }
        if head.status == 200 {
            let confirmed = Set(AckPolling.trueIds(in: body))
            if !confirmed.isEmpty {
                connection.ackIds.removeAll { confirmed.contains($0) }
                result.acksTrue += confirmed.count
            }
        }
        return true
    }

    private func finishPoll(_ connection: BenchConnection, _ head: ResponseHead, reusable: Bool) {
        connection.poll = nil
        result.ackPolls += 1
        inFlight -= 1
        reuseOrReopen(connection, head, reusable: reusable)
    }
}
