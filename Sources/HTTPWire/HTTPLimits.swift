/// The size limits a request must respect; every parser and decoder of this module enforces the ones it sees.
///
/// Guarantees: a request head never makes the parser look past `maxHeadBytes`, a body is never decoded past
/// `maxBodyBytes` (counted after chunked and content decoding), and a head carries at most `maxHeaderCount` fields.
public struct HTTPLimits: Sendable, Equatable {
    /// Request line, header fields and the blank line together (431 when exceeded).
    public var maxHeadBytes = 64 * 1024
    /// Decoded body bytes (413 when exceeded).
    public var maxBodyBytes = 32 * 1024 * 1024
    /// Header fields in one head (431 when exceeded).
    public var maxHeaderCount = 128

    public init() {}

    public init(maxHeadBytes: Int, maxBodyBytes: Int, maxHeaderCount: Int) {
        self.maxHeadBytes = maxHeadBytes
        self.maxBodyBytes = maxBodyBytes
        self.maxHeaderCount = maxHeaderCount
    }
}
