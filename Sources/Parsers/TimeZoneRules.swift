/// A time zone's UTC offsets over time, resolved once when a pipeline is compiled: a fixed offset, or the
/// transitions of an IANA zone read from the system's TZif file. Answers offsets by binary search, so
/// reading local times costs no lookup by name and no allocation per event.
///
/// Past the file's last transition the file's POSIX rule footer answers (slim TZif files list transitions
/// only until that rule takes over); without a footer the last offset holds.
public struct TimeZoneRules: Sendable, Equatable {
    /// The zone's name as configured (`Europe/Berlin`, `+02:00`, `UTC`).
    public let name: String
    /// UTC instants (epoch seconds) at which the offset changes, ascending.
    let transitions: [Int64]
    /// Offset east of UTC in seconds in force from `transitions[i]` on.
    let offsets: [Int32]
    /// Offset before the first transition.
    let initialOffset: Int32
    /// The rule after the last transition.
    let footer: PosixTimeZoneRule?

    init(name: String, transitions: [Int64], offsets: [Int32], initialOffset: Int32, footer: PosixTimeZoneRule? = nil) {
        self.name = name
        self.transitions = transitions
        self.offsets = offsets
        self.initialOffset = initialOffset
        self.footer = footer
    }

    public static let utc = TimeZoneRules.fixed(name: "UTC", offsetSeconds: 0)

    public static func fixed(name: String, offsetSeconds: Int) -> TimeZoneRules {
        TimeZoneRules(name: name, transitions: [], offsets: [], initialOffset: Int32(offsetSeconds))
    }

    public var isFixed: Bool { transitions.isEmpty && footer?.daylight == nil }

    /// The offset east of UTC, in seconds, at a UTC instant.
    public func offset(atUTC seconds: Int64) -> Int {
        if let footer, transitions.last.map({ seconds >= $0 }) ?? true { return footer.offset(atUTC: seconds) }
        guard !transitions.isEmpty else { return Int(initialOffset) }
        var low = 0, high = transitions.count
        while low < high {
            let mid = (low + high) / 2
            if transitions[mid] <= seconds { low = mid + 1 } else { high = mid }
        }
        return Int(low == 0 ? initialOffset : offsets[low - 1])
    }

    /// The offset that applies to a wall-clock time in this zone (given as if it were UTC seconds). In a
    /// gap (spring forward) the offset before the gap is used; in an overlap, the earlier instant.
    public func offset(forLocal local: Int64) -> Int {
        guard !isFixed else { return offset(atUTC: local) }
        let first = offset(atUTC: local - 86_400)
        let candidate = offset(atUTC: local - Int64(first))
        if candidate == first { return first }
        let second = offset(atUTC: local - Int64(candidate))
        return second == candidate ? candidate : first
    }
}
