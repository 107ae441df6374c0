import Testing
@testable import HTTPWire

/// A valid chunked body and its decoded payload.
struct ValidChunked: Sendable, CustomTestStringConvertible {
    var name: String
    var encoded: [UInt8]
    var decoded: [UInt8]

    init(_ name: String, _ encoded: String, _ decoded: String) {
        self.name = name
        self.encoded = Array(encoded.utf8)
        self.decoded = Array(decoded.utf8)
    }

    var testDescription: String { name }

    static let all: [ValidChunked] = [
        ValidChunked("empty body", "0\r\n\r\n", ""),
        ValidChunked("two chunks", "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world"),
        ValidChunked("uppercase hex and leading zeros", "000A\r\n0123456789\r\n00\r\n\r\n", "0123456789"),
        ValidChunked("lowercase hex", "b\r\nhello world\r\n0\r\n\r\n", "hello world"),
        ValidChunked(
            "extensions", "5;name=value\r\nhello\r\n1 ; a ;b=\"q x\"\r\n!\r\n0;last\r\n\r\n", "hello!"),
        ValidChunked(
            "trailers", "3\r\nabc\r\n0\r\nX-Checksum: 123\r\nX-Empty:\r\nX-Tab:\tv \r\n\r\n", "abc"),
        ValidChunked("extension and trailer on the last chunk", "2\r\nhi\r\n0;x=1\r\nT: v\r\n\r\n", "hi"),
        ValidChunked("CRLF inside data", "4\r\n\r\n\r\n\r\n0\r\n\r\n", "\r\n\r\n"),
    ]
}

/// A malformed chunked body and the status it must get.
struct MalformedChunked: Sendable, CustomTestStringConvertible {
    var name: String
    var encoded: [UInt8]
    var status: Int
    var limits: HTTPLimits

    init(_ name: String, _ encoded: String, _ status: Int, limits: HTTPLimits = MalformedChunked.small) {
        self.name = name
        self.encoded = Array(encoded.utf8)
        self.status = status
        self.limits = limits
    }

    var testDescription: String { name }

    static let small = HTTPLimits(maxHeadBytes: 64, maxBodyBytes: 20, maxHeaderCount: 8)

    static let all: [MalformedChunked] = [
        MalformedChunked("invalid hex digit", "g\r\n", 400),
        MalformedChunked("missing size", "\r\nhello\r\n", 400),
        MalformedChunked("negative size", "-5\r\nhello\r\n", 400),
        MalformedChunked("0x prefix", "0x5\r\nhello\r\n", 400),
        MalformedChunked("garbage after size", "5x\r\nhello\r\n", 400),
        MalformedChunked("text after whitespace", "5 x\r\nhello\r\n", 400),
        MalformedChunked("trailing whitespace", "5 \r\nhello\r\n", 400),
        MalformedChunked("bare LF after size", "5\nhello\r\n0\r\n\r\n", 400),
        MalformedChunked("CR without LF after size", "5\rhello", 400),
        MalformedChunked("data longer than its size", "5\r\nhello!\r\n0\r\n\r\n", 400),
        MalformedChunked("bare LF after data", "5\r\nhello\n0\r\n\r\n", 400),
        MalformedChunked("control byte in extension", "5;a\u{01}\r\nhello\r\n", 400),
        MalformedChunked("bare LF in extension", "5;a\nhello\r\n", 400),
        MalformedChunked(
            "extension too long", "1;" + String(repeating: "x", count: 5000) + "\r\n", 400,
            limits: HTTPLimits()),
        MalformedChunked("obs-fold in trailer", "0\r\nA: b\r\n c\r\n\r\n", 400),
        MalformedChunked("trailer without colon", "0\r\nNoColon\r\n\r\n", 400),
        MalformedChunked("space before colon in trailer", "0\r\nA : b\r\n\r\n", 400),
        MalformedChunked("control byte in trailer", "0\r\nA: b\u{00}\r\n\r\n", 400),
        MalformedChunked("bare LF ending trailers", "0\r\nA: b\r\n\n", 400),
        MalformedChunked("bare LF ending body", "0\r\n\n", 400),
        MalformedChunked("chunk over the limit", "15\r\n", 413),
        MalformedChunked("chunks over the limit together", "a\r\n0123456789\r\nb\r\n", 413),
        MalformedChunked("enormous size", "ffffffffffffffffffffffffffff\r\n", 413),
        MalformedChunked("trailers too large", "0\r\nX: " + String(repeating: "v", count: 70) + "\r\n\r\n", 431),
    ]
}

