/// Duplicate detection for snapshot validation at a million entries, without `Set`/`Dictionary` hashing:
/// open-addressing tables of entry numbers, sized up front, probed by a hash the caller supplies
/// (a SHA-256 digest word is already uniform; names use FNV-1a).
struct DuplicateFinder {
    private var slots: [Int32]
    private var hashes: [UInt64]

    init(expected count: Int) {
        slots = [Int32](repeating: -1, count: max(8, count * 2))
        hashes = []
        hashes.reserveCapacity(count)
    }

    /// Records entry `hashes.count` under `hash`; when an earlier entry has the same hash and `isEqual`
    /// says it is the same key, returns that earlier entry's number instead (and records nothing).
    mutating func insert(hash: UInt64, isEqual: (Int) -> Bool) -> Int? {
        let capacity = slots.count
        var slot = Int(truncatingIfNeeded: hash.multipliedFullWidth(by: UInt64(capacity)).high)
        while slots[slot] >= 0 {
            let other = Int(slots[slot])
            if hashes[other] == hash && isEqual(other) { return other }
            slot = slot + 1 == capacity ? 0 : slot + 1
        }
        slots[slot] = Int32(hashes.count)
        hashes.append(hash)
        return nil
    }

    /// FNV-1a over `a`, a separator, and `b`: the hash of a (repository, name) pair.
    static func hash(_ a: String, _ b: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in a.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        hash = (hash ^ 0xff) &* 0x100_0000_01b3
        for byte in b.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        // Final avalanche so the high bits used for the slot depend on every byte.
        hash ^= hash >> 33
        hash &*= 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        return hash
    }
}
