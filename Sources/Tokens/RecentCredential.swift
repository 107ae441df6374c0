/// One event loop's memory of the last credential it looked up: shippers send request after request
/// with the same token, and comparing the bytes costs far less than hashing them and probing the cache.
///
/// Guarantees: ``lookup(_:in:)`` returns what `cache.lookup` returns for the same bytes (a private copy
/// when it remembers them) at that moment or, while a reload is swapping stripes, what it returned just
/// before (the old set); once a `replace(with:)` has returned, the remembered result is never used again, so a removed token fails
/// from the next request on. The stored bytes are compared in constant time (only the length shows).
/// Not thread-safe: one per loop.
public struct RecentCredential {
    /// Longer credentials are looked up every time rather than remembered.
    static let maxRemembered = 256

    private var bytes: [UInt8] = []
    private var principal: Principal?
    private var generation: UInt64?

    public init() {
        bytes.reserveCapacity(Self.maxRemembered)
    }

    public mutating func lookup(_ credential: UnsafeRawBufferPointer, in cache: TokenCache) -> Principal? {
        let current = cache.generation
        if generation == current, Self.constantTimeEquals(bytes, credential) { return principal }
        let found = cache.lookup(credential)
        guard credential.count <= Self.maxRemembered else {
            generation = nil
            return found
        }
        bytes.removeAll(keepingCapacity: true)
        bytes.append(contentsOf: credential)
        // Remembered as this loop's own copy (``Principal/privateCopy()``): a miss already hashes the
        // credential, so one copy per miss is small beside it.
        principal = found?.privateCopy()
        generation = current  // read before the lookup: a reload meanwhile makes this entry stale
        return principal
    }

    private static func constantTimeEquals(_ stored: [UInt8], _ credential: UnsafeRawBufferPointer) -> Bool {
        guard stored.count == credential.count else { return false }
        var difference: UInt8 = 0
        for index in 0..<stored.count { difference |= stored[index] ^ credential[index] }
        return difference == 0
    }
}
