/// An incremental decoder of the `chunked` transfer coding (RFC 9112 §7.1): a value-type state machine that
/// takes the body bytes in any split and appends the decoded payload.
///
/// Guarantees:
/// - the result does not depend on how the input is split; `feed` consumes all input while `.needMore`, and on
///   `.done` stops right after the final CRLF (the rest belongs to the next pipelined request);
/// - decoded bytes never exceed `maxBodyBytes`: a chunk size that would pass it is 413 as soon as its digits say so,
///   before any of its data is read; framing bytes (sizes, extensions, CRLFs, trailers) are capped at
///   `max(maxBodyBytes, 1 MiB)` (413), a chunk extension at 4 KiB (400) and the trailer section at `maxHeadBytes` (431);
/// - strict syntax: hex sizes, `;`-extensions with visible bytes only, CRLF only, trailer fields shaped like header
///   fields without obs-fold; trailer fields are checked and then discarded;
/// - after `.invalid` it keeps answering the same error; after `.done` it consumes nothing until `reset()`.
public struct ChunkedDecoder: Sendable {
    public enum Progress: Sendable, Equatable {
        case needMore(consumed: Int)
        /// The final CRLF after the trailer section was consumed.
        case done(consumed: Int)
        case invalid(HTTPError)
    }

    enum State: Sendable, Equatable {
        case sizeStart, size, sizeWhitespace, extensionBytes, sizeLF
        case data, dataCR, dataLF
        case trailerStart, trailerName, trailerValue, trailerLF, finalLF
        case done
        case failed(HTTPError)
    }

    static let maxExtensionBytes = 4096

    private let maxBodyBytes: Int
    private let maxFramingBytes: Int
    private let maxTrailerBytes: Int
    private(set) var state: State = .sizeStart
    private var chunkRemaining = 0
    private var extensionBytes = 0
    private var framingBytes = 0
    private var trailerBytes = 0
    /// Payload bytes decoded since the last reset.
    public private(set) var decodedBytes = 0

    public init(limits: HTTPLimits) {
        maxBodyBytes = limits.maxBodyBytes
        maxFramingBytes = max(limits.maxBodyBytes, 1 << 20)
        maxTrailerBytes = limits.maxHeadBytes
    }

    /// Ready for the next chunked body.
    public mutating func reset() {
        state = .sizeStart
        chunkRemaining = 0
        extensionBytes = 0
        framingBytes = 0
        trailerBytes = 0
        decodedBytes = 0
    }

    public var isDone: Bool { state == .done }

    public mutating func feed(_ input: UnsafeRawBufferPointer, into body: inout [UInt8]) -> Progress {
        switch state {
        case .done: return .done(consumed: 0)
        case .failed(let error): return .invalid(error)
        default: break
        }
        var i = 0
        let count = input.count
        while i < count {
            if state == .data {
                let take = min(chunkRemaining, count - i)
                body.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[i..<(i + take)]))
                i += take
                chunkRemaining -= take
                decodedBytes += take
                if chunkRemaining == 0 { state = .dataCR }
                continue
            }
            let c = input[i]
            i += 1
            framingBytes += 1
            if framingBytes > maxFramingBytes { return fail(.payloadTooLarge) }
            if let error = step(c) { return fail(error) }
            if state == .done { return .done(consumed: i) }
        }
        return .needMore(consumed: count)
    }

    private mutating func fail(_ error: HTTPError) -> Progress {
        state = .failed(error)
        return .invalid(error)
    }

    /// Advances the state machine by one framing byte; an error when the byte is not allowed.
    private mutating func step(_ c: UInt8) -> HTTPError? {
        switch state {
        case .sizeStart:
            guard let digit = ASCII.hexValue(c) else { return .badRequest("invalid chunk size") }
            chunkRemaining = digit
            if chunkRemaining > maxBodyBytes - decodedBytes { return .payloadTooLarge }
            state = .size
        case .size:
            if let digit = ASCII.hexValue(c) {
                // chunkRemaining <= maxBodyBytes here, so this cannot overflow.
                chunkRemaining = chunkRemaining * 16 + digit
                if chunkRemaining > maxBodyBytes - decodedBytes { return .payloadTooLarge }
            } else if c == ASCII.cr {
                state = .sizeLF
            } else if c == ASCII.semicolon {
                state = .extensionBytes
            } else if ASCII.isWhitespace(c) {
                state = .sizeWhitespace
            } else {
                return .badRequest("invalid chunk size")
            }
        case .sizeWhitespace:
            if c == ASCII.semicolon {
                state = .extensionBytes
            } else if !ASCII.isWhitespace(c) {
                return .badRequest("invalid chunk size")
            }
        case .extensionBytes:
            if c == ASCII.cr {
                extensionBytes = 0
                state = .sizeLF
            } else if ASCII.isFieldValueChar(c) {
                extensionBytes += 1
                if extensionBytes > Self.maxExtensionBytes { return .badRequest("chunk extension too long") }
            } else {
                return .badRequest("invalid chunk extension")
            }
        case .sizeLF:
            guard c == ASCII.lf else { return .badRequest("invalid line ending in chunked body") }
            state = chunkRemaining == 0 ? .trailerStart : .data
        case .dataCR:
            guard c == ASCII.cr else { return .badRequest("missing CRLF after chunk data") }
            state = .dataLF
        case .dataLF:
            guard c == ASCII.lf else { return .badRequest("missing CRLF after chunk data") }
            state = .sizeStart
        case .trailerStart:
            if c == ASCII.cr {
                state = .finalLF
                return nil
            }
            if ASCII.isWhitespace(c) { return .badRequest("obsolete line folding in trailer") }
            guard ASCII.isTokenChar(c) else { return .badRequest("invalid trailer field") }
            state = .trailerName
            return countTrailerByte()
        case .trailerName:
            if c == ASCII.colon {
                state = .trailerValue
            } else if !ASCII.isTokenChar(c) {
                return .badRequest("invalid trailer field")
            }
            return countTrailerByte()
        case .trailerValue:
            if c == ASCII.cr {
                state = .trailerLF
            } else if !ASCII.isFieldValueChar(c) {
                return .badRequest("invalid trailer field")
            }
            return countTrailerByte()
        case .trailerLF:
            guard c == ASCII.lf else { return .badRequest("invalid line ending in chunked body") }
            state = .trailerStart
            return countTrailerByte()
        case .finalLF:
            guard c == ASCII.lf else { return .badRequest("invalid line ending in chunked body") }
            state = .done
        case .data, .done, .failed:
            preconditionFailure("ChunkedDecoder.step called in state \(state)")
        }
        return nil
    }

    private mutating func countTrailerByte() -> HTTPError? {
        trailerBytes += 1
        return trailerBytes > maxTrailerBytes ? .headTooLarge : nil
    }
}
