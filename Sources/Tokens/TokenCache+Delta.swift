extension TokenCache {
    /// Takes the credentials `removed` out of the set and puts `added` (entries of `catalog`, which extends
    /// the catalogs of every entry already stored) in, rebuilding only the stripes they fall in: each such
    /// stripe gets a new table in a slab of its own, swapped in under the stripe's lock, so a lookup sees that
    /// stripe wholly before or wholly after the change, and a removed credential fails from the next lookup
    /// after this returns. Removals go first, so a digest in both ends up added. Serialised with
    /// `replace(with:)`; the stripe's previous patch slab is freed only after the swap.
    func patch(removing removed: [TokenDigest], adding added: [(digest: TokenDigest, entry: TokenEntry)], catalog: TokenCatalog) {
        var touched = Set(removed.map(\.leadingByte))
        for row in added { touched.insert(row.digest.leadingByte) }
        let leaving = Set(removed)
        var released: [SlotSlab] = []
        replacing.withLock { _ in
            var total = storedCount.load(ordering: .acquiring)
            for index in touched.sorted() {
                let stripe = stripes[index]
                // Tables change only under `replacing`, which this holds: the slots stay valid while read.
                let current = stripe.table.withLock { $0 }
                var rows: [(digest: TokenDigest, entry: TokenEntry)] = []
                rows.reserveCapacity(current.count + added.count)
                current.forEachEntry { digest, entry in
                    if !leaving.contains(digest) { rows.append((digest, entry)) }
                }
                for row in added where row.digest.leadingByte == index { rows.append(row) }
                let (slab, tables) = SlotSlab.build(rows, catalog: catalog, stripeCount: 1) { _ in 0 }
                stripe.table.withLock { $0 = tables[0] }
                total += tables[0].count - current.count
                if let previous = patchSlabs.withLock({ $0.updateValue(slab, forKey: index) }) { released.append(previous) }
            }
            storedCount.store(total, ordering: .releasing)
        }
        // No stripe points into the released slabs any more: they are freed here, outside every lock.
        withExtendedLifetime(released) {}
    }
}

extension StripeTable {
    /// Calls `body` with every stored digest and entry (building only).
    func forEachEntry(_ body: (TokenDigest, TokenEntry) -> Void) {
        guard let slots else { return }
        for index in 0..<capacity {
            let slot = slots + index * SlotSlab.Layout.stride
            guard slot.load(fromByteOffset: SlotSlab.Layout.occupied, as: UInt32.self) != 0 else { continue }
            let digest = TokenDigest(w0: slot.load(fromByteOffset: 0, as: UInt64.self), w1: slot.load(fromByteOffset: 8, as: UInt64.self),
                                     w2: slot.load(fromByteOffset: 16, as: UInt64.self), w3: slot.load(fromByteOffset: 24, as: UInt64.self))
            body(digest, slot.load(fromByteOffset: SlotSlab.Layout.entry, as: TokenEntry.self))
        }
    }
}
