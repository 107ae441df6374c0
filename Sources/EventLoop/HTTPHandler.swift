import HTTPWire

/// One complete request as the connection parsed it. Every buffer is valid only during
/// ``HTTPHandler/handle(_:_:)``: copy what must outlive it.
public struct HTTPRequest {
    public let head: RequestHead
    /// The request's head bytes; ``RequestHead``'s ranges index into it.
    public let headBytes: UnsafeRawBufferPointer
    /// The body after chunked and content decoding.
    public let body: UnsafeRawBufferPointer
    /// Whether the connection stays open after the answer.
    public let keepAlive: Bool
    /// The loop this request is handled on.
    public let loop: EventLoop
    /// What ``HTTPHandler/headReceived(_:output:)`` noted about this request (its `note`), so the handler
    /// need not work it out again from the head; 0 when it noted nothing.
    public var headNote: Int = 0

    public func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: headBytes[range])
    }

    public var path: UnsafeRawBufferPointer { bytes(head.path) }
}

/// A request whose head is complete and whose body has not been read: what
/// ``HTTPHandler/headReceived(_:output:)`` decides on. Its buffers are valid only during that call.
public struct HTTPRequestHead {
    public let head: RequestHead
    /// The request's head bytes; ``RequestHead``'s ranges index into it.
    public let headBytes: UnsafeRawBufferPointer
    /// The loop the request arrived on.
    public let loop: EventLoop

    public func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: headBytes[range])
    }

    public var path: UnsafeRawBufferPointer { bytes(head.path) }
}

/// What a handler decided about a request from its head alone.
public enum HeadVerdict: Equatable {
    /// Read the body and call ``HTTPHandler/handle(_:output:answer:)``. `authenticated`: the head carried a
    /// credential the handler verified, so the connection no longer counts as unauthenticated. `note` is
    /// handed back in ``HTTPRequest/headNote``.
    case proceed(authenticated: Bool, note: Int = 0)
    /// The handler appended a complete answer with `Connection: close` to the output; the body is not read
    /// (no `100 Continue` is sent) and the connection closes once the answer is out.
    case answered
}

/// What a handler did with a request.
public enum HTTPHandling {
    /// The full answer was appended to the output buffer.
    case answered
    /// The answer comes later through the ``DeferredAnswer`` the handler took.
    case deferred
}

/// Per-loop request logic: one instance per event loop, called only on that loop's thread.
public protocol HTTPHandler: AnyObject {
    /// Appends a complete response to `output` and returns `.answered`, or keeps `answer` and
    /// returns `.deferred`, completing it later from any thread.
    func handle(_ request: HTTPRequest, output: inout [UInt8], answer: DeferredAnswer) -> HTTPHandling
    /// Called once a request's head is complete, before any of its body is read or buffered and before
    /// `100 Continue`: a request the handler would refuse whatever its body (a missing or unknown credential)
    /// is answered here, so an unauthenticated client costs no body memory.
    func headReceived(_ request: HTTPRequestHead, output: inout [UInt8]) -> HeadVerdict
    /// Called once at the end of every loop wake-up, after every request that wake-up delivered, so work
    /// gathered across those requests can be handed to other threads together.
    func wakeUpDidEnd()
    /// Called on every loop tick (about twice a second, also when the loop is idle), after the
    /// connections' own timeouts were checked: housekeeping such as giving back buffers an idle loop holds.
    func tick(nowMillis: Int64)
}

extension HTTPHandler {
    public func headReceived(_ request: HTTPRequestHead, output: inout [UInt8]) -> HeadVerdict { .proceed(authenticated: false) }
    public func wakeUpDidEnd() {}
    public func tick(nowMillis: Int64) {}
}

/// The means to answer a deferred request from any thread. Completing it a second time, or after the
/// client went away, does nothing.
public struct DeferredAnswer: Sendable {
    let loop: EventLoop
    let slot: Int
    let generation: UInt32
    let sequence: UInt64

    /// Runs `write` on the request's loop to append the answer, then resumes the connection.
    public func complete(_ write: @escaping @Sendable (_ output: inout [UInt8], _ keepAlive: Bool) -> Void) {
        loop.post(.answer(EventLoop.Token(slot: slot, generation: generation), sequence: sequence, write: write))
    }
}
