/// The last complete-form ISO-8601 minute (`yyyy-MM-ddTHH:mm`, 16 bytes) that
/// ``TimestampParser/iso8601(_:from:cache:)`` validated, and its epoch seconds.
///
/// Guarantees: it only ever holds a prefix that passed the complete form's checks, together with the
/// seconds that prefix means, so a hit yields exactly what reading the prefix again would.
public struct ISO8601MinuteCache: Sendable {
    var head: UInt64 = 0
    var tail: UInt64 = 0
    var seconds: Int64 = 0
    var isSet = false

    public init() {}

    init(head: UInt64, tail: UInt64, seconds: Int64) {
        self.head = head
        self.tail = tail
        self.seconds = seconds
        isSet = true
    }
}
