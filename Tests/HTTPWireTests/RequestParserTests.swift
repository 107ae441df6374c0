import Testing
@testable import HTTPWire

/// A valid request head and what the parser must make of it.
struct ValidHead: Sendable, CustomTestStringConvertible {
    var name: String
    var raw: String
    var method: HTTPMethod = .get
    var path = "/"
    var query: String?
    var version: HTTPVersion = .http11
    var framing: BodyFraming = .none
    var keepAlive = true
    var expectContinue = false
    var coding: ContentCoding = .identity
    var authorization: String?
    var headerCount = 1

    var testDescription: String { name }
    var bytes: [UInt8] { Array(raw.utf8) }

    static let all: [ValidHead] = [
        ValidHead(name: "simple GET", raw: "GET / HTTP/1.1\r\nHost: a\r\n\r\n"),
        ValidHead(name: "no fields", raw: "GET /x HTTP/1.1\r\nHost: h\r\n\r\n", path: "/x", headerCount: 1),
        ValidHead(
            name: "ingest POST",
            raw: "POST /api/v1/ingest/hec?channel=1&x=%20 HTTP/1.1\r\nHost: localhost:8080\r\n"
                + "authorization:   Bearer abc.def  \r\nContent-Type: application/json\r\nContent-Length: 331\r\n"
                + "Content-Encoding: gzip\r\nExpect: 100-continue\r\nUser-Agent: curl/8.5\r\n\r\n",
            method: .post, path: "/api/v1/ingest/hec", query: "channel=1&x=%20", framing: .contentLength(331),
            expectContinue: true, coding: .gzip, authorization: "Bearer abc.def", headerCount: 7),
        ValidHead(name: "HTTP/1.0 with Host", raw: "GET / HTTP/1.0\r\nHost: a\r\n\r\n", version: .http10, keepAlive: false),
        ValidHead(name: "HTTP/1.0 closes", raw: "GET / HTTP/1.0\r\n\r\n", version: .http10, keepAlive: false, headerCount: 0),
        ValidHead(
            name: "HTTP/1.0 keep-alive", raw: "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", version: .http10),
        ValidHead(
            name: "HTTP/1.0 keep-alive and close", raw: "GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n",
            version: .http10, keepAlive: false),
        ValidHead(
            name: "HTTP/1.0 ignores Expect",
            raw: "POST /p HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n", method: .post, path: "/p",
            version: .http10, framing: .contentLength(3), keepAlive: false, headerCount: 2),
        ValidHead(
            name: "HTTP/1.1 close", raw: "GET / HTTP/1.1\r\nHost: h\r\nconnection: Upgrade,  CLOSE \r\n\r\n", keepAlive: false, headerCount: 2),
        ValidHead(
            name: "chunked, any case", raw: "PUT /c HTTP/1.1\r\nHost: h\r\nTRANSFER-ENCODING: Chunked\r\n\r\n", method: .put,
            path: "/c", framing: .chunked, headerCount: 2),
        ValidHead(
            name: "chunked after empty list elements", raw: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: , chunked\r\n\r\n",
            method: .post, framing: .chunked, headerCount: 2),
        ValidHead(
            name: "identical Content-Length twice",
            raw: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\ncontent-length:5\r\n\r\n", method: .post,
            framing: .contentLength(5), headerCount: 3),
        ValidHead(
            name: "Content-Length zero with leading zeros", raw: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 000\r\n\r\n",
            method: .post, framing: .contentLength(0), headerCount: 2),
        ValidHead(
            name: "leading empty lines", raw: "\r\n\r\nDELETE /d HTTP/1.1\r\nHost: a\r\n\r\n", method: .delete,
            path: "/d"),
        ValidHead(
            name: "absolute-form target", raw: "GET http://example.com:80/api/v1/status?q HTTP/1.1\r\nHost: h\r\n\r\n",
            path: "/api/v1/status", query: "q", headerCount: 1),
        ValidHead(
            name: "absolute-form without path", raw: "GET http://example.com HTTP/1.1\r\nHost: h\r\n\r\n", path: "",
            headerCount: 1),
        ValidHead(name: "asterisk-form", raw: "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", method: .options, path: "*", headerCount: 1),
        ValidHead(name: "empty query", raw: "HEAD /h? HTTP/1.1\r\nHost: h\r\n\r\n", method: .head, path: "/h", query: "", headerCount: 1),
        ValidHead(name: "PATCH", raw: "PATCH /p HTTP/1.1\r\nHost: h\r\n\r\n", method: .patch, path: "/p", headerCount: 1),
        ValidHead(name: "unknown method", raw: "PROPFIND / HTTP/1.1\r\nHost: h\r\n\r\n", method: .other, headerCount: 1),
        ValidHead(name: "methods are case-sensitive", raw: "get / HTTP/1.1\r\nHost: h\r\n\r\n", method: .other, headerCount: 1),
        ValidHead(
            name: "x-gzip", raw: "POST / HTTP/1.1\r\nHost: h\r\nContent-Encoding: x-gzip\r\n\r\n", method: .post, coding: .gzip, headerCount: 2),
        ValidHead(
            name: "identity and deflate", raw: "POST / HTTP/1.1\r\nHost: h\r\nContent-Encoding: identity, Deflate\r\n\r\n",
            method: .post, coding: .deflate, headerCount: 2),
        ValidHead(name: "zstd", raw: "POST / HTTP/1.1\r\nHost: h\r\nContent-Encoding: ZSTD\r\n\r\n", method: .post, coding: .zstd, headerCount: 2),
        ValidHead(
            name: "empty, tab-padded and obs-text values",
            raw: "GET / HTTP/1.1\r\nHost: h\r\nX-Empty:\r\nX-Tab:\t v\t \r\nX-Utf8: caf\u{e9}\r\n\r\n", headerCount: 4),
        ValidHead(
            name: "unknown expectation ignored", raw: "GET / HTTP/1.1\r\nHost: h\r\nExpect: something-else\r\n\r\n", headerCount: 2),
    ]
}

