/// Whether every ingest token of a snapshot, and every rotated-out secret, passes the rules validation's
/// ordered pass checks, found on both cores: for the usual snapshot, where all pass, so the ordered pass (a
/// million lookups in two tables far larger than the caches, one after another) need not run.
///
/// Guarantees:
/// - Passes only what the ordered pass accepts: each token's rules (name, known repository and parser, its
///   limits, an acceptable secret, both or neither rotation field, a 64-digit previous digest) are the same
///   functions, and the duplicate checks are exact: each of the two threads keeps a finder for the hashes
///   with one value of the lowest bit, and equal keys (equal digests) have equal hashes, so they meet in one.
/// - Says nothing about which entry fails or why: when anything fails the ordered pass runs and refuses the
///   first violation in its words.
enum IngestTokenChecks {
    /// The rotated-out secrets' digests and their tokens (in token order) when everything passes, else nil.
    /// `knownRepositories`/`knownParsers`: whether each of the table's repositories (parsers) exists, by index.
    static func passing(_ table: IngestTokenTable, _ precomputed: IngestTokenDigests, apiDigests: [TokenDigest],
                        knownRepositories: [Bool], knownParsers: [Bool]) -> (previousDigests: [TokenDigest], previousOwners: [Int])? {
        let count = table.count
        var previousDigests = [TokenDigest](), previousOwners = [Int]()
        for i in table.rotationIndexes {
            guard let hex = table.rotation(at: i)?.sha256 else { continue }
            guard let parsed = TokenDigest(hex: hex) else { return nil }
            previousOwners.append(i)
            previousDigests.append(parsed)
        }
        let apiCount = apiDigests.count
        let entries = apiCount + count + previousDigests.count
        /// Entries are numbered as the ordered pass numbers them: API tokens, ingest tokens, rotated-out secrets.
        func digest(_ entry: Int) -> TokenDigest {
            if entry < apiCount { return apiDigests[entry] }
            if entry < apiCount + count { return precomputed.digests[entry - apiCount] }
            return previousDigests[entry - apiCount - count]
        }
        func passesRules(_ i: Int) -> Bool {
            guard Snapshot.nameProblem(table.name(at: i)) == nil, knownRepositories[table.repositoryIndex(at: i)] else { return false }
            let parser = table.parserIndex(at: i)
            guard parser == 0 || knownParsers[parser - 1] else { return false }
            if let own = table.limits(at: i), Snapshot.limitsProblem(own.limits, dailyBytes: own.dailyBytes) != nil { return false }
            guard precomputed.digest(at: i) != nil else { return false }
            switch table.rotation(at: i) ?? (nil, nil) {
            case (nil, nil), (_?, _?): return true
            case (nil, _?), (_?, nil): return false
            }
        }
        /// Whether two of the `count` entries whose hash has `share` as its lowest bit are equal.
        func hasDuplicate(_ count: Int, share: UInt64, hash: (Int) -> UInt64, isEqual: (Int, Int) -> Bool) -> Bool {
            var finder = DuplicateFinder(expected: (0..<count).count { hash($0) & 1 == share })
            for i in 0..<count {
                let found = hash(i)
                guard found & 1 == share else { continue }
                if finder.insert(hash: found, entry: i, isEqual: { isEqual($0, i) }) != nil { return true }
            }
            return false
        }
        var failed = [false, false]
        failed.withUnsafeMutableBufferPointer { failed in
            forEachChunk(count: 2, chunk: 1) { units in
                for unit in units {
                    let share = UInt64(unit)
                    let half = unit == 0 ? 0..<count / 2 : count / 2..<count
                    failed[unit] = half.contains { !passesRules($0) }
                        || hasDuplicate(count, share: share, hash: { precomputed.nameHash(at: $0) }, isEqual: { table.haveSameKey($0, $1) })
                        || hasDuplicate(entries, share: share, hash: { digest($0).w1 }, isEqual: { digest($0) == digest($1) })
                }
            }
        }
        guard !failed.contains(true) else { return nil }
        return (previousDigests, previousOwners)
    }
}
