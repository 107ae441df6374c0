import EventModel
import Tokens
import WAL
import WALFormat

/// One JetStream message of a record: its id, headers and which bytes of the record's body it carries. A
/// record too large for one message is split into parts, each below the server's `max_payload`.
public struct ForwardMessage: Sendable, Equatable {
    public var id: String
    public var headers: [Header]
    /// The part's bytes in the record's body (the body itself stays in the forwarder's reused buffer).
    public var body: Range<Int>

    public struct Header: Sendable, Equatable {
        public var name: String
        public var value: String
    }
}

/// Builds a record's messages (pure: no I/O).
///
/// Guarantees: the id is `<gateway id>/<repository>/<first sequence>/<part>`, the same every time the same
/// record is sent, so JetStream drops a replayed copy inside its duplicate window; parts are numbered from
/// 0, each body at most `maxBody` bytes, and their bodies joined are the whole body; NDJSON parts end at a
/// line's end unless a single line is longer than a part.
public enum ForwardMessageBuilder {
    /// Bytes left for headers and protocol framing below `max_payload`.
    public static let headerAllowance = 1024

    /// Writes the events as `sluice wal cat` prints them (one JSON object per line) at the start of `buffer`,
    /// which only grows (zero-filled once, then reused), and returns how many bytes they took: no allocation
    /// per event or per record once the buffer is large enough.
    public static func ndjson(_ batch: EventBatch, into buffer: inout [UInt8]) -> Int {
        let events = 0..<batch.count
        let needed = WALEventJSON.maxBytes(batch, events: events)
        if buffer.count < needed { buffer.append(contentsOf: repeatElement(0, count: needed - buffer.count)) }
        return buffer.withUnsafeMutableBytes { WALEventJSON.writeLines(batch, events: events, into: $0) }
    }

    /// Byte ranges of `body`'s parts, each at most `maxBody` bytes (cut after a newline when `lines`).
    public static func partRanges<Body: RandomAccessCollection<UInt8>>(_ body: Body, maxBody: Int, lines: Bool) -> [Range<Int>]
        where Body.Index == Int {
        precondition(body.startIndex == 0)
        precondition(maxBody > 0)
        if body.count <= maxBody { return [0..<body.count] }
        var ranges: [Range<Int>] = []
        var start = 0
        while start < body.count {
            var end = min(start + maxBody, body.count)
            if lines, end < body.count, let newline = body[start..<end].lastIndex(of: 10) { end = newline + 1 }
            ranges.append(start..<end)
            start = end
        }
        return ranges
    }

    public static func messageID(gateway: String, repository: String, firstSequence: UInt64, part: Int) -> String {
        "\(gateway)/\(repository)/\(firstSequence)/\(part)"
    }

    /// The messages of one record.
    /// `contentEncoding` names how `body` was compressed (nil: not at all); compressed bodies are cut anywhere.
    public static func messages<Body: RandomAccessCollection<UInt8>>(
        gateway: String, repository: String, header: WALRecordHeader, format: Forwarder.Format,
        body: Body, maxPayload: Int, contentEncoding: String? = nil) -> [ForwardMessage] where Body.Index == Int {
        let ranges = partRanges(body, maxBody: max(1, maxPayload - headerAllowance), lines: format == .ndjson && contentEncoding == nil)
        return ranges.enumerated().map { part, range in
            var headers = [
                ForwardMessage.Header(name: "Sluice-Repository", value: repository),
                ForwardMessage.Header(name: "Sluice-Events", value: "\(header.eventCount)"),
                ForwardMessage.Header(name: "Sluice-First-Sequence", value: "\(header.firstSequence)"),
                ForwardMessage.Header(name: "Sluice-Min-Timestamp", value: "\(header.minTimestamp)"),
                ForwardMessage.Header(name: "Sluice-Max-Timestamp", value: "\(header.maxTimestamp)"),
                ForwardMessage.Header(name: "Sluice-Format", value: format.rawValue),
                ForwardMessage.Header(name: "Sluice-Gateway", value: gateway),
            ]
            if let contentEncoding { headers.append(ForwardMessage.Header(name: "Content-Encoding", value: contentEncoding)) }
            if ranges.count > 1 { headers.append(ForwardMessage.Header(name: "Sluice-Part", value: "\(part)/\(ranges.count)")) }
            return ForwardMessage(id: messageID(gateway: gateway, repository: repository, firstSequence: header.firstSequence, part: part),
                                  headers: headers, body: range)
        }
    }
}
