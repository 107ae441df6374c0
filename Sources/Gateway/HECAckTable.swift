/// Splunk HEC indexer acknowledgements: which requests of each channel are durable. Pure logic (the
/// caller passes the time); ``HECAcknowledgements`` shares one behind a lock.
///
/// Guarantees:
/// - ``issue(channel:nowMillis:)`` hands out ids that increase within a channel and are never handed out
///   twice by this table: they come from one counter over every channel, starting at `firstId` (the
///   gateway starts it from the wall clock, so a restarted gateway does not reuse the ids of the last).
/// - An id answers true only after ``settle(channel:id:durable:)`` with `durable: true`; a request that
///   failed is forgotten, so it answers false for ever (a client then sends it again). An id answered
///   true is forgotten once reported (Splunk reports each true once).
/// - Limits: at most `maxPendingPerChannel` ids of a channel and `maxPendingTotal` over all, and at most
///   `maxChannels` channels, not yet reported true; past them ``issue(channel:nowMillis:)`` refuses.
/// - A channel neither posted to nor polled for `idleMillis` is dropped by ``expire(nowMillis:)`` with its
///   ids (they answer false afterwards).
public struct HECAckTable: Sendable {
    public struct Limits: Sendable, Equatable {
        public var maxPendingPerChannel = 100_000
        public var maxPendingTotal = 1_000_000
        public var maxChannels = 100_000
        public var idleMillis: Int64 = 600_000

        public init() {}
    }

    /// Why an id was not issued (both answered 503 with HEC code 9).
    public enum Refusal: Error, Equatable {
        case channelFull
        case tableFull
        case tooManyChannels
    }

    struct Channel {
        /// Issued ids not yet reported true: false while the request is on its way, true once durable.
        var ids: [UInt64: Bool] = [:]
        var lastUsedMillis: Int64
    }

    public let limits: Limits
    private var channels: [String: Channel] = [:]
    private var nextId: UInt64
    /// Ids issued and not yet reported true or forgotten, over every channel.
    public private(set) var pendingTotal = 0

    public init(limits: Limits = Limits(), firstId: UInt64 = 0) {
        self.limits = limits
        nextId = firstId
    }

    public var channelCount: Int { channels.count }

    /// A new id for a request on `channel`, creating the channel on first use.
    public mutating func issue(channel: String, nowMillis: Int64) -> Result<UInt64, Refusal> {
        let known = channels[channel] != nil
        if !known, channels.count >= limits.maxChannels { return .failure(.tooManyChannels) }
        guard pendingTotal < limits.maxPendingTotal else { return .failure(.tableFull) }
        if known, channels[channel]!.ids.count >= limits.maxPendingPerChannel {
            channels[channel]!.lastUsedMillis = nowMillis
            return .failure(.channelFull)
        }
        let id = nextId
        nextId += 1
        pendingTotal += 1
        // In place: the subscript's default creates the entry without copying the channel's ids.
        channels[channel, default: Channel(lastUsedMillis: nowMillis)].ids[id] = false
        channels[channel]!.lastUsedMillis = nowMillis
        return .success(id)
    }

    /// Records a request's outcome: `durable` marks its id true; otherwise the id is forgotten (false for ever).
    /// An id of a channel that expired meanwhile is ignored.
    public mutating func settle(channel: String, id: UInt64, durable: Bool) {
        guard channels[channel]?.ids[id] == false else { return }
        if durable {
            channels[channel]!.ids[id] = true
        } else {
            channels[channel]!.ids[id] = nil
            pendingTotal -= 1
        }
    }

    /// The status of each id in `ids` on `channel`, in order; ids reported true are forgotten (after
    /// answering, so an id listed twice is true both times). An unknown channel or id answers false.
    public mutating func query(channel: String, ids: [UInt64], nowMillis: Int64) -> [(id: UInt64, durable: Bool)] {
        guard channels[channel] != nil else { return ids.map { ($0, false) } }
        let answers = ids.map { id in (id: id, durable: channels[channel]!.ids[id] ?? false) }
        channels[channel]!.lastUsedMillis = nowMillis
        for answer in answers where answer.durable {
            if channels[channel]!.ids.removeValue(forKey: answer.id) != nil { pendingTotal -= 1 }
        }
        return answers
    }

    /// Drops channels idle for ``Limits/idleMillis``; returns how many.
    @discardableResult
    public mutating func expire(nowMillis: Int64) -> Int {
        let idle = limits.idleMillis
        guard channels.values.contains(where: { nowMillis - $0.lastUsedMillis >= idle }) else { return 0 }
        let before = channels.count
        var dropped = 0
        channels = channels.filter { _, entry in
            if nowMillis - entry.lastUsedMillis < idle { return true }
            dropped += entry.ids.count
            return false
        }
        pendingTotal -= dropped
        return before - channels.count
    }
}
