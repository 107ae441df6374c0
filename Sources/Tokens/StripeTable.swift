/// One stripe's open-addressing table: digests in a flat word array (four words a slot), each slot's
/// principal index beside it (-1 when empty), linear probing, load factor at most one half. Immutable once
/// built; the cache swaps whole tables.
struct StripeTable: Sendable {
    private let keys: [UInt64]
    private let slots: [Int32]
    private let principals: [Principal]
    private let mask: Int

    static let empty = StripeTable(entries: [])

    init(entries: [(digest: TokenDigest, principal: Principal)]) {
        var capacity = 8
        while capacity < entries.count * 2 { capacity <<= 1 }
        var keys = [UInt64](repeating: 0, count: capacity * 4)
        var slots = [Int32](repeating: -1, count: capacity)
        var principals = [Principal]()
        principals.reserveCapacity(entries.count)
        let mask = capacity - 1
        for entry in entries {
            var slot = Self.home(entry.digest, mask: mask)
            var duplicate = false
            while slots[slot] >= 0 {
                if Self.digest(in: keys, at: slot).constantTimeEquals(entry.digest) { duplicate = true; break }
                slot = (slot + 1) & mask
            }
            if duplicate { continue }  // validation refuses duplicates; the first one wins otherwise
            slots[slot] = Int32(principals.count)
            principals.append(entry.principal)
            keys[slot * 4] = entry.digest.w0
            keys[slot * 4 + 1] = entry.digest.w1
            keys[slot * 4 + 2] = entry.digest.w2
            keys[slot * 4 + 3] = entry.digest.w3
        }
        self.keys = keys
        self.slots = slots
        self.principals = principals
        self.mask = mask
    }

    var count: Int { principals.count }

    /// The principal stored under `digest`. Every occupied slot on the probe path is compared on all 32
    /// bytes (XOR-accumulated), so a near miss costs the same as a hit.
    func find(_ digest: TokenDigest) -> Principal? {
        let index: Int32 = keys.withUnsafeBufferPointer { keys in
            slots.withUnsafeBufferPointer { slots in
                var slot = Self.home(digest, mask: mask)
                while true {
                    let candidate = slots[slot]
                    if candidate < 0 { return -1 }
                    let base = slot &* 4
                    let difference = (keys[base] ^ digest.w0) | (keys[base &+ 1] ^ digest.w1)
                        | (keys[base &+ 2] ^ digest.w2) | (keys[base &+ 3] ^ digest.w3)
                    if difference == 0 { return candidate }
                    slot = (slot &+ 1) & mask
                }
            }
        }
        return index < 0 ? nil : principals[Int(index)]
    }

    /// The home slot: from the second word, independent of the leading byte that chose the stripe.
    private static func home(_ digest: TokenDigest, mask: Int) -> Int {
        Int(truncatingIfNeeded: digest.w1) & mask
    }

    private static func digest(in keys: [UInt64], at slot: Int) -> TokenDigest {
        TokenDigest(w0: keys[slot * 4], w1: keys[slot * 4 + 1], w2: keys[slot * 4 + 2], w3: keys[slot * 4 + 3])
    }
}
