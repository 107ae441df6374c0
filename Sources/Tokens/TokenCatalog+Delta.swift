/// The catalog of a delta (``TokenStore/adoptDelta(_:_:entries:)``): the serving catalog with scopes and
/// labels appended and nothing changed or removed, under the same stamp. Every entry of the base stays
/// valid in the extension, so only the table stripes a change touches are rebuilt; an entry that points past
/// an older catalog of the lineage (a new token) does not resolve there (``TokenCatalog/holds(_:)``).
struct TokenCatalogExtension {
    let base: TokenCatalog
    private var scopes: [Principal.Scope] = []
    private var labels: [UInt8] = []

    init(_ base: TokenCatalog) {
        self.base = base
    }

    /// The index of a scope equal to an ingest token's with these properties: the base's or one already
    /// appended, else `make()`'s, appended. The base is searched from its end: a delta's tokens usually share
    /// the scope of their repository's other tokens.
    mutating func ingestScope(repository: String, flags: Principal.Scope.Flags, parser: String?, expiresAtMillis: Int64,
                              usage: TokenUsage, make: () -> Principal.Scope) -> UInt32 {
        func fits(_ scope: Principal.Scope) -> Bool {
            scope.tag == .ingest && scope.flags == flags && scope.name == repository && scope.limits == nil
                && scope.expiresAtMillis == expiresAtMillis && scope.parser?.name == parser && scope.usageOwner === usage
        }
        if let found = scopes.lastIndex(where: fits) { return UInt32(base.scopes.count + found) }
        if let found = base.scopes.lastIndex(where: fits) { return UInt32(found) }
        scopes.append(make())
        return UInt32(base.scopes.count + scopes.count - 1)
    }

    /// Appends a label made of `first`, `second` and `third` (UTF-8); its offset in the extended catalog and length.
    mutating func label(_ first: String, _ second: String, _ third: String = "") -> (offset: UInt32, length: UInt32) {
        let start = base.labels.count + labels.count
        labels.append(contentsOf: first.utf8)
        labels.append(contentsOf: second.utf8)
        labels.append(contentsOf: third.utf8)
        precondition(base.labels.count + labels.count <= Int(UInt32.max), "token labels must fit 32-bit offsets")
        return (UInt32(start), UInt32(base.labels.count + labels.count - start))
    }

    func entry(scope: UInt32, usageSlot: UInt32, label: (offset: UInt32, length: UInt32)) -> TokenEntry {
        TokenEntry(generation: base.stamp, scope: scope, usageSlot: usageSlot, labelOffset: label.offset, labelLength: label.length)
    }

    /// The extended catalog (the base itself when nothing was appended).
    func build() -> TokenCatalog {
        guard !scopes.isEmpty || !labels.isEmpty else { return base }
        return TokenCatalog(stamp: base.stamp, scopes: base.scopes + scopes, labels: base.labels + labels)
    }
}
