import Testing
@testable import HTTPWire

@Suite struct ResponseParserTests {
    func parseResponse(_ text: String, isHeadRequest: Bool = false) -> ResponseParseResult {
        Array(text.utf8).withUnsafeBytes { ResponseParser.parseHead($0, isHeadRequest: isHeadRequest) }
    }

    struct Case: Sendable, CustomStringConvertible {
        let text: String
        let head: ResponseHead
        var description: String { text.prefix(40).description }
    }

    static let complete: [Case] = [
        Case(text: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n",
             head: ResponseHead(status: 200, headLength: 70, framing: .contentLength(2), keepAlive: true)),
        Case(text: "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nConnection: close\r\n\r\n",
             head: ResponseHead(status: 503, headLength: 74, framing: .contentLength(0), keepAlive: false)),
        Case(text: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
             head: ResponseHead(status: 200, headLength: 47, framing: .chunked, keepAlive: true)),
        Case(text: "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\n",
             head: ResponseHead(status: 200, headLength: 38, framing: .contentLength(5), keepAlive: false)),
        Case(text: "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 5\r\n\r\n",
             head: ResponseHead(status: 200, headLength: 62, framing: .contentLength(5), keepAlive: true)),
        Case(text: "HTTP/1.1 204 No Content\r\n\r\n",
             head: ResponseHead(status: 204, headLength: 27, framing: .none, keepAlive: true)),
        Case(text: "HTTP/1.1 100 Continue\r\n\r\n",
             head: ResponseHead(status: 100, headLength: 25, framing: .none, keepAlive: true)),
        Case(text: "HTTP/1.1 200 OK\r\nServer: x\r\n\r\n",
             head: ResponseHead(status: 200, headLength: 30, framing: .untilClose, keepAlive: false)),
        Case(text: "HTTP/1.1 404\r\nContent-Length:  12 \r\n\r\n",
             head: ResponseHead(status: 404, headLength: 38, framing: .contentLength(12), keepAlive: true)),
    ]

    @Test(arguments: complete)
    func parsesWholeHeads(_ example: Case) {
        #expect(parseResponse(example.text) == .complete(example.head))
        #expect(parseResponse(example.text + "body bytes") == .complete(example.head))
    }

    @Test(arguments: complete)
    func everyPrefixNeedsMore(_ example: Case) {
        let bytes = Array(example.text.utf8)
        for end in 0..<bytes.count {
            let result = bytes.withUnsafeBytes { ResponseParser.parseHead(UnsafeRawBufferPointer(rebasing: $0[0..<end])) }
            #expect(result == .needMore, "prefix of \(end) bytes")
        }
    }

    @Test func headRequestHasNoBody() {
        #expect(parseResponse("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", isHeadRequest: true)
                == .complete(ResponseHead(status: 200, headLength: 38, framing: .none, keepAlive: true)))
    }

    @Test(arguments: [
        "HTTP/2 200 OK\r\n\r\n",
        "HTTP/1.1 20 OK\r\n\r\n",
        "HTTP/1.1 2000 OK\r\n\r\n",
        "HTTP/1.1 abc OK\r\n\r\n",
        "HTTX/1.1 200 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
        "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        "HTTP/1.1 200 OK\r\n: empty name\r\n\r\n",
    ])
    func refusesMalformedHeads(_ text: String) {
        guard case .invalid = parseResponse(text) else {
            Issue.record("accepted \(text.debugDescription)")
            return
        }
    }

    @Test func unfinishedHeadAtTheLimitIsTooLarge() {
        let text = "HTTP/1.1 200 OK\r\nX-Padding: " + String(repeating: "a", count: 200)
        let limits = HTTPLimits(maxHeadBytes: 64, maxBodyBytes: 1024, maxHeaderCount: 8)
        let result = Array(text.utf8).withUnsafeBytes { ResponseParser.parseHead($0, limits: limits) }
        #expect(result == .invalid(.headTooLarge))
    }
}
