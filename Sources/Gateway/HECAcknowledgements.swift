#if canImport(Glibc)
import Glibc
#endif
import EventLoop
import JSONStream
import Synchronization

/// The gateway's one ``HECAckTable``, shared by every loop behind a lock: a client's polls may reach
/// another connection, and so another loop, than its posts. The lock is taken once per acknowledged
/// request, once when its records are durable (or failed) and once per poll, never per event.
final class HECAcknowledgements: Sendable {
    /// Whether every HEC token uses acknowledgements (`--hec-acks`), not only those whose snapshot entry says so.
    let forAllTokens: Bool
    private let table: Mutex<HECAckTable>
    /// Requests accepted with an id whose records then failed (their id never turns true).
    let failedAfterAccept = Atomic<Int>(0)
    private let idleMillis: Int64
    private let nextExpiryMillis = Atomic<Int64>(0)

    init(forAllTokens: Bool, limits: HECAckTable.Limits = HECAckTable.Limits()) {
        self.forAllTokens = forAllTokens
        idleMillis = limits.idleMillis
        table = Mutex(HECAckTable(limits: limits, firstId: Self.firstId()))
    }

    /// Ids start from the wall clock in microseconds, so a restarted gateway does not hand out an id a
    /// client still polls for from before the restart (it would need more requests than microseconds passed).
    static func firstId() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
    }

    func issue(channel: String) -> Result<UInt64, HECAckTable.Refusal> {
        let now = EventLoop.monotonicNowMillis()
        return table.withLock { $0.issue(channel: channel, nowMillis: now) }
    }

    /// Where a request's outcome arrives: durable marks the id true. (The one place that decides "durable",
    /// so another condition, such as replication, can feed it.)
    func settle(channel: String, id: UInt64, durable: Bool) {
        if !durable { failedAfterAccept.add(1, ordering: .relaxed) }
        table.withLock { $0.settle(channel: channel, id: id, durable: durable) }
    }

    func query(channel: String, ids: [UInt64]) -> [(id: UInt64, durable: Bool)] {
        let now = EventLoop.monotonicNowMillis()
        return table.withLock { $0.query(channel: channel, ids: ids, nowMillis: now) }
    }

    /// Drops idle channels (called from one loop's tick); looks at most every tenth of the idle time (at
    /// least a second apart), so the table's lock is not held for a scan on every tick.
    func expire() {
        let now = EventLoop.monotonicNowMillis()
        guard now >= nextExpiryMillis.load(ordering: .relaxed) else { return }
        nextExpiryMillis.store(now + max(1000, idleMillis / 10), ordering: .relaxed)
        table.withLock { _ = $0.expire(nowMillis: now) }
    }

    var pending: (ids: Int, channels: Int) { table.withLock { ($0.pendingTotal, $0.channelCount) } }

    func metricsText() -> String {
        let (ids, channels) = pending
        return """
            # HELP sluice_hec_ack_pending HEC acknowledgement ids issued and not yet reported true.
            # TYPE sluice_hec_ack_pending gauge
            sluice_hec_ack_pending \(ids)
            # HELP sluice_hec_ack_channels HEC acknowledgement channels in use.
            # TYPE sluice_hec_ack_channels gauge
            sluice_hec_ack_channels \(channels)
            # HELP sluice_hec_ack_failed_total Requests answered with an ackId whose records then failed (never acknowledged).
            # TYPE sluice_hec_ack_failed_total counter
            sluice_hec_ack_failed_total \(failedAfterAccept.load(ordering: .relaxed))

            """
    }

    /// A request's channel, from the `X-Splunk-Request-Channel` header or the `channel` query parameter.
    enum ChannelLookup: Equatable {
        case missing
        case invalid
        case found(String)
    }

    /// Longest channel accepted (a GUID has 36 characters).
    static let maxChannelBytes = 128

    static func channel(header: UnsafeRawBufferPointer?, query: UnsafeRawBufferPointer?) -> ChannelLookup {
        if let header, !header.isEmpty { return validated(Array(header)) }
        guard let query else { return .missing }
        for parameter in query.split(separator: UInt8(ascii: "&")) {
            guard let equals = parameter.firstIndex(of: UInt8(ascii: "=")),
                  parameter[parameter.startIndex..<equals].elementsEqual("channel".utf8) else { continue }
            let value = BulkAnswerFilter.percentDecoded(parameter[(equals + 1)...])
            return value.isEmpty ? .missing : validated(value)
        }
        return .missing
    }

    /// Channels are GUIDs in Splunk's clients; any short run of letters, digits and `-_.:{}` is accepted.
    private static func validated(_ bytes: [UInt8]) -> ChannelLookup {
        guard bytes.count <= maxChannelBytes, bytes.allSatisfy({ byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: ":"), UInt8(ascii: "{"), UInt8(ascii: "}"):
                return true
            default: return false
            }
        }) else { return .invalid }
        return .found(String(decoding: bytes, as: UTF8.self))
    }

    /// The ids of an ack query body, `{"acks":[0,1,…]}`; nil when it is not that shape.
    static func queriedIds(_ body: UnsafeRawBufferPointer, limit: Int = 100_000) -> [UInt64]? {
        var reader = JSONReader(body)
        var ids: [UInt64]? = nil
        do throws(JSONError) {
            try reader.beginObject()
            while let name = try reader.nextMember() {
                guard reader.equals(name, "acks") else {
                    try reader.skipValue()
                    continue
                }
                var found: [UInt64] = []
                try reader.beginArray()
                while try reader.nextElement() {
                    guard found.count < limit, let value = reader.int64(try reader.readNumber()), value >= 0 else { return nil }
                    found.append(UInt64(value))
                }
                ids = found
            }
            try reader.finish()
        } catch {
            return nil
        }
        return ids
    }

    /// `{"acks":{"<id>":true,…}}`.
    static func answerBody(_ answers: [(id: UInt64, durable: Bool)]) -> [UInt8] {
        var body = Array("{\"acks\":{".utf8)
        body.reserveCapacity(body.count + answers.count * 24 + 2)
        for (index, answer) in answers.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body.append(UInt8(ascii: "\""))
            body.append(contentsOf: String(answer.id).utf8)
            body.append(contentsOf: answer.durable ? "\":true".utf8 : "\":false".utf8)
        }
        body.append(contentsOf: "}}".utf8)
        return body
    }
}
