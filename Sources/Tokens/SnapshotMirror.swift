/// A gateway's view of a snapshot kept in a key-value bucket (docs/fleet.md, "Shared snapshot"): the
/// accepted snapshot, each key's latest revision in the bucket, and the changes received but not yet applied.
/// Pure: the bucket's I/O is the caller's.
///
/// Guarantees:
/// - ``snapshot`` only ever changes to a set that passed `validate(file:)`; a change that would make it invalid
///   is refused (``settle(nowMillis:)`` returns why) and the accepted set stays.
/// - The keys one change wrote (tagged with the same batch id) are applied together, never one without the
///   others; a batch whose writer stopped half-way is applied as far as it got once it is ``staleMillis`` old.
/// - An entry no newer than the key's known revision is ignored, so the writer's own writes, and a value
///   superseded by a newer one, are not applied twice or over the newer one.
public struct SnapshotMirror: Sendable {
    public internal(set) var snapshot: Snapshot
    /// The accepted snapshot's full validation; nil once changes applied as deltas (they keep ``deltaIndex``).
    public internal(set) var index: SnapshotIndex?
    /// Names the bucket in refusals (`nats://HOST:PORT/BUCKET`).
    public let source: String
    /// Every key's latest revision seen (0: never written), for compare-and-set.
    public private(set) var revisions: [String: UInt64] = [:]
    /// Incomplete batches are applied as far as they got after this long.
    public var staleMillis: Int64 = 2000

    struct Change: Sendable {
        var key: SnapshotKey?
        var keyText: String
        var revision: UInt64
        var element: Result<SnapshotElement?, TokenError>
    }

    private var pending: [String: (firstMillis: Int64, count: Int, changes: [Change])] = [:]
    private var ready: [[Change]] = []
    /// Values this gateway seeded whose revisions arrive through its own watcher: an echo carrying the same
    /// bytes changes nothing, so it records the revision without a validation and a swap of the whole set.
    private var echoes: [String: [UInt8]] = [:]
    /// Checks and applies a change of a few ingest tokens without validating the whole set again
    /// (`SnapshotMirror+Delta.swift`); nil until a full validation built it.
    var deltaIndex: DeltaIndex?
    /// Delta changes the store has not served yet, and whether some change since needs a whole install.
    var unservedDelta: IngestTokenDelta?
    var needsFullInstall = false

    public init(source: String, snapshot: Snapshot = Snapshot()) {
        self.source = source
        self.snapshot = snapshot
    }

    /// Whether the bucket holds a snapshot (its `meta` key was seen).
    public var isSeeded: Bool { revisions[SnapshotKey.meta.text] != nil }
    public var hasUnsettled: Bool { !ready.isEmpty || !pending.isEmpty }

    /// Takes one bucket entry: `value` nil for a deletion marker.
    public mutating func receive(key keyText: String, revision: UInt64, value: [UInt8]?, nowMillis: Int64) {
        if let known = revisions[keyText], revision <= known { return }
        revisions[keyText] = revision
        if let echo = echoes.removeValue(forKey: keyText), let value, echo == value { return }
        let (change, batch) = Self.decode(key: keyText, revision: revision, value: value, source: source)
        take(change, batch: batch, nowMillis: nowMillis)
    }

    /// Takes many bucket entries, as ``receive(key:revision:value:nowMillis:)`` takes each in order, decoding
    /// their values on every core (a bucket's first read: a million keys).
    public mutating func receive(_ entries: [(key: String, revision: UInt64, value: [UInt8]?)], nowMillis: Int64) {
        var kept: [Int] = []
        kept.reserveCapacity(entries.count)
        revisions.reserveCapacity(revisions.count + entries.count)
        for (i, entry) in entries.enumerated() {
            if let known = revisions[entry.key], entry.revision <= known { continue }
            revisions[entry.key] = entry.revision
            if let echo = echoes.removeValue(forKey: entry.key), let value = entry.value, echo == value { continue }
            kept.append(i)
        }
        let source = self.source, taken = kept
        let decoded = parallelMap(count: taken.count) { j in
            Self.decode(key: entries[taken[j]].key, revision: entries[taken[j]].revision, value: entries[taken[j]].value, source: source)
        }
        ready.reserveCapacity(ready.count + decoded.count)
        for (change, batch) in decoded { take(change, batch: batch, nowMillis: nowMillis) }
    }

    /// One entry's change and the batch it belongs to (pure, so entries decode on any thread).
    private static func decode(key keyText: String, revision: UInt64, value: [UInt8]?, source: String)
        -> (Change, batch: (id: String, count: Int)?) {
        let parsed = SnapshotValue(parsing: value ?? [])
        let key = SnapshotKey(text: keyText)
        let element: Result<SnapshotElement?, TokenError>
        if let key {
            if parsed.isDeletion {
                element = .success(nil)
            } else {
                do throws(TokenError) {
                    element = .success(try SnapshotElement.decode(parsed.body, key: key, keyText: keyText, source: source))
                } catch {
                    element = .failure(error)
                }
            }
        } else {
            element = .failure(.invalidSnapshot(file: source, path: keyText, reason: "not a snapshot key"))
        }
        return (Change(key: key, keyText: keyText, revision: revision, element: element), parsed.batch)
    }

