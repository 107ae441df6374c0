import HTTPWire
import TLSSocket

/// One client connection's state, owned by one ``BenchWorker`` thread. The read buffer is allocated once
/// (and grown only for an unusually large response head) and freed with the connection object.
final class BenchConnection {
    enum State {
        /// No socket; reopen at `retryAtNanos`.
        case closed
        /// Non-blocking connect in progress.
        case connecting
        /// https: connected, TLS handshake in progress.
        case handshaking
        /// Connected, no request in flight.
        case idle
        /// Writing the request; `writeOffset` bytes are out.
        case writing
        /// Request sent, reading the answer.
        case reading
    }

    let slot: Int
    var fd: Int32 = -1
    /// Bumped at every (re)open, packed into epoll user data so events for an old socket are dropped.
    var generation: UInt32 = 0
    var state = State.closed
    var retryAtNanos: UInt64 = 0
    var consecutiveFailures = 0
    var wantsWrite = false
    /// https: the session of the open socket.
    var tls: TLSSession?
    /// https: the session the last connection ended with, resumed by the next one.
    var resumable: TLSResumableSession?
    /// Answers received on the open socket.
    var answeredOnSocket = 0

    // The request in flight.
    var entryIndex = 0
    var writeOffset = 0
    /// When the request started, for its latency: the scheduled time (open loop) or the send time.
    var startNanos: UInt64 = 0
    /// When its first byte was handed to the socket (open loop: at or after ``startNanos``).
    var sentNanos: UInt64 = 0

    /// HEC acknowledgements: ids answered and not yet reported true, the last poll, and the poll in flight
    /// (nil while an ingest request is).
    var ackIds: [UInt64] = []
    var lastPollNanos: UInt64 = 0
    var poll: [UInt8]?

    // The answer being read.
    var buffer: UnsafeMutableRawBufferPointer
    var buffered = 0
    var head: ResponseHead?
    var bodyRemaining = 0
    var chunked = ChunkedDecoder(limits: HTTPLimits())
    var chunkSink: [UInt8] = []

    init(slot: Int, bufferSize: Int = 64 * 1024) {
        self.slot = slot
        buffer = .allocate(byteCount: bufferSize, alignment: 16)
    }

    deinit {
        buffer.deallocate()
    }

    var epollData: UInt64 { UInt64(generation) << 32 | UInt64(slot) }

    /// Ready for the next answer.
    func resetResponse() {
        buffered = 0
        head = nil
        bodyRemaining = 0
    }

    /// Doubles the read buffer, keeping what it holds.
    func growBuffer() {
        let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
        bigger.copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[0..<buffered]))
        buffer.deallocate()
        buffer = bigger
    }
}
