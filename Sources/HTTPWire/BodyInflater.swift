import CZlib
import CZstd

/// A streaming gzip / deflate (zlib) and zstd (libzstd) decoder that enforces the body limit on DECODED bytes.
///
/// Feed the body in any number of pieces with ``inflate(_:coding:limit:into:)``, then call ``finish()`` once the
/// whole (transfer-decoded) body was fed. Guarantees:
/// - output never grows by more than `limit` bytes per body: decoding stops as soon as the decoded total would pass
///   it and answers `.payloadTooLarge`, so a compression bomb costs at most `limit` bytes and the work to make them;
/// - gzip accepts concatenated members (as `gunzip` does); deflate accepts zlib-wrapped (RFC 1950) and raw
///   (RFC 1951) streams, told apart by the zlib header check on the first two bytes; zstd accepts concatenated
///   and skippable frames (as `zstd -d` does) whose window is at most ``zstdMaxWindowLog`` (8 MiB, what
///   shippers' encoders use), so a frame cannot make the decoder reserve more memory than that;
/// - a malformed, truncated or trailing-garbage stream is `badRequest("invalid gzip body")` /
///   `badRequest("invalid deflate body")` / `badRequest("invalid zstd body")`; after an error every call
///   answers the same error until ``reset()``;
/// - one instance is reused across bodies (``reset()``); its zlib state and 64 KiB scratch buffer are allocated
///   once, its zstd context on the first zstd body; a context a large window grew past 1 MiB is given back when
///   its body ends (``finish()`` or an error), so idle connections do not each keep a window of megabytes.
///   Not thread-safe: a connection owns one and uses it on its loop thread.
public final class BodyInflater {
    private enum Phase { case idle, streaming, ended }

    private static let scratchSize = 64 * 1024
    private let stream: UnsafeMutablePointer<z_stream>
    private let scratch: UnsafeMutablePointer<UInt8>
    private var zlibReady = false
    private var zstd: OpaquePointer?
    private var phase: Phase = .idle
    private var coding: ContentCoding = .identity
    /// The first byte of a deflate body, kept until the second arrives to tell zlib-wrapped from raw.
    private var heldByte: UInt8?
    private var failure: HTTPError?
    /// Decoded bytes of the current body.
    public private(set) var decodedBytes = 0

    public init() {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        scratch = .allocate(capacity: Self.scratchSize)
    }

    /// The largest zstd window accepted: 8 MiB, the window of `zstd -19` and of the Go encoder's default.
    public static let zstdMaxWindowLog: Int32 = 23
    /// A zstd context larger than this after a body (a large window) is freed rather than kept per connection.
    static let zstdKeptContextBytes = 1 << 20

    deinit {
        if zlibReady { inflateEnd(stream) }
        if let zstd { ZSTD_freeDCtx(zstd) }
        stream.deinitialize(count: 1)
        stream.deallocate()
        scratch.deallocate()
    }

    /// Ready for the next body.
    public func reset() {
        phase = .idle
        heldByte = nil
        failure = nil
        decodedBytes = 0
    }

    /// Decodes `input` (the next piece of the body) and appends the result to `output`.
    /// `limit` is the most decoded bytes the whole body may have.
    public func inflate(
        _ input: UnsafeRawBufferPointer, coding: ContentCoding, limit: Int, into output: inout [UInt8]
    ) -> Result<Void, HTTPError> {
        if let failure { return .failure(failure) }
        if phase == .idle { self.coding = coding }
        switch coding {
        case .identity:
            phase = .ended
            guard input.count <= limit - decodedBytes else { return fail(.payloadTooLarge) }
            decodedBytes += input.count
            output.append(contentsOf: input)
            return .success(())
        case .gzip, .deflate:
            guard !input.isEmpty else { return .success(()) }
            if phase == .idle {
                if coding == .deflate && heldByte == nil && input.count == 1 {
                    heldByte = input[0]
                    return .success(())
                }
                if let error = start(windowBits: windowBits(coding, input)) { return fail(error) }
                if var held = heldByte {
                    heldByte = nil
                    let result = withUnsafeBytes(of: &held) { run($0, limit: limit, into: &output) }
                    if case .failure = result { return result }
                }
            }
            return run(input, limit: limit, into: &output)
        case .zstd:
            guard !input.isEmpty else { return .success(()) }
            if phase == .idle, let error = startZstd() { return fail(error) }
            if let error = runZstd(input, limit: limit, into: &output) { return fail(error) }
            return .success(())
        }
    }

    /// Checks that the stream ended where the body ended; a truncated stream is 400. An empty body (nothing fed)
    /// decodes to nothing, whatever its coding.
    public func finish() -> Result<Void, HTTPError> {
        if let failure { return .failure(failure) }
        releaseLargeZstdContext()
        switch phase {
        case .ended: return .success(())
        case .idle where heldByte == nil: return .success(())
        default: return fail(streamError)
        }
    }

    private var streamError: HTTPError {
        switch coding {
        case .gzip: .badRequest("invalid gzip body")
        case .zstd: .badRequest("invalid zstd body")
        default: .badRequest("invalid deflate body")
        }
    }

    private func fail(_ error: HTTPError) -> Result<Void, HTTPError> {
        releaseLargeZstdContext()
        failure = error
        return .failure(error)
    }

