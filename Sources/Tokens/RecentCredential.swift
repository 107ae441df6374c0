/// One event loop's memory of the last credential it looked up: shippers send request after request
/// with the same token, and comparing the bytes costs far less than hashing them and probing the cache.
///
/// Guarantees: ``lend(_:in:scopes:)`` and ``lookup(_:in:scopes:)`` return what `cache.lookup` returns for the same bytes (as the loop's
/// own principal, ``LoopScopes``) until ``forget()``; the loop forgets when it installs the view of a reload,
/// and a reload returns only once every loop has, so a removed token fails from the next request on. The
/// stored bytes are compared in constant time (only the length shows).
/// Not thread-safe: one per loop.
public struct RecentCredential {
    /// Longer credentials are looked up every time rather than remembered.
    static let maxRemembered = 256

    private var bytes: [UInt8] = []
    /// What the last lookup found, owned here for as long as it is lent out (``BorrowedPrincipal``).
    public private(set) var lentPrincipal: Principal?
    private var lent: BorrowedPrincipal?
    /// Whether ``lentPrincipal``'s label has been read out of the catalog (so a hit copies no principal to ask).
    private var lentLabelRead = false
    private var remembered = false

    public init() {
        bytes.reserveCapacity(Self.maxRemembered)
    }

    /// The principal for `credential`, remembered as `cache` answers it (for callers without a loop view).
    public mutating func lookup(_ credential: UnsafeRawBufferPointer, in cache: TokenCache) -> Principal? {
        lookup(credential, in: cache, scopes: LoopScopes())
    }

    /// The principal for `credential`, as ``lend(_:in:scopes:)`` finds it, as a value of its own.
    public mutating func lookup(_ credential: UnsafeRawBufferPointer, in cache: TokenCache, scopes: LoopScopes) -> Principal? {
        guard lend(credential, in: cache, scopes: scopes) != nil else { return nil }
        return lentPrincipal
    }

    /// The principal for `credential`, remembered as the loop's own (``LoopScopes/principal(for:)``), lent out
    /// until the next lookup or ``forget()`` (it stays ``lentPrincipal`` until then). An entry the loop's
    /// scopes cannot resolve (its view of the reload is on its way) is answered as the cache resolves it and
    /// not remembered, unless the caller has no scopes at all.
    public mutating func lend(_ credential: UnsafeRawBufferPointer, in cache: TokenCache, scopes: LoopScopes) -> BorrowedPrincipal? {
        if remembered, Self.constantTimeEquals(bytes, credential) {
            // Sent again: the label is read out of the catalog once and kept, so the requests after this one
            // read it without building it.
            if !lentLabelRead {
                lentPrincipal = lentPrincipal?.withOwnLabel()
                lentLabelRead = true
            }
            return lent
        }
        let digest = TokenDigest(hashing: credential)
        var found: Principal? = nil
        var remember = credential.count <= Self.maxRemembered
        if let entry = cache.entry(digest: digest) {
            found = scopes.principal(for: entry)
            if found == nil {
                found = cache.lookup(digest: digest)
                remember = remember && scopes.isEmpty
            }
        }
        lentPrincipal = found
        lent = found.map(BorrowedPrincipal.init)
        lentLabelRead = false
        remembered = remember
        if remember {
            bytes.removeAll(keepingCapacity: true)
            bytes.append(contentsOf: credential)
        }
        return lent
    }

    /// The metric label of ``lentPrincipal`` ("" when none is lent). A mutating getter: its holder (the
    /// gateway's handler, a class) reads it in place rather than through a copy of the whole struct.
    public var lentLabel: String {
        mutating get { lentPrincipal?.metricLabel ?? "" }
    }

    /// Forgets the remembered credential (the loop installs a reload's view).
    public mutating func forget() {
        remembered = false
        lentPrincipal = nil
        lent = nil
    }

    private static func constantTimeEquals(_ stored: [UInt8], _ credential: UnsafeRawBufferPointer) -> Bool {
        guard stored.count == credential.count else { return false }
        var difference: UInt8 = 0
        for index in 0..<stored.count { difference |= stored[index] ^ credential[index] }
        return difference == 0
    }
}
