import Synchronization

/// The credential cache every event loop authenticates through: a hash map keyed by the SHA-256 of the
/// credential, split into 256 stripes by the digest's leading byte, each stripe a `Mutex` over an
/// open-addressing `StripeTable`. A generation's tables all live in one `SlotSlab` (one mapping, huge
/// pages, a cache line per slot).
///
/// Guarantees:
/// - The table stores plain values (``TokenEntry``: indexes into the generation's ``TokenCatalog``), never
///   an object reference. A lookup hashes the credential on the stack, takes one stripe lock, probes a table at most two
///   thirds full and copies out the entry (`entry(digest:)`): no allocation, no reference count touched, and the same probe
///   count at 10 or 1 000 000 tokens. The probe reads a pair of slots (cache lines) at a time. An event loop
///   resolves the entry with its own scopes (``LoopScopes``); `lookup` resolves it with the catalog's
///   shared ones, under the same stripe lock.
/// - Reload atomicity: `replace(with:)` builds every stripe's new table first, then swaps the stripes one
///   by one, each under its lock. A lookup reads exactly one stripe under that stripe's lock, so it sees
///   that stripe wholly old or wholly new, and the entry it returns names its generation (the catalog's
///   stamp), so a request — which authenticates once — sees the old set or the new set, never a mixture. A lookup that starts after `replace` returns sees only the new set,
///   so a removed token fails from the next request on. Concurrent `replace` calls are serialised so two
///   generations never interleave their stripes. Ingest waits at most for one pointer swap per stripe.
///   The previous generation's slab is freed only after every stripe has been swapped (each under its
///   lock), so no lookup can be reading it.
public final class TokenCache: Sendable {
    static let stripeCount = 256

    final class Stripe: Sendable {
        let table = Mutex(StripeTable.empty)
        /// Keeps neighbouring stripes' locks off one cache line (both cores lock stripes all the time).
        private let padding: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    }

    let stripes: [Stripe]
    /// Held while replacing; holds the serving generation's slab (the stripes point into it).
    let replacing = Mutex<SlotSlab?>(nil)
    let storedCount = Atomic<Int>(0)
    /// The slabs of stripes rebuilt since the last whole replace (`TokenCache+Delta.swift`), by stripe.
    let patchSlabs = Mutex<[Int: SlotSlab]>([:])

    public init() {
        stripes = (0..<Self.stripeCount).map { _ in Stripe() }
    }

    public convenience init(_ set: TokenSet) {
        self.init()
        replace(with: set)
    }

    /// The principal for the credential bytes (the token as sent, without `Bearer `), or nil when unknown.
    public func lookup(_ credential: UnsafeRawBufferPointer) -> Principal? {
        lookup(digest: TokenDigest(hashing: credential))
    }

    /// The principal stored under a digest computed elsewhere, with its generation's shared scope.
    public func lookup(digest: TokenDigest) -> Principal? {
        stripes[digest.leadingByte].table.withLock { table in
            table.find(digest).flatMap { table.catalog?.principal(for: $0) }
        }
    }

    /// The entry stored under `digest`, for a caller that resolves it with scopes of its own (``LoopScopes``).
    func entry(digest: TokenDigest) -> TokenEntry? {
        stripes[digest.leadingByte].table.withLock { table in table.find(digest) }
    }

    /// Replaces the whole set; see the type's comment for what a concurrent lookup can observe.
    public func replace(with set: TokenSet) {
        let (slab, tables) = SlotSlab.build(set.rows, catalog: set.catalog, stripeCount: Self.stripeCount) { $0.leadingByte }
        let total = tables.reduce(0) { $0 + $1.count }

        let previous = replacing.withLock { serving -> SlotSlab? in
            for (stripe, table) in zip(stripes, tables) {
                stripe.table.withLock { current in current = table }
            }
            storedCount.store(total, ordering: .releasing)
            patchSlabs.withLock { $0.removeAll() }
            let previous = serving
            serving = slab
            return previous
        }
        // No stripe points into the previous slab any more: it is freed here, outside every lock.
        withExtendedLifetime(previous) {}
    }

    /// The number of credentials in the current set.
    public var count: Int { storedCount.load(ordering: .acquiring) }
}