    /// gzip only for gzip; for deflate the zlib wrapper when the first two bytes (the held byte, if any, then
    /// `input`, which has at least two bytes when none is held) are a valid zlib header.
    private func windowBits(_ coding: ContentCoding, _ input: UnsafeRawBufferPointer) -> Int32 {
        if coding == .gzip { return 15 + 16 }
        let first = heldByte ?? input[0]
        let second = heldByte == nil ? input[1] : input[0]
        let zlibHeader = first & 0x0F == 8 && first >> 4 <= 7 && (UInt16(first) << 8 | UInt16(second)) % 31 == 0
        return zlibHeader ? 15 : -15
    }

    private func start(windowBits: Int32) -> HTTPError? {
        let rc: Int32
        if zlibReady {
            rc = inflateReset2(stream, windowBits)
        } else {
            rc = inflateInit2_(stream, windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
            zlibReady = rc == Z_OK
        }
        guard rc == Z_OK else { return .notImplemented("zlib unavailable") }
        phase = .streaming
        return nil
    }

    private func run(_ input: UnsafeRawBufferPointer, limit: Int, into output: inout [UInt8]) -> Result<Void, HTTPError> {
        var offset = 0
        while offset < input.count {
            let piece = min(input.count - offset, Int(UInt32.max))
            let base = input.baseAddress!.advanced(by: offset).assumingMemoryBound(to: Bytef.self)
            stream.pointee.next_in = UnsafeMutablePointer(mutating: base)
            stream.pointee.avail_in = UInt32(piece)
            if let error = drain(limit: limit, into: &output) { return fail(error) }
            offset += piece
        }
        return .success(())
    }

    /// Inflates until zlib has consumed `avail_in` and has nothing more to give.
    private func drain(limit: Int, into output: inout [UInt8]) -> HTTPError? {
        while true {
            if phase == .ended {
                guard stream.pointee.avail_in > 0 else { return nil }
                // More input after the end: another gzip member, anything else is garbage.
                guard coding == .gzip, inflateReset(stream) == Z_OK else { return streamError }
                phase = .streaming
            }
            let left = limit - decodedBytes
            // One byte more than the limit allows, so that passing the limit is seen.
            let room = left >= Self.scratchSize ? Self.scratchSize : left + 1
            stream.pointee.next_out = scratch
            stream.pointee.avail_out = UInt32(room)
            let rc = CZlib.inflate(stream, Z_NO_FLUSH)
            let produced = room - Int(stream.pointee.avail_out)
            if produced > 0 {
                guard produced <= left else { return .payloadTooLarge }
                decodedBytes += produced
                output.append(contentsOf: UnsafeRawBufferPointer(start: scratch, count: produced))
            }
            switch rc {
            case Z_STREAM_END:
                phase = .ended
            case Z_OK:
                if stream.pointee.avail_in == 0 && stream.pointee.avail_out > 0 { return nil }
            case Z_BUF_ERROR:
                // No progress possible: every input byte was used (an incomplete stream waits for more).
                if stream.pointee.avail_in == 0 { return nil }
                return streamError
            default:
                return streamError
            }
        }
    }

    // MARK: zstd

    /// Bytes the zstd context holds (0 when there is none).
    var zstdContextBytes: Int { zstd.map { ZSTD_sizeof_DCtx($0) } ?? 0 }

    private func releaseLargeZstdContext() {
        guard let zstd, ZSTD_sizeof_DCtx(zstd) > Self.zstdKeptContextBytes else { return }
        ZSTD_freeDCtx(zstd)
        self.zstd = nil
    }

    private func startZstd() -> HTTPError? {
        if let zstd {
            guard ZSTD_isError(ZSTD_DCtx_reset(zstd, ZSTD_reset_session_only)) == 0 else { return .notImplemented("zstd unavailable") }
        } else {
            guard let created = ZSTD_createDCtx() else { return .notImplemented("zstd unavailable") }
            guard ZSTD_isError(ZSTD_DCtx_setParameter(created, ZSTD_d_windowLogMax, Self.zstdMaxWindowLog)) == 0 else {
                ZSTD_freeDCtx(created)
                return .notImplemented("zstd unavailable")
            }
            zstd = created
        }
        phase = .streaming
        return nil
    }

    /// Decodes `input` in scratch-sized steps, each step allowed one byte past what the limit leaves (so that
    /// passing it is seen before more is decoded). `phase` is `.ended` between frames, `.streaming` inside one.
    private func runZstd(_ input: UnsafeRawBufferPointer, limit: Int, into output: inout [UInt8]) -> HTTPError? {
        guard let zstd else { return streamError }
        var source = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        while true {
            let left = limit - decodedBytes
            let room = left >= Self.scratchSize ? Self.scratchSize : left + 1
            var target = ZSTD_outBuffer(dst: UnsafeMutableRawPointer(scratch), size: room, pos: 0)
            let rc = ZSTD_decompressStream(zstd, &target, &source)
            if ZSTD_isError(rc) != 0 {
                if ZSTD_getErrorCode(rc) == ZSTD_error_frameParameter_windowTooLarge {
                    return .badRequest("zstd window larger than 8 MiB")
                }
                return streamError
            }
            let produced = target.pos
            if produced > 0 {
                guard produced <= left else { return .payloadTooLarge }
                decodedBytes += produced
                output.append(contentsOf: UnsafeRawBufferPointer(start: scratch, count: produced))
            }
            // 0: a frame ended and everything it held was written out.
            phase = rc == 0 ? .ended : .streaming
            // Done when all input is read and the decoder holds nothing back: the frame ended (calling again
            // would start the next one), or it had room to spare.
            if source.pos == source.size && (rc == 0 || target.pos < target.size) { return nil }
        }
    }
}