@Suite struct RequestParserTests {
    func check(_ head: RequestHead, _ expected: ValidHead, _ bytes: [UInt8]) {
        #expect(head.method == expected.method)
        #expect(head.version == expected.version)
        #expect(bytes.string(head.path) == expected.path)
        #expect(head.query.map { bytes.string($0) } == expected.query)
        #expect(head.framing == expected.framing)
        #expect(head.keepAlive == expected.keepAlive)
        #expect(head.expectContinue == expected.expectContinue)
        #expect(head.contentEncoding == expected.coding)
        #expect(head.authorization.map { bytes.string($0) } == expected.authorization)
        #expect(head.headers.count == expected.headerCount)
        #expect(head.headLength == expected.bytes.count)
        let target = bytes.string(head.target)
        #expect(expected.raw.contains(" \(target) HTTP/"))
    }

    @Test(arguments: ValidHead.all)
    func wholeHead(_ expected: ValidHead) throws {
        let bytes = expected.bytes
        guard case .complete(let head) = parse(bytes) else {
            Issue.record("not complete: \(parse(bytes))")
            return
        }
        check(head, expected, bytes)
    }

    /// Byte by byte: every proper prefix needs more, the last byte completes it.
    @Test(arguments: ValidHead.all)
    func everyPrefixNeedsMore(_ expected: ValidHead) {
        let bytes = expected.bytes
        for end in 0..<bytes.count {
            #expect(parseStatus(Array(bytes[..<end])) == .needMore, "prefix of \(end) bytes")
        }
        #expect(parseStatus(bytes) == .complete)
    }

