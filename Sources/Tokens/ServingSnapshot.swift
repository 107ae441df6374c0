/// The snapshot a `TokenStore` is serving, as the store keeps it: everything but the ingest tokens as a
/// plain `Snapshot` (`catalog`, whose `ingestTokens` is empty), and the ingest tokens in the compact
/// `IngestTokenTable`. Both parts come from the same validated generation.
public struct ServingSnapshot: Sendable {
    /// Organizations, repositories, users, API tokens, parsers and features of the serving snapshot; its
    /// `ingestTokens` is empty (they are in `ingestTokens`). Enough for every permission question.
    public let catalog: Snapshot
    public let ingestTokens: IngestTokenTable

    /// Splits a validated snapshot; `index` (what validating it computed) holds its ingest tokens compactly
    /// already (then `snapshot.ingestTokens` is not read: it may be empty, as ``SnapshotFile/loadServing()``
    /// leaves it).
    init(_ snapshot: Snapshot, index: SnapshotIndex? = nil) {
        var catalog = snapshot
        catalog.ingestTokens = []
        self.catalog = catalog
        ingestTokens = index?.ingestTable ?? IngestTokenTable(snapshot.ingestTokens)
    }

    /// `snapshot` (which differs from `previous`'s set only at `dirty` and past its end, as a delta leaves
    /// it) with `previous`'s table patched at those positions rather than built again.
    init(_ snapshot: Snapshot, patching previous: ServingSnapshot, dirty: Set<Int>) {
        var catalog = snapshot
        catalog.ingestTokens = []
        self.catalog = catalog
        let tokens = snapshot.ingestTokens
        ingestTokens = previous.ingestTokens.patched(count: tokens.count, setting: dirty.map { ($0, tokens[$0]) })
            ?? IngestTokenTable(tokens)
    }

    /// The ingest tokens of `repository`, in snapshot order.
    public func ingestTokens(in repository: String) -> [IngestToken] {
        ingestTokens.tokens(in: repository)
    }

    /// The whole snapshot, rebuilt (O(tokens): for listings and tests, not per request).
    public var snapshot: Snapshot {
        var full = catalog
        full.ingestTokens = ingestTokens.tokens
        return full
    }
}
