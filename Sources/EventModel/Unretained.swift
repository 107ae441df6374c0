/// A reference used without touching its object's reference count: the one place the ingest path holds an
/// object this way. For objects used per event or carried per request across threads — a parser pipeline and
/// its stages (a retain and a release per event and stage otherwise), a repository's log and the metrics a
/// request's completion carries from the loop to a WAL writer and back (a retain on one core and a release
/// on another bounce the cache line holding the count between them). `unowned(unsafe)` is not enough:
/// loading such a reference still retains it.
///
/// Guarantees: ``with(_:)`` passes the object as a borrowed reference. Valid only while something else owns
/// the object; every holder names that owner where it keeps one.
public struct Unretained<Object: AnyObject>: @unchecked Sendable, Equatable {
    private let reference: Unmanaged<Object>

    @inline(__always)
    public init(_ object: Object) {
        reference = .passUnretained(object)
    }

    @inline(__always)
    public func with<Result>(_ body: (Object) throws -> Result) rethrows -> Result {
        try reference._withUnsafeGuaranteedRef(body)
    }

    /// The same object (identity, not equality of contents).
    @inline(__always)
    public static func == (a: Unretained, b: Unretained) -> Bool {
        a.reference.toOpaque() == b.reference.toOpaque()
    }
}
