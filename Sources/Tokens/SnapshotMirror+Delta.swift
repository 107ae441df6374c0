import Parsers

/// What a mirror keeps beside its accepted snapshot to check a change of a few ingest tokens against it
/// without validating the whole set again: every credential's digest (the ingest tokens' in list order), each
/// ingest token's name hash (to find a token without reading the list of a million) and the compiled parsers. Built from the ``SnapshotIndex`` a full validation produced, then kept up to date by
/// each change applied as a delta.
struct DeltaIndex: Sendable {
    let registry: ParserRegistry
    var apiDigests: [TokenDigest]
    /// Parallel to the snapshot's `ingestTokens`.
    var ingestDigests: [TokenDigest]
    /// Parallel to the snapshot's `ingestTokens`: `DuplicateFinder.hash(repository, name)`.
    var ingestNameHashes: [UInt64]
    /// Rotated-out secrets by the position of their ingest token.
    var previousDigests: [Int: TokenDigest]

    init(_ index: SnapshotIndex) {
        registry = index.registry
        apiDigests = Array(index.apiDigests)
        ingestDigests = Array(index.ingestDigests)
        ingestNameHashes = index.ingestNameHashList
        previousDigests = Dictionary(index.previousDigests.map { ($0, $1) }, uniquingKeysWith: { first, _ in first })
    }

    /// Whether any credential of the set is `digest`: one pass over 32-byte words, with no hashing or
    /// allocation, so it stays a few milliseconds at a million tokens.
    func contains(_ digest: TokenDigest) -> Bool {
        for candidate in ingestDigests where candidate.w1 == digest.w1 && candidate == digest { return true }
        for candidate in apiDigests where candidate == digest { return true }
        return previousDigests.values.contains(digest)
    }

    /// The credentials of the ingest token at `position`.
    func digests(at position: Int) -> [TokenDigest] {
        [ingestDigests[position]] + (previousDigests[position].map { [$0] } ?? [])
    }
}

/// The ingest-token changes a mirror applied as deltas and the token store has not yet served
/// (``TokenStore/adoptDelta(_:_:)``): credentials that leave the cache, and the positions whose token
/// (in the mirror's snapshot) enters it.
///
/// Removals are served before additions, so a digest that left one token and came to another (or came back
/// to a token that moved) ends up with the token holding it now.
public struct IngestTokenDelta: Sendable {
    /// Digests that leave the credential cache (deleted or changed tokens, and tokens that moved).
    public internal(set) var removed: [TokenDigest] = []
    /// Positions (in the snapshot's `ingestTokens`) whose token is (re)entered in the cache.
    public internal(set) var dirty: Set<Int> = []
    /// Last-use slots to carry along when a deletion moves the last token into the gap: `to` nil clears
    /// `from`; positions, not slots.
    public internal(set) var usageMoves: [(from: Int, to: Int?)] = []
    /// How many ingest tokens the set held before the first of these changes: the serving listing is patched
    /// only when it still holds that many (it is the set these changes started from).
    public internal(set) var baseCount = 0

    /// Whether a credential may have left the set (so every loop must forget what it remembers).
    public var removesCredentials: Bool { !removed.isEmpty }
}

/// One ingest token entering the cache: its position in the snapshot and its credentials.
public struct IngestTokenEntry: Sendable {
    public let position: Int
    public let digest: TokenDigest
    public let previous: TokenDigest?
}

extension SnapshotMirror {
    /// The largest group applied as a delta; larger ones take the full validation (each change costs a
    /// pass over the set's names).
    static let maxDeltaChanges = 8

    /// Where each ingest-token change of `changes` stands now (its position, nil when new) when every one is
    /// an ingest token and the result is provably valid: names, repository, parser, limits and secret well
    /// formed, and no new secret already held by another credential. Nil when it is not such a change or
    /// when any check fails, so the full validation decides (and words a refusal) instead.
    func deltaPositions(_ changes: [(key: SnapshotKey, element: SnapshotElement?)]) -> [Int?]? {
        guard let deltaIndex, !changes.isEmpty, changes.count <= Self.maxDeltaChanges else { return nil }
        var keys: [(repository: String, name: String)] = []
        for change in changes {
            guard case let .ingestToken(repository, name) = change.key else { return nil }
            if let element = change.element {
                guard case let .ingestToken(token) = element, token.repository == repository, token.name == name else { return nil }
            }
            guard !keys.contains(where: { $0.repository == repository && $0.name == name }) else { return nil }
            keys.append((repository, name))
        }
        let positions = ingestPositions(of: keys)
        var leaving: [TokenDigest] = []
        for position in positions.compactMap({ $0 }) { leaving += deltaIndex.digests(at: position) }
        var arriving: [TokenDigest] = []
        for change in changes {
            guard case let .ingestToken(token)? = change.element else { continue }
            guard let digests = Self.deltaDigests(token, registry: deltaIndex.registry, repositories: snapshot.repositories) else {
                return nil
            }
            arriving += digests
        }
        for (i, digest) in arriving.enumerated() {
            if arriving[..<i].contains(digest) { return nil }
            if !leaving.contains(digest) && deltaIndex.contains(digest) { return nil }
        }
        return positions
    }

