import CSystemShims
import Parsers

extension TokenStore {
    /// Serves `snapshot`, which differs from the serving set only by the ingest-token changes `delta` records
    /// (``SnapshotMirror``, already checked against the serving set), without rebuilding the whole set: the
    /// credential cache changes only in the stripes the changed credentials fall in, the new tokens share the
    /// serving generation's scopes (a scope of their own is added when none fits), and every loop gets the
    /// generation before this returns, so a removed token is refused by every loop from then on. The listing
    /// (``serving``) follows the credentials, also before this returns, patched at the changed positions.
    ///
    /// Returns false, changing nothing, when the change needs a whole install: a token with limits or in a
    /// repository with limits or a block (their limiter states are built per install), no last-use slot left
    /// for an added token, or no serving generation to patch.
    public func adoptDelta(_ snapshot: Snapshot, _ delta: IngestTokenDelta, entries: [IngestTokenEntry]) -> Bool {
        reloading.withLock { _ in
            let current = state.withLock { $0 }
            let catalog = current.generation.catalog
            guard let usage = catalog.scopes.lazy.compactMap(\.usageOwner).first, usage.count >= snapshot.ingestTokens.count else {
                return false
            }
            var extended = TokenCatalogExtension(catalog)
            var added: [(digest: TokenDigest, entry: TokenEntry)] = []
            for entry in entries {
                let token = snapshot.ingestTokens[entry.position]
                guard token.limits == nil, token.dailyBytes == nil, current.repositoryLimits[token.repository] == nil else { return false }
                let label = extended.label(token.repository, "/", token.name)
                let slot = UInt32(entry.position + 1)
                let expiry = token.expiresAt ?? .max
                let acks = token.hecAcknowledgements == true
                let scope = Self.ingestScope(&extended, token, expiresAtMillis: expiry, isPreviousSecret: false, hecAcknowledgements: acks,
                                             registry: current.registry, usage: usage)
                added.append((entry.digest, extended.entry(scope: scope, usageSlot: slot, label: label)))
                if let previous = entry.previous {
                    let overlap = min(token.previousExpiresAt ?? .min, expiry)
                    let scope = Self.ingestScope(&extended, token, expiresAtMillis: overlap, isPreviousSecret: true, hecAcknowledgements: acks,
                                                 registry: current.registry, usage: usage)
                    added.append((previous, extended.entry(scope: scope, usageSlot: slot, label: label)))
                }
            }
            if let base = usage.slots.base {
                for move in delta.usageMoves {
                    let from = base + move.from + 1
                    if let to = move.to { sluice_store_relaxed_u32(base + to + 1, sluice_load_relaxed_u32(from)) }
                    sluice_store_relaxed_u32(from, 0)
                }
            }
            let generation = TokenGeneration(scopes: extended.build(), parsers: current.generation.parsers, registry: current.registry,
                                             repositories: current.repositories)
            state.withLock { $0.generation = generation }
            // The credentials first: a request needs only them (a delta changes no repository), and the
            // listing table below is a pass over every token.
            cache.patch(removing: delta.removed, adding: added, catalog: generation.catalog)
            for observer in observers.withLock({ $0 }) { observer(generation) }
            // The listing: the serving table patched at the changed positions when it is the set the
            // changes started from, else built whole.
            let serving = current.serving.ingestTokens.count == delta.baseCount
                ? ServingSnapshot(snapshot, patching: current.serving, dirty: delta.dirty) : ServingSnapshot(snapshot)
            self.usage.adopt(usage, table: serving.ingestTokens)
            let previous = state.withLock { state in
                let previous = state.serving
                state.serving = serving
                return previous
            }
            reloadCount.add(1, ordering: .relaxed)
            logger.info("token snapshot changed in place", metadata: [
                "file": "\(file.path)", "tokens": "\(cache.count)", "added": "\(added.count)", "removed": "\(delta.removed.count)",
            ])
            _ = previous  // the previous listing table is released here, outside the state lock
            return true
        }
    }

    /// The index of the catalog's scope for an ingest token of `token`'s repository and parser with these
    /// flags and expiry, appended to the extension when none fits.
    private static func ingestScope(_ extended: inout TokenCatalogExtension, _ token: IngestToken, expiresAtMillis: Int64,
                                    isPreviousSecret: Bool, hecAcknowledgements: Bool, registry: ParserRegistry,
                                    usage: TokenUsage) -> UInt32 {
        let flags = Principal.Scope.flags(canIngest: true, isRoot: false, canReadMetrics: false, isPreviousSecret: isPreviousSecret,
                                          hecAcknowledgements: hecAcknowledgements)
        return extended.ingestScope(repository: token.repository, flags: flags, parser: token.parser, expiresAtMillis: expiresAtMillis,
                                    usage: usage) {
            Principal.Scope(kind: .ingestToken(repository: token.repository), canIngest: true,
                            parser: token.parser.flatMap { registry.pipeline(named: $0) }, isRoot: false,
                            expiresAtMillis: expiresAtMillis, isPreviousSecret: isPreviousSecret, usage: usage,
                            hecAcknowledgements: hecAcknowledgements)
        }
    }
}
