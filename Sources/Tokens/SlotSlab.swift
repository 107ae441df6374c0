#if canImport(Glibc)
import Glibc
#endif

/// The memory of one cache generation: every stripe's slots back to back in one anonymous mapping.
///
/// Guarantees:
/// - Each slot is one cache line (64 bytes, 64-aligned): digest, entry (``TokenEntry``, plain values), occupied
///   mark.
/// - A mapping of 2 MiB or more is aligned to 2 MiB and advised `MADV_HUGEPAGE`, so with transparent huge
///   pages in `madvise` mode a random lookup in a million-token table costs no TLB miss (page walk).
/// - The entries hold no reference, so `deinit` only unmaps the memory. The slab keeps its generation's
///   ``TokenCatalog`` alive. The cache releases a slab only after every stripe has swapped to the next
///   generation, under the stripe locks, so no lookup can still be reading it.
final class SlotSlab: @unchecked Sendable {  // immutable after `build`; freed once, by deinit
    /// Byte offsets within a slot. The occupied mark is a 32-bit word after the entry (up to 28 bytes).
    enum Layout {
        static let stride = 64
        static let entry = 32
        static let occupied = 60
    }

    static let hugePage = 2 << 20

    private let mapping: UnsafeMutableRawPointer
    private let byteCount: Int
    /// What the slab's entries point into.
    let catalog: TokenCatalog

    /// Builds one table per stripe (`stripe(digest)` picks it) from `entries` (of `catalog`), in one slab.
    /// A large set is built on two threads, each faulting in and filling the slots of its own half of the
    /// stripes (every thread reads all the entries and skips the other half's).
    static func build<Rows: Collection>(_ entries: Rows, catalog: TokenCatalog, stripeCount: Int,
                                        stripe: (TokenDigest) -> Int) -> (slab: SlotSlab, tables: [StripeTable])
    where Rows.Element == (digest: TokenDigest, entry: TokenEntry) {
        precondition(MemoryLayout<TokenEntry>.size <= Layout.occupied - Layout.entry
                     && MemoryLayout<TokenEntry>.alignment <= 8, "an entry must fit its slot")
        var sizes = [Int](repeating: 0, count: stripeCount)
        for entry in entries { sizes[stripe(entry.digest)] += 1 }
        let capacities = sizes.map(StripeTable.capacity(for:))
        let slotCount = capacities.reduce(0, +)
        let slab = SlotSlab(slotCount: slotCount, catalog: catalog)
        var tables = [StripeTable]()
        tables.reserveCapacity(stripeCount)
        var offsets = [Int]()
        offsets.reserveCapacity(stripeCount + 1)
        var offset = 0
        for capacity in capacities {
            tables.append(StripeTable(slots: slab.mapping + offset * Layout.stride, capacity: capacity, count: 0, catalog: catalog))
            offsets.append(offset)
            offset += capacity
        }
        offsets.append(offset)
        // The stripes cut where the slots are half filled, when there are enough entries to share out.
        var parts = [0..<stripeCount]
        if entries.count >= parallelThreshold && stripeCount > 1 {
            let middle = offsets.firstIndex { $0 * 2 >= slotCount }.map { min(max($0, 1), stripeCount - 1) } ?? stripeCount / 2
            parts = [0..<middle, middle..<stripeCount]
        }
        var counts = [Int](repeating: 0, count: stripeCount)
        counts.withUnsafeMutableBufferPointer { counts in
            forEachChunk(count: parts.count, chunk: 1) { range in
                for part in range {
                    let stripes = parts[part]
                    slab.faultIn(from: offsets[stripes.lowerBound] * Layout.stride, to: offsets[stripes.upperBound] * Layout.stride)
                    for entry in entries {
                        let i = stripe(entry.digest)
                        guard stripes.contains(i) else { continue }
                        if tables[i].insert(entry.digest, entry.entry) { counts[i] += 1 }
                    }
                }
            }
        }
        tables = tables.indices.map {
            StripeTable(slots: tables[$0].slots, capacity: tables[$0].capacity, count: counts[$0], catalog: catalog)
        }
        return (slab, tables)
    }

    /// Entries from which `build` fills the slab on two threads.
    static let parallelThreshold = 1 << 16

    /// Faults in the pages that start in `start..<end` (byte offsets) by writing: the inserts read a slot
    /// before writing it, and a first read would map the shared zero page, making every page fault twice
    /// (read, then copy-on-write). Only page starts inside the range are written, so two threads faulting in
    /// neighbouring ranges never write each other's slots.
    private func faultIn(from start: Int, to end: Int) {
        var page = (start + 4095) / 4096 * 4096
        while page < min(end, byteCount) {
            mapping.storeBytes(of: 0, toByteOffset: page, as: UInt8.self)
            page += 4096
        }
    }

    /// Maps zeroed memory for `slotCount` slots (zero = empty slot).
    private init(slotCount: Int, catalog: TokenCatalog) {
        self.catalog = catalog
        let bytes = slotCount * Layout.stride
        if bytes < Self.hugePage {
            byteCount = max(bytes, 1)
            mapping = Self.map(byteCount)
        } else {
            // Over-map by one huge page, keep the 2 MiB-aligned part, give the rest back.
            byteCount = (bytes + Self.hugePage - 1) / Self.hugePage * Self.hugePage
            let raw = Self.map(byteCount + Self.hugePage)
            let address = Int(bitPattern: raw)
            let aligned = (address + Self.hugePage - 1) / Self.hugePage * Self.hugePage
            if aligned > address { munmap(raw, aligned - address) }
            let tail = address + byteCount + Self.hugePage - (aligned + byteCount)
            if tail > 0 { munmap(UnsafeMutableRawPointer(bitPattern: aligned + byteCount), tail) }
            mapping = UnsafeMutableRawPointer(bitPattern: aligned)!
            _ = madvise(mapping, byteCount, MADV_HUGEPAGE)  // advice only: without THP the slab still works
        }
    }

    private static func map(_ bytes: Int) -> UnsafeMutableRawPointer {
        let raw = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let raw, raw != MAP_FAILED else { fatalError("token cache: mmap of \(bytes) bytes failed (errno \(errno))") }
        return raw
    }

    deinit {
        munmap(mapping, byteCount)
    }
}
