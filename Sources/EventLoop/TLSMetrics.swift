import Synchronization

/// TLS counters shared by all loops: full and resumed handshakes as relaxed atomics, failures by
/// ``TLSFailure`` reason under one lock (failures are rare next to handshakes, and each costs a
/// connection anyway).
public final class TLSMetrics: Sendable {
    public let fullHandshakes = Atomic<Int>(0)
    public let resumedHandshakes = Atomic<Int>(0)
    /// Handshakes after which the kernel (kTLS) encrypts the records sent, decrypts those received, and
    /// after which OpenSSL does both (the kernel has no `tls` module, or refused the cipher).
    public let kernelSend = Atomic<Int>(0)
    public let kernelReceive = Atomic<Int>(0)
    public let userspaceOnly = Atomic<Int>(0)
    private let failures = Mutex<[Int]>(Array(repeating: 0, count: TLSFailure.allCases.count))

    public init() {}

    func countHandshake(resumed: Bool) {
        if resumed {
            resumedHandshakes.add(1, ordering: .relaxed)
        } else {
            fullHandshakes.add(1, ordering: .relaxed)
        }
    }

    func countRecordLayer(kernelSend send: Bool, kernelReceive receive: Bool) {
        if send { kernelSend.add(1, ordering: .relaxed) }
        if receive { kernelReceive.add(1, ordering: .relaxed) }
        if !send && !receive { userspaceOnly.add(1, ordering: .relaxed) }
    }

    func countFailure(_ failure: TLSFailure) {
        failures.withLock { $0[failure.rawValue] += 1 }
    }

    /// How many connections failed for `failure` so far.
    public func failureCount(_ failure: TLSFailure) -> Int {
        failures.withLock { $0[failure.rawValue] }
    }

    /// Prometheus text exposition; every reason is listed, zeros included.
    public func exposition() -> String {
        var text = """
        # HELP sluice_tls_handshakes_total Full TLS handshakes completed.
        # TYPE sluice_tls_handshakes_total counter
        sluice_tls_handshakes_total \(fullHandshakes.load(ordering: .relaxed))
        # HELP sluice_tls_resumed_handshakes_total TLS handshakes completed by resuming a session ticket.
        # TYPE sluice_tls_resumed_handshakes_total counter
        sluice_tls_resumed_handshakes_total \(resumedHandshakes.load(ordering: .relaxed))
        # HELP sluice_tls_ktls_sessions_total TLS sessions whose records the kernel (kTLS) encrypts (send) or decrypts (receive).
        # TYPE sluice_tls_ktls_sessions_total counter
        sluice_tls_ktls_sessions_total{direction="send"} \(kernelSend.load(ordering: .relaxed))
        sluice_tls_ktls_sessions_total{direction="receive"} \(kernelReceive.load(ordering: .relaxed))
        # HELP sluice_tls_userspace_sessions_total TLS sessions whose records OpenSSL encrypts and decrypts in the process.
        # TYPE sluice_tls_userspace_sessions_total counter
        sluice_tls_userspace_sessions_total \(userspaceOnly.load(ordering: .relaxed))
        # HELP sluice_tls_errors_total TLS connections that failed, by reason.
        # TYPE sluice_tls_errors_total counter

        """
        let counts = failures.withLock { $0 }
        for failure in TLSFailure.allCases {
            text += "sluice_tls_errors_total{reason=\"\(failure.label)\"} \(counts[failure.rawValue])\n"
        }
        return text
    }
}
