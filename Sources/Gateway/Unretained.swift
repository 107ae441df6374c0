/// A reference to one of the server's long-lived shared objects (metrics, the HEC ack table, a repository's
/// log) that a request carries without touching its reference count: its completion travels from the loop
/// to a WAL writer and back, and a retain on one core and a release on another bounce the cache line holding
/// the count between them. `unowned(unsafe)` is not enough: loading such a reference still retains it.
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
