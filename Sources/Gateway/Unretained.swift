/// A reference to one of the server's long-lived shared objects (token store and cache, metrics), used
/// without touching its reference count. Both event loops use such objects on every request, and
/// retaining them bounces the cache lines holding their counts between the cores. `unowned(unsafe)` is
/// not enough: loading such a reference still retains it.
///
/// Guarantees: `with` passes the object as a borrowed reference. Valid only while something else owns the
/// object: here ``GatewayServices``, which every handler holds strongly and which owns all of these.
struct Unretained<Object: AnyObject>: @unchecked Sendable {
    private let reference: Unmanaged<Object>

    init(_ object: Object) {
        reference = .passUnretained(object)
    }

    @inline(__always)
    func with<Result>(_ body: (Object) throws -> Result) rethrows -> Result {
        try reference._withUnsafeGuaranteedRef(body)
    }
}
