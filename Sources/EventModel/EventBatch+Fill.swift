extension EventBatch {
    /// Lets `fill` write at most `capacity` bytes at the arena's end and keeps the count it returns: a JSON
    /// string unescaped straight into the arena (never longer than its escaped text), with no scratch copy.
    /// Not generic, unlike ``appendArenaBytes(count:_:)``: called from another module, that one looks up
    /// `Result` metadata on every call.
    public mutating func appendArenaBytes(upTo capacity: Int, _ fill: (UnsafeMutableRawPointer) -> Int) -> ByteSpan {
        precondition(capacity >= 0, "a negative byte count")
        reserveArena(capacity)
        let start = arenaCount
        let written = storage.withUnsafeMutableBytes { fill($0.baseAddress! + start) }
        precondition(written >= 0 && written <= capacity, "wrote outside the reserved bytes")
        arenaCount = start + written
        return ByteSpan(start: Int32(truncatingIfNeeded: start), count: Int32(truncatingIfNeeded: written))
    }
}
