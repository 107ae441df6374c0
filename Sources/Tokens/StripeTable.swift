/// One stripe's open-addressing table: a view of `capacity` slots inside a `SlotSlab`. Linear probing; load
/// factor at most two thirds; the home slot is the digest's second word mapped onto the capacity by
/// multiply-shift. Immutable once built; the cache swaps whole tables (and frees a generation's slab only
/// after every stripe has swapped away from it).
///
/// A slot is one 64-byte, 64-aligned cache line (`SlotSlab.Layout`): the digest, the entry (plain values,
/// ``TokenEntry``), and an occupied mark. The probe reads slots two at a time (both loads issued before either compare), so a
/// lookup whose entry sits at its home slot or the next one — most of them at this load factor — costs
/// one DRAM round trip on a cold table.
struct StripeTable: @unchecked Sendable {  // a pointer into a slab that the owning cache keeps alive
    let slots: UnsafeMutableRawPointer?
    let capacity: Int
    let count: Int
    /// What the entries' indexes point into (for callers that resolve them with the shared scopes).
    let catalog: TokenCatalog?

    static let empty = StripeTable(slots: nil, capacity: 0, count: 0, catalog: nil)

    /// The slots a stripe of `count` entries needs: at most two thirds full, at least one empty slot.
    static func capacity(for count: Int) -> Int {
        max(4, count + count / 2 + 1)
    }

    /// The entry stored under `digest`. Every occupied slot on the probe path is compared on all 32
    /// bytes (XOR-accumulated), so a near miss costs the same as a hit.
    ///
    /// The probe reads slots in pairs: both lines' loads are issued before either is compared, so the
    /// second slot of a probe sequence (half the hits at this load factor) costs no second serial DRAM
    /// round trip.
    @inline(__always)
    func find(_ digest: TokenDigest) -> TokenEntry? {
        guard let slots else { return nil }
        var index = Self.home(digest, capacity: capacity)
        while true {
            let next = index &+ 1 == capacity ? 0 : index &+ 1
            let first = slots + index &* SlotSlab.Layout.stride
            let second = slots + next &* SlotSlab.Layout.stride
            let firstOccupied = first.load(fromByteOffset: SlotSlab.Layout.occupied, as: UInt32.self)
            let secondOccupied = second.load(fromByteOffset: SlotSlab.Layout.occupied, as: UInt32.self)
            let firstDifference = Self.difference(first, digest)
            let secondDifference = Self.difference(second, digest)
            if firstOccupied == 0 { return nil }
            if firstDifference == 0 { return Self.entry(first) }
            if secondOccupied == 0 { return nil }
            if secondDifference == 0 { return Self.entry(second) }
            index = next &+ 1 == capacity ? 0 : next &+ 1
        }
    }

    @inline(__always)
    private static func difference(_ slot: UnsafeMutableRawPointer, _ digest: TokenDigest) -> UInt64 {
        (slot.load(fromByteOffset: 0, as: UInt64.self) ^ digest.w0)
            | (slot.load(fromByteOffset: 8, as: UInt64.self) ^ digest.w1)
            | (slot.load(fromByteOffset: 16, as: UInt64.self) ^ digest.w2)
            | (slot.load(fromByteOffset: 24, as: UInt64.self) ^ digest.w3)
    }

    @inline(__always)
    private static func entry(_ slot: UnsafeMutableRawPointer) -> TokenEntry {
        slot.load(fromByteOffset: SlotSlab.Layout.entry, as: TokenEntry.self)
    }

    /// Stores `entry` under `digest` unless the digest is already present (validation refuses
    /// duplicates; the first one wins otherwise). Returns whether it was stored. Building only.
    func insert(_ digest: TokenDigest, _ entry: TokenEntry) -> Bool {
        let slots = slots!
        var index = Self.home(digest, capacity: capacity)
        while true {
            let slot = slots + index * SlotSlab.Layout.stride
            if slot.load(fromByteOffset: SlotSlab.Layout.occupied, as: UInt32.self) == 0 {
                slot.storeBytes(of: digest.w0, toByteOffset: 0, as: UInt64.self)
                slot.storeBytes(of: digest.w1, toByteOffset: 8, as: UInt64.self)
                slot.storeBytes(of: digest.w2, toByteOffset: 16, as: UInt64.self)
                slot.storeBytes(of: digest.w3, toByteOffset: 24, as: UInt64.self)
                slot.storeBytes(of: entry, toByteOffset: SlotSlab.Layout.entry, as: TokenEntry.self)
                slot.storeBytes(of: 1, toByteOffset: SlotSlab.Layout.occupied, as: UInt32.self)
                return true
            }
            let existing = TokenDigest(w0: slot.load(fromByteOffset: 0, as: UInt64.self), w1: slot.load(fromByteOffset: 8, as: UInt64.self),
                                       w2: slot.load(fromByteOffset: 16, as: UInt64.self), w3: slot.load(fromByteOffset: 24, as: UInt64.self))
            if existing.constantTimeEquals(digest) { return false }
            index = index + 1 == capacity ? 0 : index + 1
        }
    }

    /// The home slot: the second digest word (independent of the leading byte that chose the stripe)
    /// scaled onto `0..<capacity` by the high half of a 64×64-bit product.
    @inline(__always)
    static func home(_ digest: TokenDigest, capacity: Int) -> Int {
        Int(truncatingIfNeeded: digest.w1.multipliedFullWidth(by: UInt64(capacity)).high)
    }
}