    /// Queues a received change: ready at once, or with the rest of its batch once all of it arrived.
    private mutating func take(_ change: Change, batch: (id: String, count: Int)?, nowMillis: Int64) {
        guard let batch, batch.count > 1 else {
            ready.append([change])
            return
        }
        var group = pending[batch.id] ?? (nowMillis, batch.count, [])
        group.changes.append(change)
        if group.changes.count >= group.count {
            pending[batch.id] = nil
            ready.append(group.changes)
        } else {
            pending[batch.id] = group
        }
    }

    /// `keyText`'s deletion was purged from the bucket: its revision is forgotten, so the next write of it
    /// creates it (revision 0).
    public mutating func forget(key keyText: String) {
        revisions[keyText] = nil
    }

    /// Applies what has arrived: all ready changes at once when the result is valid, else change by change,
    /// refusing those that would make the set invalid. `initial` (the first read of a bucket) orders the
    /// changes by dependency first, as the bucket's order is the order of last writes. Returns whether the
    /// accepted snapshot changed and the refusals.
    public mutating func settle(nowMillis: Int64, initial: Bool = false) -> (changed: Bool, refusals: [TokenError]) {
        for (id, group) in pending where nowMillis - group.firstMillis >= staleMillis {
            pending[id] = nil
            ready.append(group.changes)
        }
        guard !ready.isEmpty else { return (false, []) }
        var groups = ready
        ready = []
        if initial {
            // Each group's lowest rank, computed once (a first read holds a million groups).
            let ranks = groups.map { group in group.lazy.map { $0.key?.rank ?? 99 }.min() ?? 99 }
            groups = ranks.indices.sorted { (ranks[$0], $0) < (ranks[$1], $1) }.map { groups[$0] }
        }
        // Groups of a few ingest tokens apply as deltas, in order, up to the first group that needs more.
        var changed = false
        while !initial, let group = groups.first, case let (simple, nil) = parts(of: group),
              let positions = simple.isEmpty ? [] : deltaPositions(simple) {
            if !simple.isEmpty {
                applyDelta(simple, at: positions)
                changed = true
            }
            groups.removeFirst()
        }
        guard !groups.isEmpty else { return (changed, []) }
        if case let (candidate, nil) = apply(groups.joined(), to: snapshot), let validated = try? candidate.validate(file: source) {
            accept(candidate, validated)
            return (true, [])
        }
        var refusals: [TokenError] = []
        for group in groups {
            let (candidate, failure) = apply(group, to: snapshot)
            do throws(TokenError) {
                if let failure { throw failure }
                let validated = try candidate.validate(file: source)
                accept(candidate, validated)
                changed = true
            } catch {
                refusals.append(Self.naming(error, keys: group.map(\.keyText)))
            }
        }
        return (changed, refusals)
    }

    private func apply<C: Sequence<Change>>(_ changes: C, to base: Snapshot) -> (Snapshot, TokenError?) {
        let (elements, failure) = parts(of: changes)
        if let failure { return (base, failure) }
        var candidate = base
        candidate.apply(elements, uniqueKeys: true)
        return (candidate, nil)
    }

    /// The parts `changes` set, without those a newer value of their key superseded; or why one is refused.
    private func parts<C: Sequence<Change>>(of changes: C) -> ([(key: SnapshotKey, element: SnapshotElement?)], TokenError?) {
        var parts: [(key: SnapshotKey, element: SnapshotElement?)] = []
        for change in changes {
            // Superseded by a newer value of the key (applied already, or on its way).
            guard change.revision >= revisions[change.keyText] ?? 0, let key = change.key else {
                if change.key == nil, case let .failure(error) = change.element { return ([], error) }
                continue
            }
            switch change.element {
            case let .success(element): parts.append((key, element))
            case let .failure(error): return ([], error)
            }
        }
        return (parts, nil)
    }

    /// Takes a fully validated snapshot as the accepted one; the store installs it whole.
    private mutating func accept(_ candidate: Snapshot, _ validated: SnapshotIndex) {
        snapshot = candidate
        index = validated
        deltaIndex = DeltaIndex(validated)
        unservedDelta = nil
        needsFullInstall = true
    }

    /// A refusal says which keys it concerns, as the file refusal says which file.
    private static func naming(_ error: TokenError, keys: [String]) -> TokenError {
        guard case let .invalidSnapshot(file, path, reason) = error else { return error }
        let names = keys.joined(separator: ",")
        return .invalidSnapshot(file: file, path: path, reason: path.contains(names) ? reason : "\(reason) (keys \(names))")
    }

    // MARK: - Writing

    /// One key write of an edit: the value, and the revision the key must still have (0: must not exist).
    public struct Write: Sendable, Equatable {
        public var key: String
        public var value: [UInt8]
        public var expectedRevision: UInt64
    }

