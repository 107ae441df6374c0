import EventModel

/// A plain description of an event, for building batches and comparing decoded ones.
struct SampleEvent: Equatable, CustomStringConvertible {
    var timestamp: Int64
    var nanos: Int32 = -1
    var ingest: Int64
    var timezone: [UInt8] = []
    var rawstring: [UInt8]
    var fields: [([UInt8], [UInt8])] = []

    static func == (lhs: SampleEvent, rhs: SampleEvent) -> Bool {
        lhs.timestamp == rhs.timestamp && lhs.nanos == rhs.nanos && lhs.ingest == rhs.ingest
            && lhs.timezone == rhs.timezone && lhs.rawstring == rhs.rawstring
            && lhs.fields.map(\.0) == rhs.fields.map(\.0) && lhs.fields.map(\.1) == rhs.fields.map(\.1)
    }

    var description: String { "event(ts: \(timestamp), raw: \(rawstring.count) bytes, fields: \(fields.count))" }
}

extension EventBatch {
    init(samples: [SampleEvent]) {
        self.init()
        for sample in samples {
            _ = sample.rawstring.withUnsafeBytes { beginEvent(rawstring: $0, ingestMillis: sample.ingest) }
            setTimestamp(millis: sample.timestamp, nanos: sample.nanos)
            setTimezone(store(sample.timezone))
            for (name, value) in sample.fields {
                name.withUnsafeBytes { n in value.withUnsafeBytes { v in addField(name: n, value: v) } }
            }
        }
    }

    var samples: [SampleEvent] {
        (0..<count).map { index in
            let event = events[index]
            return SampleEvent(
                timestamp: event.timestampMillis, nanos: event.timestampNanos, ingest: event.ingestMillis,
                timezone: Array(bytes(event.timezone)), rawstring: Array(bytes(event.rawstring)),
                fields: fields(of: index).map { (Array(bytes($0.name)), Array(bytes($0.value))) })
        }
    }
}

/// Realistic numbered log lines: `count` events whose rawstring names `tag` and the index.
func logLines(_ tag: String, count: Int, base: Int64 = 1_700_000_000_000) -> [SampleEvent] {
    (0..<count).map { index in
        SampleEvent(
            timestamp: base + Int64(index), ingest: base + 5,
            rawstring: Array("2026-11-29T00:00:00Z host=web-\(index % 7) \(tag) request \(index) status=200 bytes=\(index * 13)".utf8),
            fields: [(Array("host".utf8), Array("web-\(index % 7)".utf8)), (Array("#env".utf8), Array("prod".utf8))])
    }
}
