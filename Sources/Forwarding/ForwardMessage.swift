import EventModel
import Tokens
import WAL
import WALFormat

/// One JetStream message of a record: its id, headers and body. A record too large for one message is
/// split into parts, each below the server's `max_payload`.
public struct ForwardMessage: Sendable, Equatable {
    public var id: String
    public var headers: [Header]
    public var body: [UInt8]

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

    /// The record's body in `format`: the events as `sluice wal cat` prints them (one JSON object per line),
    /// or the stored record bytes (header and payload) as in the segment.
    public static func body(format: Forwarder.Format, batch: EventBatch, storedRecord: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        switch format {
        case .wal:
            out.append(contentsOf: storedRecord)
        case .ndjson:
            for index in 0..<batch.count { WALEventJSON.appendLine(batch, event: index, to: &out) }
        }
    }

    /// Byte ranges of `body`'s parts, each at most `maxBody` bytes (cut after a newline when `lines`).
    public static func partRanges(_ body: [UInt8], maxBody: Int, lines: Bool) -> [Range<Int>] {
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
    public static func messages(gateway: String, repository: String, header: WALRecordHeader, format: Forwarder.Format,
                                body: [UInt8], maxPayload: Int, contentEncoding: String? = nil) -> [ForwardMessage] {
        let ranges = partRanges(body, maxBody: max(1, maxPayload - headerAllowance), lines: format == .ndjson && contentEncoding == nil)
        return ranges.enumerated().map { part, range in
            var headers = [
                ForwardMessage.Header(name: "Sluice-Repository", value: repository),
                ForwardMessage.Header(name: "Sluice-Events", value: "\(header.eventCount)"),
                ForwardMessage.Header(name: "Sluice-First-Sequence", value: "\(header.firstSequence)"),
                ForwardMessage.Header(name: "Sluice-Min-Timestamp", value: "\(header.minTimestamp)"),
                ForwardMessage.Header(name: "Sluice-Max-Timestamp", value: "\(header.maxTimestamp)"),
                ForwardMessage.Header(name: "Sluice-Format", value: format.rawValue),
            ]
            if let contentEncoding { headers.append(ForwardMessage.Header(name: "Content-Encoding", value: contentEncoding)) }
            if ranges.count > 1 { headers.append(ForwardMessage.Header(name: "Sluice-Part", value: "\(part)/\(ranges.count)")) }
            return ForwardMessage(id: messageID(gateway: gateway, repository: repository, firstSequence: header.firstSequence, part: part),
                                  headers: headers, body: Array(body[range]))
        }
    }
}
