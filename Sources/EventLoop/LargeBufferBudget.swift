/// How many bytes of grown read buffers one loop's connections may keep between requests.
///
/// A connection whose request needed a read buffer above the small working size keeps it for the next
/// request (a shipper sends batch after batch of the same size) as long as the buffer is at most
/// ``perConnection`` bytes and the loop's kept total stays within ``total``; otherwise it gives the
/// buffer back. Giving it back after every request would cost a fresh allocation, a zero fill and the
/// page faults of about the body's size per request (perf/bigreq.sh measures it).
///
/// Guarantees: ``kept`` never exceeds ``total``; a connection hands back exactly what it was granted. One
/// per loop, used on the loop's thread only.
struct LargeBufferBudget {
    /// Largest buffer one connection may keep.
    let perConnection: Int
    /// Largest sum of kept buffers on the loop.
    let total: Int
    /// Bytes currently kept by the loop's connections.
    private(set) var kept = 0

    init(perConnection: Int, total: Int) {
        self.perConnection = perConnection
        self.total = total
    }

    /// A connection holding a grant of `granted` bytes asks to keep a buffer of `size` bytes: returns the
    /// new grant (`size`) when allowed, or 0 having taken the old grant back (the buffer must be given up).
    mutating func keep(_ size: Int, granted: Int) -> Int {
        let others = kept - granted
        if size <= perConnection && others + size <= total {
            kept = others + size
            return size
        }
        kept = others
        return 0
    }

    /// A connection closing or shrinking its buffer returns its grant.
    mutating func release(_ granted: Int) {
        kept -= granted
    }
}
