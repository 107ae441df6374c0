import CSystemShims
import EventModel
import Parsers

/// A ``Principal`` lent out by the ``RecentCredential`` that holds it, for one request's checks on the loop:
/// its scope unretained and its last-use slot, two plain words, so that passing it from the credential lookup
/// through authentication, scope check and routing copies words and touches no reference count (a
/// `Principal` copy retains its scope and its label).
///
/// Guarantees: every property equals the lent principal's (``RecentCredential/lentPrincipal``). Valid only
/// until its lender's next lookup or ``RecentCredential/forget()``: the lender owns the principal (and so its
/// scope), and a loop's lender is forgotten only between requests, when the loop installs a reload's view.
public struct BorrowedPrincipal: Sendable, Equatable {
    let scope: Unretained<Principal.Scope>
    /// The token's last-use slot in its generation's ``TokenUsage`` (0, a slot never read, for API tokens).
    let usageSlot: UInt32

    init(_ principal: Principal) {
        scope = Unretained(principal.scope)
        usageSlot = principal.usageSlot
    }

    /// As ``Principal/hasExpired(atMillis:)``.
    @inline(__always)
    public func hasExpired(atMillis nowMillis: Int64) -> Bool { scope.with { nowMillis >= $0.expiresAtMillis } }

    /// As ``Principal/noteUse(atSeconds:)``.
    @inline(__always)
    public func noteUse(atSeconds seconds: UInt32) {
        guard let base = scope.with({ $0.usage.base }) else { return }
        let slot = base + Int(usageSlot)
        if sluice_load_relaxed_u32(slot) != seconds { sluice_store_relaxed_u32(slot, seconds) }
    }

    public var kind: Principal.Kind { scope.with { $0.kind } }
    public var canIngest: Bool { scope.with { $0.flags.contains(.canIngest) } }
    public var parser: ParserPipeline? { scope.with { $0.parser } }
    public var usesHECAcknowledgements: Bool { scope.with { $0.flags.contains(.hecAcknowledgements) } }
    public var limits: IngestLimitPolicy? { scope.with { $0.limits } }
    public var ingestRepository: String? { scope.with { $0.tag == .ingest ? $0.name : nil } }
}
