#if canImport(Glibc)
import Glibc
#endif

/// The memory of one cache generation: every stripe's slots back to back in one anonymous mapping.
///
/// Guarantees:
/// - Each slot is one cache line (64 bytes, 64-aligned): digest, principal, occupied mark.
/// - A mapping of 2 MiB or more is aligned to 2 MiB and advised `MADV_HUGEPAGE`, so with transparent huge
///   pages in `madvise` mode a random lookup in a million-token table costs no TLB miss (page walk).
/// - The slab owns the principals stored in it: `deinit` releases them and unmaps the memory. The cache
///   releases a slab only after every stripe has swapped to the next generation, under the stripe locks,
///   so no lookup can still be reading it.
final class SlotSlab: @unchecked Sendable {  // immutable after `build`; freed once, by deinit
    /// Byte offsets within a slot. The occupied mark is a 32-bit word after the principal (28 bytes).
    enum Layout {
        static let stride = 64
        static let principal = 32
        static let occupied = 60
    }

    static let hugePage = 2 << 20

    private let mapping: UnsafeMutableRawPointer
    private let byteCount: Int
    private let slotCount: Int

    /// Builds one table per stripe (`stripe(digest)` picks it) from `entries`, in one slab.
    static func build(_ entries: [(digest: TokenDigest, principal: Principal)], stripeCount: Int,
                      stripe: (TokenDigest) -> Int) -> (slab: SlotSlab, tables: [StripeTable]) {
        precondition(MemoryLayout<Principal>.size <= Layout.occupied - Layout.principal
                     && MemoryLayout<Principal>.alignment <= 8, "a principal must fit its slot")
        var sizes = [Int](repeating: 0, count: stripeCount)
        for entry in entries { sizes[stripe(entry.digest)] += 1 }
        let capacities = sizes.map(StripeTable.capacity(for:))
        let slotCount = capacities.reduce(0, +)
        let slab = SlotSlab(slotCount: slotCount)
        var tables = [StripeTable]()
        tables.reserveCapacity(stripeCount)
        var offset = 0
        for capacity in capacities {
            tables.append(StripeTable(slots: slab.mapping + offset * Layout.stride, capacity: capacity, count: 0))
            offset += capacity
        }
        var counts = [Int](repeating: 0, count: stripeCount)
        for entry in entries {
            let i = stripe(entry.digest)
            if tables[i].insert(entry.digest, entry.principal) { counts[i] += 1 }
        }
        tables = tables.indices.map { StripeTable(slots: tables[$0].slots, capacity: tables[$0].capacity, count: counts[$0]) }
        return (slab, tables)
    }

    /// Maps zeroed memory for `slotCount` slots (zero = empty slot).
    private init(slotCount: Int) {
        self.slotCount = slotCount
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
        // Fault the pages in by writing: the inserts read a slot before writing it, and a first read would
        // map the shared zero page, making every page fault twice (read, then copy-on-write).
        for page in stride(from: 0, to: byteCount, by: 4096) {
            mapping.storeBytes(of: 0, toByteOffset: page, as: UInt8.self)
        }
    }

    private static func map(_ bytes: Int) -> UnsafeMutableRawPointer {
        let raw = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let raw, raw != MAP_FAILED else { fatalError("token cache: mmap of \(bytes) bytes failed (errno \(errno))") }
        return raw
    }

    deinit {
        for index in 0..<slotCount {
            let slot = mapping + index * Layout.stride
            if slot.load(fromByteOffset: Layout.occupied, as: UInt32.self) != 0 {
                (slot + Layout.principal).assumingMemoryBound(to: Principal.self).deinitialize(count: 1)
            }
        }
        munmap(mapping, byteCount)
    }
}
