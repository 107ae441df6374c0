/// Finds where a run of visible bytes (above SP and not DEL; obs-text included) ends, eight bytes at a
/// time: request targets and header values are nearly all such bytes.
///
/// Guarantees: `end(in:from:to:)` returns exactly what a byte-by-byte scan returns (the tests compare
/// the two for every byte value at every word position); it reads only bytes in `from..<to`.
enum VisibleRun {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// The index of the first byte in `start..<end` that is a control byte, SP or DEL, or `end`.
    @inline(__always)
    static func end(in bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Int {
        var i = start
        while i &+ 8 <= end {
            let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            // Flags bytes below 0x21 and bytes equal to 0x7F. A borrow can flag a byte above a true hit,
            // never below one, so the lowest flag is the first such byte.
            let below = (word &- 0x21 &* ones) & ~word & highBits
            let del = word ^ (0x7F &* ones)
            let hits = below | ((del &- ones) & ~del & highBits)
            if hits != 0 { return i &+ hits.trailingZeroBitCount &>> 3 }
            i &+= 8
        }
        while i < end {
            let byte = bytes[i]
            if byte <= ASCII.sp || byte == 0x7F { return i }
            i &+= 1
        }
        return end
    }
}
