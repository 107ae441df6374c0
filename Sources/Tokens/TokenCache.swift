import Synchronization

/// The credential cache every event loop authenticates through: a hash map keyed by the SHA-256 of the
/// credential, split into 256 stripes by the digest's leading byte, each stripe a `Mutex` over an
/// open-addressing `StripeTable`.
///
/// Guarantees:
/// - `lookup` hashes on the stack, takes one stripe lock, probes a table at most two thirds full, and copies out
///   the principal (one retain, two for a label over 15 bytes): no `String` built, no allocation, and the
///   same probe count at 10 or 1 000 000 tokens.
/// - Reload atomicity: `replace(with:)` builds every stripe's new table first, then swaps the stripes one
///   by one, each under its lock. A lookup reads exactly one stripe under that stripe's lock, so it sees
///   that stripe wholly old or wholly new, and the `Principal` it returns is self-contained (its parser
///   was compiled with the same snapshot), so a request — which authenticates once — sees the old set or
///   the new set, never a mixture. A lookup that starts after `replace` returns sees only the new set,
///   so a removed token fails from the next request on. Concurrent `replace` calls are serialised so two
///   generations never interleave their stripes. Ingest waits at most for one pointer swap per stripe.
public final class TokenCache: Sendable {
    static let stripeCount = 256

    private final class Stripe: Sendable {
        let table = Mutex(StripeTable.empty)
        /// Keeps neighbouring stripes' locks off one cache line (both cores lock stripes all the time).
        private let padding: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    }

    private let stripes: [Stripe]
    private let replacing = Mutex(())
    private let storedCount = Atomic<Int>(0)
    private let replacements = Atomic<UInt64>(0)

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

    /// The principal stored under a digest computed elsewhere.
    public func lookup(digest: TokenDigest) -> Principal? {
        stripes[digest.leadingByte].table.withLock { table in table.find(digest) }
    }

    /// Replaces the whole set; see the type's comment for what a concurrent lookup can observe.
    public func replace(with set: TokenSet) {
        var buckets = [[(digest: TokenDigest, principal: Principal)]](repeating: [], count: Self.stripeCount)
        let expected = set.entries.count / Self.stripeCount + 16
        for i in buckets.indices { buckets[i].reserveCapacity(expected) }
        for entry in set.entries { buckets[entry.digest.leadingByte].append(entry) }
        var tables = buckets.map { StripeTable(entries: $0) }
        buckets = []
        let total = tables.reduce(0) { $0 + $1.count }

        replacing.withLock { _ in
            for (stripe, i) in zip(stripes, tables.indices) {
                var incoming = tables[i]
                tables[i] = .empty
                stripe.table.withLock { current in swap(&current, &incoming) }
                // `incoming` now holds the old table; it is released here, outside the stripe lock.
            }
            storedCount.store(total, ordering: .releasing)
            replacements.add(1, ordering: .releasing)
        }
    }

    /// Changes after every ``replace(with:)`` has swapped in its set (never before), so a result
    /// remembered under one generation is still what a lookup returns while the generation is unchanged.
    public var generation: UInt64 { replacements.load(ordering: .acquiring) }

    /// The number of credentials in the current set.
    public var count: Int { storedCount.load(ordering: .acquiring) }
}
