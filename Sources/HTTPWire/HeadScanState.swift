/// Where a head scan that ran out of bytes stopped, kept in the ``RequestHead`` so the next call continues at the
/// first unexamined byte instead of rescanning: a head trickled in one byte per read costs linear, not quadratic,
/// work.
///
/// Guarantees: `offset` never exceeds the bytes of the buffer it was computed on; every mark is `<= offset`.
struct HeadScanState: Sendable {
    enum Phase: Sendable {
        case leadingLine, leadingLF, method, target, version
        case lineStart, name, valueStart, value, valueLF, finalLF
    }

    var phase: Phase = .leadingLine
    /// The next byte to examine.
    var offset = 0
    /// Start of the token being scanned (method, target, version, field name).
    var mark = 0
    var nameEnd = 0
    var valueStart = 0
    var valueEnd = 0
    var major: UInt8 = 0
    var minor: UInt8 = 0
    /// True only after `.needMore`: the next call with the same head may continue.
    var suspended = false
}
