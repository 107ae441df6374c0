/// `sluice bench --hec-ack-poll-ms`: Splunk HEC indexer acknowledgements as a shipper does them. Every
/// request names one channel (`X-Splunk-Request-Channel`); each connection keeps the `ackId`s of its
/// answers and, at most once per interval, sends `POST /services/collector/ack` with them on the same
/// connection instead of its next request, dropping the ids answered true.
///
/// Guarantees: pure byte scanning and building (no I/O); a poll asks for every id the connection still
/// holds, so an id answered false is asked again by the next poll.
public struct AckPolling: Sendable {
    public let intervalNanos: UInt64
    /// The poll's head up to (not including) `Content-Length`.
    let headPrefix: [UInt8]

    public init(intervalMillis: Int, url: BenchURL, token: String?, channel: String) {
        intervalNanos = UInt64(intervalMillis) * 1_000_000
        var head = "POST /services/collector/ack HTTP/1.1\r\nHost: \(url.authority)\r\nUser-Agent: sluice-bench\r\n"
        head += "Content-Type: application/json\r\nX-Splunk-Request-Channel: \(channel)\r\n"
        if let token { head += "Authorization: Splunk \(token)\r\n" }
        headPrefix = Array(head.utf8)
    }

    /// The header every ingest request of the run carries.
    public static func channelHeader(_ channel: String) -> String { "X-Splunk-Request-Channel: \(channel)\r\n" }

    /// The poll request for `ids`.
    func request(for ids: [UInt64]) -> [UInt8] {
        var body = Array("{\"acks\":[".utf8)
        for (index, id) in ids.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body.append(contentsOf: String(id).utf8)
        }
        body.append(contentsOf: "]}".utf8)
        return headPrefix + Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body
    }

    /// The `ackId` of an HEC answer body (`{"text":"Success","code":0,"ackId":N}`), if it has one.
    public static func ackId(in body: UnsafeRawBufferPointer) -> UInt64? {
        let key = Array("\"ackId\":".utf8)
        guard body.count > key.count else { return nil }
        for start in 0...(body.count - key.count) where body[start] == key[0] {
            guard body[start..<(start + key.count)].elementsEqual(key) else { continue }
            return number(body, from: start + key.count).map(\.value)
        }
        return nil
    }

    /// The ids an ack answer (`{"acks":{"0":true,"1":false}}`) reports true.
    public static func trueIds(in body: UnsafeRawBufferPointer) -> [UInt64] {
        var ids: [UInt64] = []
        var index = 0
        let quote = UInt8(ascii: "\"")
        while index < body.count {
            guard body[index] == quote, let (id, end) = number(body, from: index + 1), end + 6 <= body.count,
                  body[end] == quote, body[(end + 1)..<(end + 6)].elementsEqual(":true".utf8) else {
                index += 1
                continue
            }
            ids.append(id)
            index = end + 6
        }
        return ids
    }

    private static func number(_ body: UnsafeRawBufferPointer, from start: Int) -> (value: UInt64, end: Int)? {
        var index = start, value: UInt64 = 0
        while index < body.count, body[index] >= UInt8(ascii: "0"), body[index] <= UInt8(ascii: "9") {
            value = value &* 10 &+ UInt64(body[index] - UInt8(ascii: "0"))
            index += 1
        }
        return index > start ? (value, index) : nil
    }
}
