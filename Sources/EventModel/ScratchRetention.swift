/// Decides when a reused scratch buffer that grew for an exceptionally large request is given back.
///
/// Buffers are kept at the size the largest request needed, so that steady traffic allocates nothing.
/// One 32 MiB request would then pin its buffers for good; releasing them after every large request
/// instead doubled the CPU such requests cost (page faults while regrowing). So a buffer over ``limit``
/// is released only after ``patience`` requests in a row that each needed at most ``limit``: a stream of
/// large requests keeps its buffers, a spike gives them back.
///
/// Guarantees: never releases a buffer of at most ``limit`` bytes, nor one a request of the last
/// ``patience`` needed more than ``limit`` of.
public struct ScratchRetention: Sendable {
    public let limit: Int
    public let patience: Int
    private var smallInARow = 0

    /// The rule for the buffers an event loop reuses from request to request (its event batch, its WAL
    /// encoder): kept up to 4 MiB, a request of a few MiB of body; larger ones after 16 smaller requests.
    public static var requestBuffers: ScratchRetention { ScratchRetention(limit: 4 << 20, patience: 16) }

    public init(limit: Int, patience: Int) {
        precondition(limit >= 0 && patience >= 1)
        self.limit = limit
        self.patience = patience
    }

    /// Records one request that used `used` of a buffer of `capacity` bytes; true when the buffer should
    /// now be released.
    public mutating func shouldRelease(capacity: Int, used: Int) -> Bool {
        guard capacity > limit, used <= limit else {
            smallInARow = 0
            return false
        }
        smallInARow += 1
        guard smallInARow >= patience else { return false }
        smallInARow = 0
        return true
    }
}
