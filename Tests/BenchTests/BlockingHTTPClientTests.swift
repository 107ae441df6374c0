import Testing
@testable import Bench

/// `Retry-After` is read from a response head whose lines end with CRLF, in any case, seconds only.
struct BlockingHTTPClientTests {
    @Test func retryAfterIsReadInSeconds() {
        func head(_ field: String) -> [UInt8] { Array("HTTP/1.1 429 Too Many\r\nContent-Length: 0\r\n\(field)\r\n\r\n".utf8) }
        #expect(BlockingHTTPClient.retryAfterSeconds(headBytes: head("Retry-After: 3")) == 3)
        #expect(BlockingHTTPClient.retryAfterSeconds(headBytes: head("retry-after:1.5")) == 1.5)
        #expect(BlockingHTTPClient.retryAfterSeconds(headBytes: head("Retry-After: Wed, 21 Oct 2015 07:28:00 GMT")) == nil)
        #expect(BlockingHTTPClient.retryAfterSeconds(headBytes: head("X-Other: 3")) == nil)
    }
}
