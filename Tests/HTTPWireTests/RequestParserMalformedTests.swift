import Testing
@testable import HTTPWire

/// A malformed request head and the status it must get.
struct MalformedHead: Sendable, CustomTestStringConvertible {
    var name: String
    var raw: [UInt8]
    var status: Int
    var limits = HTTPLimits()

    init(_ name: String, _ raw: String, _ status: Int, limits: HTTPLimits = HTTPLimits()) {
        self.name = name
        self.raw = Array(raw.utf8)
        self.status = status
        self.limits = limits
    }

    var testDescription: String { name }

    static let small = HTTPLimits(maxHeadBytes: 256, maxBodyBytes: 1000, maxHeaderCount: 4)
    static let get = "GET / HTTP/1.1\r\nHost: h\r\n"
    static let post = "POST / HTTP/1.1\r\nHost: h\r\n"

    static let all: [MalformedHead] = [
        // Body framing (request smuggling).
        MalformedHead("Content-Length then Transfer-Encoding", post + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        MalformedHead("Transfer-Encoding then Content-Length", post + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 400),
        MalformedHead("two different Content-Lengths", post + "Content-Length: 5\r\nContent-Length: 6\r\n\r\n", 400),
        MalformedHead("Content-Length list", post + "Content-Length: 5, 5\r\n\r\n", 400),
        MalformedHead("non-numeric Content-Length", post + "Content-Length: abc\r\n\r\n", 400),
        MalformedHead("negative Content-Length", post + "Content-Length: -1\r\n\r\n", 400),
        MalformedHead("signed Content-Length", post + "Content-Length: +5\r\n\r\n", 400),
        MalformedHead("hex Content-Length", post + "Content-Length: 0x10\r\n\r\n", 400),
        MalformedHead("space inside Content-Length", post + "Content-Length: 1 2\r\n\r\n", 400),
        MalformedHead("empty Content-Length", post + "Content-Length:\r\n\r\n", 400),
        MalformedHead("overflowing Content-Length", post + "Content-Length: 99999999999999999999999\r\n\r\n", 400),
        MalformedHead("Content-Length over the body limit", post + "Content-Length: 1001\r\n\r\n", 413, limits: small),
        MalformedHead("huge Content-Length", post + "Content-Length: 9223372036854775807\r\n\r\n", 413),
        MalformedHead("gzip transfer coding", post + "Transfer-Encoding: gzip\r\n\r\n", 400),
        MalformedHead("chunked not last", post + "Transfer-Encoding: chunked, gzip\r\n\r\n", 400),
        MalformedHead("gzip then chunked", post + "Transfer-Encoding: gzip, chunked\r\n\r\n", 400),
        MalformedHead("chunked twice", post + "Transfer-Encoding: chunked, chunked\r\n\r\n", 400),
        MalformedHead("chunked in two fields", post + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        MalformedHead("identity transfer coding", post + "Transfer-Encoding: identity\r\n\r\n", 400),
        MalformedHead("chunked with parameter", post + "Transfer-Encoding: chunked;x=1\r\n\r\n", 400),
        MalformedHead("empty Transfer-Encoding", post + "Transfer-Encoding: \r\n\r\n", 400),
        MalformedHead("unknown transfer coding", post + "Transfer-Encoding: xchunked\r\n\r\n", 400),
        MalformedHead("Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        // Field syntax.
        MalformedHead("obs-fold", get + "X-A: b\r\n c\r\n\r\n", 400),
        MalformedHead("obs-fold with tab", get + "X-A: b\r\n\tc\r\n\r\n", 400),
        MalformedHead("whitespace before the first field", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400),
        MalformedHead("space before colon", get + "X-A : a\r\n\r\n", 400),
        MalformedHead("tab before colon", get + "Content-Length\t: 5\r\n\r\n", 400),
        MalformedHead("space inside name", get + "X Y: a\r\n\r\n", 400),
        MalformedHead("empty name", get + ": a\r\n\r\n", 400),
        MalformedHead("control byte in name", get + "X\u{01}A: b\r\n\r\n", 400),
        MalformedHead("separator in name", get + "X(A): b\r\n\r\n", 400),
        MalformedHead("control byte in value", get + "X-A: a\u{01}b\r\n\r\n", 400),
        MalformedHead("NUL in value", get + "X-A: a\u{00}b\r\n\r\n", 400),
        MalformedHead("DEL in value", get + "X-A: a\u{7F}b\r\n\r\n", 400),
        MalformedHead("line without colon", get + "NoColon\r\n\r\n", 400),
        // Line endings: CRLF only.
        MalformedHead("bare LF after request line", "GET / HTTP/1.1\nHost: a\r\n\r\n", 400),
        MalformedHead("bare LF after field", get + "Host: a\nX: b\r\n\r\n", 400),
        MalformedHead("bare LF ending the head", get + "Host: a\r\n\n", 400),
        MalformedHead("bare CR in value", get + "Host: a\rX: b\r\n\r\n", 400),
        MalformedHead("CR CR LF", get + "Host: a\r\r\n\r\n", 400),
        MalformedHead("bare LF leading line", "\nGET / HTTP/1.1\r\n\r\n", 400),
        // Request line.
        MalformedHead("separator in method", "G(T / HTTP/1.1\r\n\r\n", 400),
        MalformedHead("empty method", " / HTTP/1.1\r\n\r\n", 400),
        MalformedHead("two spaces", "GET  / HTTP/1.1\r\n\r\n", 400),
        MalformedHead("tab in target", "GET /a\tb HTTP/1.1\r\n\r\n", 400),
        MalformedHead("DEL in target", "GET /a\u{7F} HTTP/1.1\r\n\r\n", 400),
        MalformedHead("HTTP/0.9 request", "GET /\r\n\r\n", 400),
        MalformedHead("missing version", "GET / \r\n\r\n", 400),
        MalformedHead("lowercase version", "GET / http/1.1\r\n\r\n", 400),
        MalformedHead("malformed version", "GET / HTTP/1.x\r\n\r\n", 400),
        MalformedHead("two-digit version", "GET / HTTP/11\r\n\r\n", 400),
        MalformedHead("space after version", "GET / HTTP/1.1 \r\n\r\n", 400),
        MalformedHead("HTTP/2.0", "GET / HTTP/2.0\r\n\r\n", 505),
        MalformedHead("HTTP/1.2", "GET / HTTP/1.2\r\n\r\n", 505),
        MalformedHead("HTTP/0.9", "GET / HTTP/0.9\r\n\r\n", 505),
        // Semantics and limits.
        MalformedHead("unsupported content coding", post + "Content-Encoding: br\r\n\r\n", 415),
        MalformedHead("two content codings", post + "Content-Encoding: gzip, deflate\r\n\r\n", 415),
        MalformedHead("two content codings in two fields", post + "Content-Encoding: gzip\r\nContent-Encoding: gzip\r\n\r\n", 415),
        MalformedHead("HTTP/1.1 without Host", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", 400),
        MalformedHead("HTTP/1.1 without any field", "POST / HTTP/1.1\r\n\r\n", 400),
        MalformedHead("two Host fields", get + "host: other\r\n\r\n", 400),
        MalformedHead("two Host fields in HTTP/1.0", "GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n", 400),
        MalformedHead("two Authorization fields", get + "Authorization: Bearer a\r\nauthorization: Bearer b\r\n\r\n", 400),
        MalformedHead("too many fields", get + "A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\n\r\n", 431, limits: small),
        MalformedHead("head too large", get + "X-Pad: " + String(repeating: "p", count: 300) + "\r\n\r\n", 431, limits: small),
        MalformedHead("endless request line", "GET /" + String(repeating: "a", count: 300), 431, limits: small),
        MalformedHead("endless empty lines", String(repeating: "\r\n", count: 200), 431, limits: small),
    ]
}

@Suite struct RequestParserMalformedTests {
    @Test(arguments: MalformedHead.all)
    func wholeHeadIsRefused(_ malformed: MalformedHead) {
        guard case .invalid(let error) = parse(malformed.raw, limits: malformed.limits) else {
            Issue.record("accepted: \(parse(malformed.raw, limits: malformed.limits))")
            return
        }
        #expect(error.status == malformed.status)
        #expect(!error.reason.isEmpty)
    }

    /// Fed byte by byte, a bad head is `.needMore` up to some byte and then the same error for every longer
    /// prefix: the verdict does not depend on how the bytes arrive, and never needs bytes after the fault.
    @Test(arguments: MalformedHead.all)
    func verdictIsTheSameForEveryLongerPrefix(_ malformed: MalformedHead) {
        let whole = parseStatus(malformed.raw, limits: malformed.limits)
        var refused = false
        for end in 0...malformed.raw.count {
            let status = parseStatus(Array(malformed.raw[..<end]), limits: malformed.limits)
            if refused {
                #expect(status == whole, "prefix of \(end) bytes")
            } else if status != .needMore {
                #expect(status == whole, "prefix of \(end) bytes")
                refused = true
            }
        }
        #expect(refused)
    }

    /// A reused head fed byte by byte reaches the same verdict as a whole parse, at the same byte.
    @Test(arguments: MalformedHead.all)
    func resumedByteByByteGivesTheSameVerdict(_ malformed: MalformedHead) {
        let bytes = malformed.raw
        let (resumed, _) = parseResuming(bytes, ends: 0..<bytes.count, limits: malformed.limits)
        let fresh = (0...bytes.count).map { parseStatus(Array(bytes[..<$0]), limits: malformed.limits) }
        #expect(resumed == fresh)
    }

    @Test func errorsMapToTheirStatus() {
        let table: [(HTTPError, Int)] = [
            (.headTooLarge, 431), (.badRequest("x"), 400), (.payloadTooLarge, 413), (.unsupportedVersion, 505),
            (.notImplemented("x"), 501), (.unsupportedMediaType("x"), 415),
        ]
        for (error, status) in table {
            #expect(error.status == status)
            #expect("\(ResponseWriter.reasonPhrase(error.status))" != "Unknown")
        }
    }
}
