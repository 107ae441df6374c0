import EventModel
import Testing

/// ``ShortCompare/equal(_:_:count:)`` answers what an element-wise comparison answers, for every length up
/// to and past the word paths and a difference at every position.
struct ShortCompareTests {
    @Test(arguments: Array(0...40))
    func matchesElementWiseEquality(_ count: Int) {
        let a = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        a.withUnsafeBytes { left in
            var same = a
            same.withUnsafeBytes { right in
                #expect(count == 0 || ShortCompare.equal(left.baseAddress!, right.baseAddress!, count: count))
            }
            for position in 0..<count {
                same = a
                same[position] ^= 0x20
                same.withUnsafeBytes { right in
                    #expect(!ShortCompare.equal(left.baseAddress!, right.baseAddress!, count: count), "difference at \(position)")
                }
            }
        }
    }
}
