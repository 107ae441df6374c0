import Synchronization

/// One credential's row in the token table: plain values and indexes into its generation's
/// ``TokenCatalog`` (which scope, which last-use slot, where its label's bytes are), and no object reference,
/// so storing, copying and freeing a million of them touches no reference count. Whoever serves the
/// credential resolves it into a ``Principal``: an event loop with its own scopes (``LoopScopes``), any other
/// caller with the catalog's (``TokenCatalog/principal(for:)``).
struct TokenEntry: Sendable, Equatable {
    /// The ``TokenCatalog/stamp`` of the catalog the indexes point into (0: none).
    let generation: UInt32
    /// The position of the token's scope in its catalog's ``TokenCatalog/scopes``.
    let scope: UInt32
    /// The token's last-use slot in its generation's ``TokenUsage`` (0, a slot never read, for API tokens).
    let usageSlot: UInt32
    /// Where the token's metric label lies in its catalog's ``TokenCatalog/labels``.
    let labelOffset: UInt32
    let labelLength: UInt32

    init(generation: UInt32, scope: UInt32, usageSlot: UInt32, labelOffset: UInt32, labelLength: UInt32) {
        self.generation = generation
        self.scope = scope
        self.usageSlot = usageSlot
        self.labelOffset = labelOffset
        self.labelLength = labelLength
    }

    /// The entry of a principal built directly, outside any catalog: no catalog resolves it.
    init(unresolvedWithUsageSlot usageSlot: UInt32) {
        self.init(generation: 0, scope: 0, usageSlot: usageSlot, labelOffset: 0, labelLength: 0)
    }
}

/// What a generation's ``TokenEntry`` indexes point into: its distinct scopes and every token's label, the
/// labels back to back in one byte array. Immutable and shared; event loops compile their own scopes from
/// it (``LoopScopes``) and read the labels in place.
///
/// Guarantees: ``stamp`` differs between any two catalogs of one process except a catalog and its
/// append-only extensions (`TokenCatalog+Delta.swift`), whose shared scopes and labels are the same; so an
/// entry is resolved only by the catalog it was built with or one extending it (or a loop's scopes compiled
/// from one), never by an older catalog its indexes point past (``holds(_:)``).
public final class TokenCatalog: Sendable {
    private static let stamps = Atomic<UInt32>(0)

    let stamp: UInt32
    /// The distinct scopes, each at the index its entries name.
    let scopes: [Principal.Scope]
    /// Every entry's metric label as UTF-8, back to back.
    let labels: [UInt8]

    /// A stamp no other catalog has.
    static func newStamp() -> UInt32 {
        stamps.add(1, ordering: .relaxed).newValue
    }

    init(stamp: UInt32, scopes: [Principal.Scope], labels: [UInt8]) {
        self.stamp = stamp
        self.scopes = scopes
        self.labels = labels
    }

    /// The principal `entry` names, with this catalog's shared scope; nil when `entry` is of another catalog.
    func principal(for entry: TokenEntry) -> Principal? {
        guard holds(entry) else { return nil }
        return Principal(scope: scopes[Int(entry.scope)], catalog: self, entry: entry)
    }

    /// Whether `entry` is of this catalog: of its lineage (stamp), and its scope and label within it.
    @inline(__always)
    func holds(_ entry: TokenEntry) -> Bool {
        entry.generation == stamp && Int(entry.scope) < scopes.count
            && Int(entry.labelOffset) + Int(entry.labelLength) <= labels.count
    }

    /// The label of an entry of this catalog, as a `String` of its own.
    func label(of entry: TokenEntry) -> String {
        labels.withUnsafeBufferPointer { bytes in
            String(decoding: UnsafeBufferPointer(rebasing: bytes[Int(entry.labelOffset)..<Int(entry.labelOffset + entry.labelLength)]),
                   as: UTF8.self)
        }
    }
}

/// Builds a ``TokenCatalog`` and its entries: scopes are added once each, labels appended as they come.
struct TokenCatalogBuilder {
    /// The stamp of the catalog being built, for its entries.
    let stamp = TokenCatalog.newStamp()
    private(set) var scopes: [Principal.Scope] = []
    private var labels: [UInt8] = []

    init(labelBytes: Int = 0) {
        labels.reserveCapacity(labelBytes)
    }

    /// Adds `scope`; returns its index.
    mutating func add(_ scope: Principal.Scope) -> UInt32 {
        scopes.append(scope)
        return UInt32(scopes.count - 1)
    }

    /// Appends a label made of `first`, `second` and `third` (UTF-8) and returns its offset and length.
    mutating func label(_ first: String, _ second: String, _ third: String = "") -> (offset: UInt32, length: UInt32) {
        let start = labels.count
        labels.append(contentsOf: first.utf8)
        labels.append(contentsOf: second.utf8)
        labels.append(contentsOf: third.utf8)
        precondition(labels.count <= Int(UInt32.max), "token labels must fit 32-bit offsets")
        return (UInt32(start), UInt32(labels.count - start))
    }

    /// The entry of a token of scope `scope` (an index ``add(_:)`` returned) labelled `label`.
    func entry(scope: UInt32, usageSlot: UInt32, label: (offset: UInt32, length: UInt32)) -> TokenEntry {
        TokenEntry(generation: stamp, scope: scope, usageSlot: usageSlot, labelOffset: label.offset, labelLength: label.length)
    }

    func build() -> TokenCatalog {
        TokenCatalog(stamp: stamp, scopes: scopes, labels: labels)
    }
}