    /// The positions of the ingest tokens named by `keys` (nil: not in the set): one pass over the delta
    /// index's name hashes (8 bytes a token) reading a token only where its hash matches, or without the
    /// delta index one pass over the list.
    func ingestPositions(of keys: [(repository: String, name: String)]) -> [Int?] {
        var found = [Int?](repeating: nil, count: keys.count)
        var missing = keys.count
        let tokens = snapshot.ingestTokens
        if let hashes = deltaIndex?.ingestNameHashes, hashes.count == tokens.count {
            let wanted = keys.map { DuplicateFinder.hash($0.repository, $0.name) }
            hashes.withUnsafeBufferPointer { hashes in
                for position in hashes.indices where missing > 0 && wanted.contains(hashes[position]) {
                    for (k, key) in keys.enumerated() where found[k] == nil && wanted[k] == hashes[position]
                        && key.name == tokens[position].name && key.repository == tokens[position].repository {
                        found[k] = position
                        missing -= 1
                    }
                }
            }
            return found
        }
        for position in tokens.indices where missing > 0 {
            let name = tokens[position].name
            for (k, key) in keys.enumerated() where found[k] == nil && key.name == name && key.repository == tokens[position].repository {
                found[k] = position
                missing -= 1
            }
        }
        return found
    }

    /// The credentials of `token` (its secret's digest, then a rotated-out secret's) when it passes every
    /// rule validation applies to an ingest token on its own; nil otherwise.
    static func deltaDigests(_ token: IngestToken, registry: ParserRegistry, repositories: [Repository]) -> [TokenDigest]? {
        guard Snapshot.nameProblem(token.name) == nil, repositories.contains(where: { $0.name == token.repository }) else { return nil }
        if let parser = token.parser, registry.pipeline(named: parser) == nil { return nil }
        if token.limits != nil || token.dailyBytes != nil, Snapshot.limitsProblem(token.limits, dailyBytes: token.dailyBytes) != nil {
            return nil
        }
        var digests: [TokenDigest] = []
        switch (token.token, token.tokenSha256) {
        case let (value?, nil):
            let problem = token.custom == true ? Snapshot.customTokenProblem(value) : Snapshot.generatedTokenProblem(value)
            guard problem == nil else { return nil }
            digests.append(TokenDigest(hashing: value))
        case let (nil, hex?):
            guard let digest = TokenDigest(hex: hex) else { return nil }
            digests.append(digest)
        default: return nil
        }
        switch (token.previousTokenSha256, token.previousExpiresAt) {
        case (nil, nil): break
        case let (hex?, _?):
            guard let digest = TokenDigest(hex: hex) else { return nil }
            digests.append(digest)
        default: return nil
        }
        return digests
    }

    /// Applies ingest-token changes that ``deltaPositions(_:)`` accepted (at the positions it returned) to the
    /// accepted snapshot in place and records them for the store. A deletion moves the last token into the
    /// gap, so no other token changes position.
    mutating func applyDelta(_ changes: [(key: SnapshotKey, element: SnapshotElement?)], at found: [Int?]) {
        guard var deltaIndex else { return }
        self.deltaIndex = nil  // keeps its arrays uniquely referenced while they change
        var positions = found
        var delta = unservedDelta ?? IngestTokenDelta(baseCount: snapshot.ingestTokens.count)
        for (i, change) in changes.enumerated() {
            let position = positions[i]
            if case let .ingestToken(token)? = change.element {
                let digests = Self.deltaDigests(token, registry: deltaIndex.registry, repositories: snapshot.repositories)!
                let target: Int
                if let position {
                    delta.removed += deltaIndex.digests(at: position)
                    snapshot.ingestTokens[position] = token
                    deltaIndex.ingestDigests[position] = digests[0]
                    deltaIndex.ingestNameHashes[position] = DuplicateFinder.hash(token.repository, token.name)
                    target = position
                } else {
                    target = snapshot.ingestTokens.count
                    snapshot.ingestTokens.append(token)
                    deltaIndex.ingestDigests.append(digests[0])
                    deltaIndex.ingestNameHashes.append(DuplicateFinder.hash(token.repository, token.name))
                }
                deltaIndex.previousDigests[target] = digests.count > 1 ? digests[1] : nil
                delta.dirty.insert(target)
            } else if let position {
                delta.removed += deltaIndex.digests(at: position)
                let last = snapshot.ingestTokens.count - 1
                if position != last {
                    delta.removed += deltaIndex.digests(at: last)
                    snapshot.ingestTokens.swapAt(position, last)
                    deltaIndex.ingestDigests.swapAt(position, last)
                    deltaIndex.ingestNameHashes.swapAt(position, last)
                    deltaIndex.previousDigests[position] = deltaIndex.previousDigests[last]
                    delta.dirty.insert(position)
                    delta.usageMoves.append((last, position))
                    for j in positions.indices where positions[j] == last { positions[j] = position }
                } else {
                    delta.usageMoves.append((last, nil))
                }
                deltaIndex.previousDigests[last] = nil
                snapshot.ingestTokens.removeLast()
                deltaIndex.ingestDigests.removeLast()
                deltaIndex.ingestNameHashes.removeLast()
                delta.dirty.remove(last)
            }
        }
        self.deltaIndex = deltaIndex
        unservedDelta = delta
        index = nil
    }

    /// The ingest tokens entering the cache for `delta`, read from the accepted snapshot as it stands.
    public func entries(for delta: IngestTokenDelta) -> [IngestTokenEntry]? {
        guard let deltaIndex else { return nil }
        return delta.dirty.sorted().compactMap { position in
            guard position < deltaIndex.ingestDigests.count else { return nil }
            return IngestTokenEntry(position: position, digest: deltaIndex.ingestDigests[position],
                                    previous: deltaIndex.previousDigests[position])
        }
    }

    /// The changes applied as deltas since the last call; nil when the store must install the whole
    /// snapshot (some change took the full validation, or nothing changed since).
    public mutating func takeDelta() -> IngestTokenDelta? {
        defer {
            unservedDelta = nil
            needsFullInstall = false
        }
        return needsFullInstall ? nil : unservedDelta
    }
}
