import Testing
@testable import Bench

/// `Retry-After` is read from a response head whose lines end with CRLF, in any case, as seconds or as an
/// HTTP-date (the time left until it).
struct BlockingHTTPClientTests {
    func head(_ field: String) -> [UInt8] { Array("HTTP/1.1 429 Too Many\r\nContent-Length: 0\r\n\(field)\r\n\r\n".utf8) }

    @Test func retryAfterIsReadInSeconds() {
        #expect(BlockingHTTPClient.retryAfterSeconds(headBytes: head("Retry-After: 3"), now: 0) == 3)
        #expect(BlockingHTTPClient.retryAfterSeconds(headBytes: head("retry-after:1.5"), now: 0) == 1.5)
        #expect(BlockingHTTPClient.retryAfterSeconds(headBytes: head("Retry-After: soon"), now: 0) == nil)
        #expect(BlockingHTTPClient.retryAfterSeconds(headBytes: head("X-Other: 3"), now: 0) == nil)
    }

    @Test func retryAfterDateIsTheTimeLeftUntilIt() {
        // Wed, 21 Oct 2015 07:28:00 GMT is 1445412480.
        let date = "Retry-After: Wed, 21 Oct 2015 07:28:00 GMT"
        #expect(BlockingHTTPClient.retryAfterSeconds(headBytes: head(date), now: 1_445_412_480 - 7.5) == 7.5)
        #expect(BlockingHTTPClient.retryAfterSeconds(headBytes: head(date), now: 1_445_412_480 + 60) == 0)
    }
}
