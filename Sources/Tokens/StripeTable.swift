/// One stripe's open-addressing table: each slot holds a digest and its principal side by side (56 bytes),
/// so a hit reads one slot and retains the shared scope (see `Principal`); linear probing; load factor at most two thirds; the home
/// slot is the digest's second word mapped onto the capacity by multiply-shift. Immutable once built;
/// the cache swaps whole tables.
struct StripeTable: Sendable {
    struct Slot: Sendable {
        var w0: UInt64 = 0
        var w1: UInt64 = 0
        var w2: UInt64 = 0
        var w3: UInt64 = 0
        /// nil marks an empty slot.
        var principal: Principal?
    }

    private let slots: [Slot]
    let count: Int

    static let empty = StripeTable(entries: [])

    init(entries: [(digest: TokenDigest, principal: Principal)]) {
        let capacity = max(8, entries.count + entries.count / 2 + 1)
        var slots = [Slot](repeating: Slot(), count: capacity)
        var count = 0
        for entry in entries {
            let digest = entry.digest
            var slot = Self.home(digest, capacity: capacity)
            var duplicate = false
            while slots[slot].principal != nil {
                let existing = slots[slot]
                if TokenDigest(w0: existing.w0, w1: existing.w1, w2: existing.w2, w3: existing.w3).constantTimeEquals(digest) {
                    duplicate = true
                    break
                }
                slot = slot + 1 == capacity ? 0 : slot + 1
            }
            if duplicate { continue }  // validation refuses duplicates; the first one wins otherwise
            slots[slot] = Slot(w0: digest.w0, w1: digest.w1, w2: digest.w2, w3: digest.w3, principal: entry.principal)
            count += 1
        }
        self.slots = slots
        self.count = count
    }

    /// The principal stored under `digest`. Every occupied slot on the probe path is compared on all 32
    /// bytes (XOR-accumulated), so a near miss costs the same as a hit.
    func find(_ digest: TokenDigest) -> Principal? {
        slots.withUnsafeBufferPointer { slots in
            let capacity = slots.count
            var slot = Self.home(digest, capacity: capacity)
            while true {
                guard slots[slot].principal != nil else { return nil }
                let difference = (slots[slot].w0 ^ digest.w0) | (slots[slot].w1 ^ digest.w1)
                    | (slots[slot].w2 ^ digest.w2) | (slots[slot].w3 ^ digest.w3)
                if difference == 0 { return slots[slot].principal }
                slot = slot &+ 1 == capacity ? 0 : slot &+ 1
            }
        }
    }

    /// The home slot: the second digest word (independent of the leading byte that chose the stripe)
    /// scaled onto `0..<capacity` by the high half of a 64×64-bit product.
    @inline(__always)
    private static func home(_ digest: TokenDigest, capacity: Int) -> Int {
        Int(truncatingIfNeeded: digest.w1.multipliedFullWidth(by: UInt64(capacity)).high)
    }
}
