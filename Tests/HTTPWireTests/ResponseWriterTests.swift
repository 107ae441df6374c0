import Testing
@testable import HTTPWire

@Suite struct ResponseWriterTests {
    func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func okKeepAlive() {
        var out: [UInt8] = []
        ResponseWriter.append(status: 200, body: "{}", keepAlive: true, into: &out)
        #expect(text(out) == "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
    }

    @Test func errorWithHeadersAndClose() {
        var out = [UInt8]("previous")
        let body = [UInt8]("{\"error\":\"busy\"}")
        body.withUnsafeBytes {
            ResponseWriter.append(
                status: 503, headers: [("Retry-After", "1"), ("X-Elastic-Product", "Elasticsearch")], body: $0,
                keepAlive: false, into: &out)
        }
        #expect(
            text(out)
                == "previousHTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: 16\r\n"
                + "Connection: close\r\nRetry-After: 1\r\nX-Elastic-Product: Elasticsearch\r\n\r\n{\"error\":\"busy\"}")
    }

    @Test func headOnlyAnnouncesTheLengthWithoutTheBody() {
        var out: [UInt8] = []
        ResponseWriter.append(status: 200, body: "{\"a\":1}", keepAlive: true, headOnly: true, into: &out)
        #expect(text(out) == "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n")
    }

    @Test func otherContentTypeAndEmptyBody() {
        var out: [UInt8] = []
        ResponseWriter.append(status: 204, contentType: "text/plain; version=0.0.4", body: "", keepAlive: true, into: &out)
        #expect(text(out) == "HTTP/1.1 204 No Content\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: 0\r\n\r\n")
    }

    @Test func headerValuesCannotInjectLines() {
        var out: [UInt8] = []
        ResponseWriter.append(status: 200, headers: [("X-A\r\n", "v\r\nSet-Cookie: x\0")], body: "", keepAlive: true, into: &out)
        #expect(text(out).hasSuffix("Content-Length: 0\r\nX-A: vSet-Cookie: x\r\n\r\n"))
    }

    @Test func errorResponseFromHTTPError() {
        var out: [UInt8] = []
        ResponseWriter.appendError(.badRequest("invalid \"content-length\""), keepAlive: false, into: &out)
        let body = "{\"error\":\"invalid \\\"content-length\\\"\"}"
        #expect(
            text(out)
                == "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
                + "Connection: close\r\n\r\n" + body)
    }

    @Test func continue100() {
        #expect("\(ResponseWriter.continue100)" == "HTTP/1.1 100 Continue\r\n\r\n")
    }

    @Test(arguments: [0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 65_535, 33_554_432, Int.max])
    func decimalDigits(_ value: Int) {
        var out: [UInt8] = []
        ResponseWriter.appendDecimal(value, &out)
        #expect(text(out) == String(value))
    }

    @Test(arguments: [
        (200, "OK"), (400, "Bad Request"), (404, "Not Found"), (405, "Method Not Allowed"), (408, "Request Timeout"),
        (413, "Content Too Large"), (415, "Unsupported Media Type"), (429, "Too Many Requests"),
        (431, "Request Header Fields Too Large"), (503, "Service Unavailable"), (505, "HTTP Version Not Supported"),
        (299, "Unknown"),
    ])
    func reasonPhrases(_ status: Int, _ phrase: String) {
        #expect("\(ResponseWriter.reasonPhrase(status))" == phrase)
    }
}

@Suite struct ErrorBodyTests {
    @Test(arguments: [
        ("request body too large", #"{"error":"request body too large"}"#),
        ("", #"{"error":""}"#),
        ("quote \" and backslash \\", #"{"error":"quote \" and backslash \\"}"#),
        ("lines\n\r\ttab\u{08}\u{0C}", #"{"error":"lines\n\r\ttab\b\f"}"#),
        ("nul \u{00} esc \u{1B} del \u{7F}", #"{"error":"nul \u0000 esc \u001B del \u007F"}"#),
        ("caf\u{e9} \u{1F600}", "{\"error\":\"caf\u{e9} \u{1F600}\"}"),
    ])
    func escapesToValidJSON(_ reason: String, _ expected: String) {
        var out: [UInt8] = []
        ErrorBody.append(reason, into: &out)
        #expect(String(decoding: out, as: UTF8.self) == expected)
        #expect(ErrorBody.encodedCount(reason) == out.count)
    }
}