    /// An edit ready to be written: its result, the snapshot it makes, and the key writes.
    public struct PreparedEdit<T> {
        public var result: T
        /// The snapshot the edit makes; for an edit of one ingest token (``prepare(batchID:ingestToken:_:)``
        /// taking its delta path), the accepted set's other parts with only that token in `ingestTokens`.
        public var snapshot: Snapshot
        /// Nil when the edit is a change of a few ingest tokens, checked against the accepted set alone.
        public var index: SnapshotIndex?
        public var writes: [Write]
        var changes: [(key: SnapshotKey, element: SnapshotElement?)] = []
        /// `snapshot` holds only the edited token (the accepted set is applied `changes` when committed).
        var isFocused = false
    }

    /// Applies `body` to the accepted snapshot, validates the result and lists the writes that store it, each
    /// with the revision it expects (compare-and-set). Several writes carry one batch tag `batchID`.
    public func prepare<T>(batchID: String, _ body: (inout Snapshot) throws(TokenError) -> T) throws(TokenError) -> PreparedEdit<T> {
        var edited = snapshot
        let result = try body(&edited)
        let changes = snapshot.changes(to: edited)
        let index: SnapshotIndex?
        if deltaPositions(changes) != nil {
            index = nil
        } else {
            index = try edited.validate(file: source)
        }
        return PreparedEdit(result: result, snapshot: edited, index: index, writes: writes(changes, batchID: batchID), changes: changes)
    }

    /// As ``prepare(batchID:_:)`` for an edit that changes at most the ingest token `key` (add, delete or
    /// update it): `body` runs on the accepted set's other parts with only that token (or none) in
    /// `ingestTokens`, so the million-token list is neither copied nor compared; the change is checked
    /// against the whole set as a received delta is. An edit that changes anything else, or that the delta
    /// check does not accept (a refusal, a duplicate secret), runs again through ``prepare(batchID:_:)``,
    /// which validates the whole result and words the refusal as before.
    public func prepare<T>(batchID: String, ingestToken key: TokenKey,
                           _ body: (inout Snapshot) throws(TokenError) -> T) throws(TokenError) -> PreparedEdit<T> {
        var focus = snapshot
        focus.ingestTokens = []
        if let position = ingestPositions(of: [(key.repository, key.name)])[0] { focus.ingestTokens.append(snapshot.ingestTokens[position]) }
        var edited = focus
        let result = try body(&edited)
        let changes = focus.changes(to: edited)
        let onlyTheToken = changes.allSatisfy { change in
            if case let .ingestToken(repository, name) = change.key { repository == key.repository && name == key.name } else { false }
        }
        guard onlyTheToken, changes.isEmpty || deltaPositions(changes) != nil else { return try prepare(batchID: batchID, body) }
        return PreparedEdit(result: result, snapshot: edited, index: nil, writes: writes(changes, batchID: batchID), changes: changes,
                            isFocused: true)
    }

    /// The key writes of `changes`, each expecting the key's known revision; several carry one batch tag.
    private func writes(_ changes: [(key: SnapshotKey, element: SnapshotElement?)], batchID: String) -> [Write] {
        changes.map { change in
            let body = change.element?.encoded() ?? []
            let value = SnapshotValue(batch: changes.count > 1 ? (batchID, changes.count) : nil, body: body[...])
            return Write(key: change.key.text, value: value.bytes, expectedRevision: revisions[change.key.text] ?? 0)
        }
    }

    /// Records that every write of `edit` was stored at `revisions` (in order): the edit serves at once.
    public mutating func committed<T>(_ edit: PreparedEdit<T>, revisions written: [UInt64]) {
        for (write, revision) in zip(edit.writes, written) where revision > revisions[write.key] ?? 0 {
            revisions[write.key] = revision
        }
        if edit.isFocused && edit.changes.isEmpty {
            return  // the edit changed nothing
        } else if edit.index == nil, let positions = deltaPositions(edit.changes) {
            applyDelta(edit.changes, at: positions)
        } else if edit.isFocused {
            var candidate = snapshot
            candidate.apply(edit.changes, uniqueKeys: true)
            if let index = try? candidate.validate(file: source) { accept(candidate, index) }
        } else if let index = edit.index ?? (try? edit.snapshot.validate(file: source)) {
            accept(edit.snapshot, index)
        }
    }

    /// Records that this gateway seeded the bucket with `snapshot`: `writes` were stored at `revisions`, and
    /// `echoed` were published without waiting for their revisions, which the watcher brings.
    public mutating func seeded(_ snapshot: Snapshot, index: SnapshotIndex, writes: [Write], revisions written: [UInt64],
                                echoed: some Sequence<Write> = []) {
        for (write, revision) in zip(writes, written) where revision > revisions[write.key] ?? 0 { revisions[write.key] = revision }
        for write in echoed { echoes[write.key] = write.value }
        accept(snapshot, index)
    }

    /// The writes that store `snapshot` in an empty bucket, meta first (it marks the bucket as seeded).
    public static func seedWrites(_ snapshot: Snapshot) -> [Write] {
        snapshot.elements.map { Write(key: $0.key.text, value: $0.encoded(), expectedRevision: 0) }
    }
}
