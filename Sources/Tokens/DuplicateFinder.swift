/// Duplicate detection for snapshot validation at a million entries, without `Set`/`Dictionary` hashing:
/// an open-addressing table of entry numbers, sized up front, probed by a hash the caller supplies
/// (a SHA-256 digest word is already uniform; names use FNV-1a).
///
/// Each slot holds the entry's number and 32 bits of its hash (bits the slot position does not come from),
/// so a probe that meets another entry tells most of them apart without reading anything else: at a
/// million entries the table is far larger than the caches, and each read elsewhere is a miss.
struct DuplicateFinder {
    /// 0: empty; otherwise the low 32 bits of the hash above the entry's number plus one.
    private var slots: [UInt64]
    private var count = 0

    init(expected count: Int) {
        slots = [UInt64](repeating: 0, count: max(8, count * 2))
    }

    /// Records entry number `count` (the entries recorded so far) under `hash`; when an earlier entry has
    /// the same hash bits and `isEqual` says it is the same key, returns that earlier entry's number instead
    /// (and records nothing).
    mutating func insert(hash: UInt64, isEqual: (Int) -> Bool) -> Int? {
        insert(hash: hash, entry: count, isEqual: isEqual)
    }

    /// As `insert(hash:isEqual:)`, recording the caller's number `entry` (below 2^32 − 1) instead of the
    /// count: for a finder that sees only some of the entries (one thread's share of the hashes).
    mutating func insert(hash: UInt64, entry: Int, isEqual: (Int) -> Bool) -> Int? {
        let capacity = slots.count
        let fragment = hash << 32
        var slot = Int(truncatingIfNeeded: hash.multipliedFullWidth(by: UInt64(capacity)).high)
        while slots[slot] != 0 {
            let found = slots[slot]
            if found & 0xffff_ffff_0000_0000 == fragment {
                let other = Int(truncatingIfNeeded: found & 0xffff_ffff) - 1
                if isEqual(other) { return other }
            }
            slot = slot + 1 == capacity ? 0 : slot + 1
        }
        slots[slot] = fragment | UInt64(entry + 1)
        count += 1
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
