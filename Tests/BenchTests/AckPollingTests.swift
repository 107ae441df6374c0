import Testing
@testable import Bench

@Suite struct AckPollingTests {
    func scan<T>(_ text: String, _ body: (UnsafeRawBufferPointer) -> T) -> T { Array(text.utf8).withUnsafeBytes(body) }

    @Test func theAckIdIsReadFromAnHECAnswer() {
        #expect(scan(#"{"text":"Success","code":0,"ackId":1765112345678901}"#) { AckPolling.ackId(in: $0) } == 1_765_112_345_678_901)
        #expect(scan(#"{"text":"Success","code":0}"#) { AckPolling.ackId(in: $0) } == nil)
        #expect(scan("") { AckPolling.ackId(in: $0) } == nil)
    }

    @Test func onlyIdsAnsweredTrueAreTaken() {
        #expect(scan(#"{"acks":{"0":true,"17":false,"23":true}}"#) { AckPolling.trueIds(in: $0) } == [0, 23])
        #expect(scan(#"{"acks":{}}"#) { AckPolling.trueIds(in: $0) } == [])
    }

    @Test func aPollAsksForEveryIdOnTheRunsChannel() throws {
        let url = try BenchURL(parsing: "http://127.0.0.1:8080")
        let polling = AckPolling(intervalMillis: 100, url: url, token: "t", channel: "c-1")
        let request = String(decoding: polling.request(for: [3, 4]), as: UTF8.self)
        #expect(request.hasPrefix("POST /services/collector/ack HTTP/1.1\r\n"))
        #expect(request.contains("X-Splunk-Request-Channel: c-1\r\n") && request.contains("Authorization: Splunk t\r\n"))
        #expect(request.hasSuffix("Content-Length: 14\r\n\r\n{\"acks\":[3,4]}"))
        #expect(polling.intervalNanos == 100_000_000)
    }
}