@Suite struct ChunkedDecoderTests {
    /// Feeds `pieces` in order as the event loop would: unconsumed bytes are re-offered with the next read.
    func decode(_ pieces: [[UInt8]], limits: HTTPLimits = HTTPLimits()) -> (ChunkedDecoder.Progress, [UInt8], Int) {
        var decoder = ChunkedDecoder(limits: limits)
        var body: [UInt8] = []
        var consumedTotal = 0
        var last = ChunkedDecoder.Progress.needMore(consumed: 0)
        for piece in pieces {
            last = piece.withUnsafeBytes { decoder.feed($0, into: &body) }
            switch last {
            case .needMore(let consumed):
                #expect(consumed == piece.count)
                consumedTotal += consumed
            case .done(let consumed):
                return (.done(consumed: consumedTotal + consumed), body, consumedTotal + consumed)
            case .invalid:
                return (last, body, consumedTotal)
            }
        }
        return (last, body, consumedTotal)
    }

    @Test(arguments: ValidChunked.all)
    func whole(_ valid: ValidChunked) {
        let next = [UInt8]("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        let (progress, body, _) = decode([valid.encoded + next])
        #expect(progress == .done(consumed: valid.encoded.count))
        #expect(body == valid.decoded)
    }

    @Test(arguments: ValidChunked.all)
    func byteByByte(_ valid: ValidChunked) {
        let (progress, body, _) = decode(valid.encoded.map { [$0] })
        #expect(progress == .done(consumed: valid.encoded.count))
        #expect(body == valid.decoded)
    }

    @Test(arguments: ValidChunked.all)
    func splitAtEveryOffset(_ valid: ValidChunked) {
        for split in 0...valid.encoded.count {
            let pieces = [Array(valid.encoded[..<split]), Array(valid.encoded[split...]) + [UInt8]("extra")]
            let (progress, body, _) = decode(pieces)
            #expect(progress == .done(consumed: valid.encoded.count), "split at \(split)")
            #expect(body == valid.decoded, "split at \(split)")
        }
    }

    @Test(arguments: MalformedChunked.all)
    func malformedIsRefusedWholeAndByteByByte(_ malformed: MalformedChunked) {
        let (whole, _, _) = decode([malformed.encoded], limits: malformed.limits)
        let (bytewise, _, _) = decode(malformed.encoded.map { [$0] }, limits: malformed.limits)
        guard case .invalid(let error) = whole else {
            Issue.record("accepted: \(whole)")
            return
        }
        #expect(error.status == malformed.status)
        #expect(bytewise == whole)
    }

    @Test func oversizedChunkIsRefusedBeforeItsData() {
        var decoder = ChunkedDecoder(limits: HTTPLimits(maxHeadBytes: 64, maxBodyBytes: 10, maxHeaderCount: 8))
        var body: [UInt8] = []
        let progress = [UInt8]("b").withUnsafeBytes { decoder.feed($0, into: &body) }
        #expect(progress == .invalid(.payloadTooLarge))
        #expect(body.isEmpty)
    }

    @Test func bodyOfExactlyTheLimitIsAccepted() {
        let limits = HTTPLimits(maxHeadBytes: 64, maxBodyBytes: 10, maxHeaderCount: 8)
        let encoded = [UInt8]("4\r\n0123\r\n6\r\n456789\r\n0\r\n\r\n")
        let (progress, body, _) = decode([encoded], limits: limits)
        #expect(progress == .done(consumed: encoded.count))
        #expect(body.count == 10)
    }

    @Test func framingOverheadIsCapped() {
        // One-byte chunks with long extensions: 10 payload bytes cost far more framing than the 1 MiB cap allows.
        let limits = HTTPLimits(maxHeadBytes: 64, maxBodyBytes: 1 << 20, maxHeaderCount: 8)
        let chunk = [UInt8]("1;" + String(repeating: "e", count: 4000) + "\r\nx\r\n")
        var decoder = ChunkedDecoder(limits: limits)
        var body: [UInt8] = []
        var result = ChunkedDecoder.Progress.needMore(consumed: 0)
        for _ in 0..<300 {
            result = chunk.withUnsafeBytes { decoder.feed($0, into: &body) }
            if case .invalid = result { break }
        }
        #expect(result == .invalid(.payloadTooLarge))
        #expect(body.count < 300)
    }

    @Test func stateAfterDoneAndAfterErrorAndReset() {
        var decoder = ChunkedDecoder(limits: HTTPLimits())
        var body: [UInt8] = []
        let done = [UInt8]("1\r\na\r\n0\r\n\r\n")
        #expect(done.withUnsafeBytes { decoder.feed($0, into: &body) } == .done(consumed: done.count))
        #expect(decoder.isDone && decoder.decodedBytes == 1)
        #expect(done.withUnsafeBytes { decoder.feed($0, into: &body) } == .done(consumed: 0))

        decoder.reset()
        let bad = [UInt8]("z")
        #expect(bad.withUnsafeBytes { decoder.feed($0, into: &body) } == .invalid(.badRequest("invalid chunk size")))
        #expect(done.withUnsafeBytes { decoder.feed($0, into: &body) } == .invalid(.badRequest("invalid chunk size")))

        decoder.reset()
        body.removeAll()
        #expect(done.withUnsafeBytes { decoder.feed($0, into: &body) } == .done(consumed: done.count))
        #expect(body == [UInt8]("a"))
    }
}