    /// Split at every offset into two reads, the second followed by a body and a pipelined request: the head is
    /// the same and `headLength` points at the body.
    @Test(arguments: ValidHead.all)
    func splitAtEveryOffsetWithBodyAfter(_ expected: ValidHead) {
        let head = expected.bytes
        let following = [UInt8]("hello" + "GET /next HTTP/1.1\r\n\r\n")
        for split in 0...head.count {
            var buffer = Array(head[..<split])
            if split < head.count { #expect(parseStatus(buffer) == .needMore) }
            buffer += head[split...] + following
            guard case .complete(let parsed) = parse(buffer) else {
                Issue.record("split at \(split): not complete")
                return
            }
            check(parsed, expected, buffer)
            #expect(Array(buffer[parsed.headLength...]) == following)
        }
    }

    /// One reused head fed byte by byte continues where it stopped and ends with the same head as a whole parse.
    @Test(arguments: ValidHead.all)
    func resumedByteByByte(_ expected: ValidHead) {
        let bytes = expected.bytes
        let (verdicts, head) = parseResuming(bytes, ends: 0..<bytes.count)
        #expect(verdicts.dropLast().allSatisfy { $0 == .needMore })
        #expect(verdicts.last == .complete)
        check(head, expected, bytes)
    }

    @Test(arguments: ValidHead.all)
    func resumedSplitAtEveryOffset(_ expected: ValidHead) {
        let bytes = expected.bytes + [UInt8]("body")
        for split in 0...expected.bytes.count {
            let (verdicts, head) = parseResuming(bytes, ends: [split])
            #expect(verdicts == [split == expected.bytes.count ? .complete : .needMore, .complete], "split at \(split)")
            check(head, expected, bytes)
        }
    }

    @Test func resumingStartsOverWhenTheBufferShrinksOrAfterReset() {
        var head = RequestHead()
        let first = [UInt8]("POST /first HTTP/1.1\r\nX-Long-Name: value")
        let other = [UInt8]("GET /b HTTP/1.1\r\nHost: h\r\n\r\n")
        first.withUnsafeBytes { #expect(RequestParser.parseHead($0, limits: HTTPLimits(), into: &head) == .needMore) }
        other.withUnsafeBytes { #expect(RequestParser.parseHead($0, limits: HTTPLimits(), into: &head) == .complete) }
        #expect(other.string(head.path) == "/b" && head.headers.count == 1)

        first.withUnsafeBytes { #expect(RequestParser.parseHead($0, limits: HTTPLimits(), into: &head) == .needMore) }
        head.reset()
        let longer = [UInt8]("GET /c HTTP/1.1\r\nHost: h\r\nX-Long-Name: value-and-more\r\n\r\n")
        longer.withUnsafeBytes { #expect(RequestParser.parseHead($0, limits: HTTPLimits(), into: &head) == .complete) }
        #expect(head.method == .get && longer.string(head.path) == "/c" && head.headers.count == 2)
    }

    @Test func reusedHeadKeepsNoStaleFields() {
        var head = RequestHead()
        let first = ValidHead.all[2].bytes
        let second = [UInt8]("GET /s HTTP/1.0\r\n\r\n")
        first.withUnsafeBytes { #expect(RequestParser.parseHead($0, limits: HTTPLimits(), into: &head) == .complete) }
        second.withUnsafeBytes { #expect(RequestParser.parseHead($0, limits: HTTPLimits(), into: &head) == .complete) }
        #expect(head.headers.isEmpty && head.authorization == nil && head.query == nil)
        #expect(head.framing == .none && !head.expectContinue && head.contentEncoding == .identity && !head.keepAlive)
        #expect(second.string(head.path) == "/s")
    }

    @Test(arguments: [
        ("content-type", "application/json"), ("user-agent", "curl/8.5"), ("host", "localhost:8080"),
        ("x-missing", nil), ("content", nil),
    ] as [(StaticString, String?)])
    func headerLookupIgnoresCase(_ name: StaticString, _ value: String?) throws {
        let bytes = ValidHead.all[2].bytes
        guard case .complete(let head) = parse(bytes) else { throw ParseFailure() }
        let found = bytes.withUnsafeBytes { head.header(name, in: $0) }
        #expect(found.map { bytes.string($0) } == value)
    }

    @Test func headOfExactlyTheLimitIsAccepted() {
        var limits = HTTPLimits()
        limits.maxHeadBytes = 100
        let prefix = "POST / HTTP/1.1\r\nHost: h\r\nX-Pad: "
        let padding = String(repeating: "p", count: 100 - prefix.utf8.count - 4)
        let exact = [UInt8](prefix + padding + "\r\n\r\n")
        #expect(exact.count == 100)
        #expect(parseStatus(exact, limits: limits) == .complete)
        #expect(parseStatus(exact + [UInt8]("next"), limits: limits) == .complete)
        let over = [UInt8](prefix + padding + "p\r\n\r\n")
        #expect(parseStatus(over, limits: limits) == .invalid(.headTooLarge))
        // As soon as the buffer holds the limit without a blank line: 431 without waiting for more.
        #expect(parseStatus(Array(over[..<100]), limits: limits) == .invalid(.headTooLarge))
        #expect(parseStatus(Array(over[..<99]), limits: limits) == .needMore)
    }

    @Test func headerCountLimit() {
        var limits = HTTPLimits()
        limits.maxHeaderCount = 3
        let three = [UInt8]("GET / HTTP/1.1\r\nHost: h\r\nB: 2\r\nC: 3\r\n\r\n")
        let four = [UInt8]("GET / HTTP/1.1\r\nHost: h\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n")
        #expect(parseStatus(three, limits: limits) == .complete)
        #expect(parseStatus(four, limits: limits) == .invalid(.headTooLarge))
    }

    @Test func contentLengthAtTheBodyLimit() {
        var limits = HTTPLimits()
        limits.maxBodyBytes = 1000
        #expect(parseStatus([UInt8]("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\n"), limits: limits) == .complete)
        #expect(
            parseStatus([UInt8]("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1001\r\n\r\n"), limits: limits)
                == .invalid(.payloadTooLarge))
    }
}

struct ParseFailure: Error {}
