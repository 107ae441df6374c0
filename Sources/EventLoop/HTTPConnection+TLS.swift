#if canImport(Glibc)
import Glibc
#endif
import CSystemShims
import POSIX

/// The TLS side of a connection: the handshake (bounded in time and, per loop, in number), readiness
/// in either direction serving either operation, and failures counted by reason.
extension HTTPConnection {
    /// Called once registered: the handshake counts against the loop's cap and has its own deadline.
    func startHandshake() {
        loop.tlsHandshakesInProgress += 1
        machine.handshakeStarted(nowMillis: loop.nowMillis)
    }

    func tlsReady(_ session: TLSSession, flags: UInt32) {
        if session.isHandshaking {
            guard advanceHandshake(session) else { return }
            // The first request often arrives right behind the client's Finished message.
            readAvailable()
            resumeBufferedInput()
            return
        }
        let readable = flags & SLUICE_EPOLLIN != 0
        let writable = flags & SLUICE_EPOLLOUT != 0
        if writable || (readable && session.writeWantsRead) { flush() }
        if (readable || (writable && session.readWantsWrite)) && isOutputFlushed {
            readAvailable()
        } else if flags & (SLUICE_EPOLLERR | SLUICE_EPOLLHUP) != 0 {
            close()
            return
        }
        resumeBufferedInput()
    }

    /// Returns true once the handshake is complete.
    private func advanceHandshake(_ session: TLSSession) -> Bool {
        let progress: TLSProgress<Void>
        do {
            progress = try session.handshake()
        } catch {
            if case .tls(let failure) = error { tlsFailed(failure) } else { tlsFailed(.ioError) }
            return false
        }
        switch progress {
        case .wouldBlock:
            let wanted = session.readWantsWrite ? SLUICE_EPOLLOUT : SLUICE_EPOLLIN
            if wanted != interest {
                interest = wanted
                loop.modify(self, token: token, interest: wanted)
            }
            return false
        case .done:
            loop.tlsHandshakesInProgress -= 1
            server.metrics.tls.countHandshake(resumed: session.wasResumed)
            let offload = session.kernelOffload
            server.metrics.tls.countRecordLayer(kernelSend: offload.send, kernelReceive: offload.receive)
            machine.handshakeCompleted(nowMillis: loop.nowMillis)
            updateInterest()
            return true
        }
    }

    /// Reads what the TLS session buffered but epoll will not report, once reading is allowed again.
    func resumeBufferedInput() {
        guard case .tls(let session) = transport, isReading, isOutputFlushed, session.hasBufferedInput else { return }
        readAvailable()
    }

    /// Counts the failure (debug log only) and closes; plain HTTP on the TLS port gets a plain-text 400 first.
    func tlsFailed(_ failure: TLSFailure) {
        server.metrics.tls.countFailure(failure)
        server.logger.debug("tls connection failed", metadata: ["reason": "\(failure.label)"])
        if failure == .plainHTTP { answerPlainHTTP() }
        close()
    }

    /// Ends the TLS session before the descriptor closes; a handshake still in progress leaves the cap.
    func endSession() {
        guard case .tls(let session) = transport else { return }
        if session.isHandshaking { loop.tlsHandshakesInProgress -= 1 }
        transport.close()
    }

    /// Best effort, one write: the answer fits any socket buffer. What the client sent is read and
    /// dropped first so the close is a FIN, not a reset that could discard the answer on the client.
    private func answerPlainHTTP() {
        withUnsafeTemporaryAllocation(byteCount: 16 * 1024, alignment: 1) { scratch in
            for _ in 0..<4 {
                guard case .done(let count)? = try? Syscall.read(fd, scratch), count > 0 else { break }
            }
        }
        Self.plainHTTPAnswer.withUnsafeBytes { _ = try? Syscall.write(fd, $0) }
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    private static let plainHTTPAnswer: [UInt8] = {
        let body = "This port speaks HTTPS: plain HTTP was sent to a TLS listener.\n"
        return Array("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)".utf8)
    }()
}
