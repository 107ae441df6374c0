/// The last complete-form ISO-8601 minute (`yyyy-MM-ddTHH:mm`, 16 bytes) that
/// ``TimestampParser/iso8601(_:from:cache:)`` validated, and its epoch seconds.
///
/// Guarantees: it only ever holds a prefix that passed the complete form's checks, together with the
/// seconds that prefix means, so a hit yields exactly what reading the prefix again would.
public struct ISO8601MinuteCache: Sendable {
    @usableFromInline var head: UInt64 = 0
    @usableFromInline var tail: UInt64 = 0
    @usableFromInline var seconds: Int64 = 0
    @usableFromInline var isSet = false

    public init() {}

    init(head: UInt64, tail: UInt64, seconds: Int64) {
        self.head = head
        self.tail = tail
        self.seconds = seconds
        isSet = true
    }

    /// The epoch milliseconds of exactly `yyyy-MM-ddTHH:mm:ss.SSSZ` (24 bytes; `Z` or `z`) when its minute is
    /// the cached one: what ``TimestampParser/iso8601(_:from:cache:)`` reads from it (whole milliseconds, no
    /// zone to keep), inline and without the general reader's calls. Nil for anything else, which the
    /// caller reads the general way. Why: the events of a request mostly carry this form within one minute,
    /// and reading it the general way costs several calls per event (perf/bigreq.sh measures it).
    @inlinable @inline(__always)
    public func millis(ofCachedMinute text: UnsafeRawBufferPointer) -> Int64? {
        guard isSet, text.count == 24, let p = text.baseAddress,
              p.loadUnaligned(as: UInt64.self) == head, p.loadUnaligned(fromByteOffset: 8, as: UInt64.self) == tail,
              let rest = TimestampParser.secondsAndMillisZ(p)
        else { return nil }
        return (seconds + Int64(rest.second)) * 1000 + Int64(rest.millis)
    }
}
