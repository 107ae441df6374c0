import Synchronization

/// The limits an ingest request is charged against: its token's rate limits and daily quota, its
/// repository's, and whether the repository is blocked (docs/limits.md). Reached through the request's
/// ``Principal`` (nil when neither the token nor its repository has any).
///
/// Design: each bucket and quota is one atomic word, and an owner's words (``LimiterState``) fill a cache
/// line of their own that every event loop shares, so a single connection gets the whole rate whichever loop
/// serves it, and a request costs a compare-and-swap per bucket it is charged to: no lock, no allocation, no
/// reference count touched on the shared line (a ``Limiter`` reaches its words through a plain pointer; the
/// policy keeps their owners alive). The states are keyed by token (repository and name) and repository and
/// outlive reloads (``LimiterStates``), so a SIGHUP does not refill the buckets.
///
/// Guarantees: a refused charge leaves every bucket and quota as it found it (charges made before the
/// refusal are given back); the stricter of token and repository refuses first; clocks are parameters.
public final class IngestLimitPolicy: Sendable {
    /// One owner's limits (a token's or a repository's) over its shared words. A plain value: copying it
    /// retains nothing.
    public struct Limiter: Sendable {
        public let events: TokenBucket?
        public let bytes: TokenBucket?
        public let daily: DailyQuota?
        let state: LimiterState.Words

        init(limits: IngestLimits?, dailyBytes: Int?, state: LimiterState) {
            let burst = limits?.burstSeconds ?? IngestLimits.defaultBurstSeconds
            events = limits?.eventsPerSecond.map { TokenBucket(perSecond: $0, burstSeconds: burst) }
            bytes = limits?.bytesPerSecond.map { TokenBucket(perSecond: $0, burstSeconds: burst) }
            daily = dailyBytes.map { DailyQuota(bytesPerDay: $0) }
            self.state = state.words
        }
    }

    /// Whose limit refused a request.
    public enum Owner: String, Sendable, Equatable {
        case token, repository
    }

    /// The outcome of a charge.
    public enum Verdict: Sendable, Equatable {
        case admit
        /// A rate limit (events or bytes per second): retry after that many seconds (at least 1).
        case rateLimited(Owner, retryAfterSeconds: Int)
        /// The daily byte quota: retry after that many seconds (the next UTC midnight).
        case quotaExceeded(Owner, retryAfterSeconds: Int)
        /// The repository is blocked.
        case blocked
    }

    public let token: Limiter?
    public let repository: Limiter?
    /// The refusal text when the repository is blocked; nil when it is not.
    public let blockedMessage: String?
    /// The owners of `token`'s and `repository`'s words, kept alive with the policy (never read per request).
    let owners: [LimiterState]

    init(token: Limiter?, repository: Limiter?, blockedMessage: String?, owners: [LimiterState]) {
        self.token = token
        self.repository = repository
        self.blockedMessage = blockedMessage
        self.owners = owners
    }

    /// An equal policy that is this copy's own object (over the same shared state), for a loop's own
    /// scope (``LoopScopes``): the request path then retains no object the other loops retain too.
    func ownedCopy() -> IngestLimitPolicy {
        IngestLimitPolicy(token: token, repository: repository, blockedMessage: blockedMessage, owners: owners)
    }

    /// Charges a request's body bytes (known before decoding): the repository's block, then the token's and
    /// the repository's bytes buckets and daily quotas. `now` is monotonic nanoseconds, `wallSeconds` the
    /// wall clock (for the UTC day).
    public func chargeBytes(_ bytes: Int, now: UInt64, wallSeconds: Int64) -> Verdict {
        if blockedMessage != nil { return .blocked }
        let day = DailyQuota.day(wallSeconds: wallSeconds)
        if let token, let bucket = token.bytes, let wait = Self.take(bucket, bytes, now, token.state.bytes) {
            return .rateLimited(.token, retryAfterSeconds: Self.seconds(wait))
        }
        if let repository, let bucket = repository.bytes, let wait = Self.take(bucket, bytes, now, repository.state.bytes) {
            refundRates(bytes: bytes, events: 0, through: .token)
            return .rateLimited(.repository, retryAfterSeconds: Self.seconds(wait))
        }
        if let token, let quota = token.daily, !Self.take(quota, bytes, day, token.state.daily) {
            refundRates(bytes: bytes, events: 0, through: .repository)
            return .quotaExceeded(.token, retryAfterSeconds: DailyQuota.secondsToMidnight(wallSeconds: wallSeconds))
        }
        if let repository, let quota = repository.daily, !Self.take(quota, bytes, day, repository.state.daily) {
            refundRates(bytes: bytes, events: 0, through: .repository)
            if let token, let quota = token.daily { Self.give(quota, bytes, day, token.state.daily) }
            return .quotaExceeded(.repository, retryAfterSeconds: DailyQuota.secondsToMidnight(wallSeconds: wallSeconds))
        }
        return .admit
    }

    /// Charges a decoded request's events, after ``chargeBytes(_:now:wallSeconds:)`` admitted its bytes; a
    /// refusal gives the bytes back too.
    public func chargeEvents(_ events: Int, bytes: Int, now: UInt64, wallSeconds: Int64) -> Verdict {
        if let token, let bucket = token.events, let wait = Self.take(bucket, events, now, token.state.events) {
            refundBytes(bytes, wallSeconds: wallSeconds)
            return .rateLimited(.token, retryAfterSeconds: Self.seconds(wait))
        }
        if let repository, let bucket = repository.events, let wait = Self.take(bucket, events, now, repository.state.events) {
            if let token, let bucket = token.events { Self.give(bucket, events, token.state.events) }
            refundBytes(bytes, wallSeconds: wallSeconds)
            return .rateLimited(.repository, retryAfterSeconds: Self.seconds(wait))
        }
        return .admit
    }

    /// Gives back an admitted request's bytes (its request was refused after ``chargeBytes(_:now:wallSeconds:)``).
    public func refundBytes(_ bytes: Int, wallSeconds: Int64) {
        refundRates(bytes: bytes, events: 0, through: .repository)
        let day = DailyQuota.day(wallSeconds: wallSeconds)
        if let token, let quota = token.daily { Self.give(quota, bytes, day, token.state.daily) }
        if let repository, let quota = repository.daily { Self.give(quota, bytes, day, repository.state.daily) }
    }

    /// Gives back an admitted request's events and bytes (a later part of its request was refused).
    public func refund(events: Int, bytes: Int, wallSeconds: Int64) {
        if let token, let bucket = token.events { Self.give(bucket, events, token.state.events) }
        if let repository, let bucket = repository.events { Self.give(bucket, events, repository.state.events) }
        refundBytes(bytes, wallSeconds: wallSeconds)
    }

    /// Gives back bytes charged to the token's bucket, and through `.repository` the repository's too.
    private func refundRates(bytes: Int, events: Int, through last: Owner) {
        if let token, let bucket = token.bytes { Self.give(bucket, bytes, token.state.bytes) }
        guard last == .repository else { return }
        if let repository, let bucket = repository.bytes { Self.give(bucket, bytes, repository.state.bytes) }
    }

    /// Charges `cost` to a shared bucket; nil when admitted, else nanoseconds until it would be.
    private static func take(_ bucket: TokenBucket, _ cost: Int, _ now: UInt64, _ word: LimiterState.Word) -> UInt64? {
        var state = word.pointee.load(ordering: .relaxed)
        while true {
            switch bucket.charge(state: state, cost: cost, now: now) {
            case .wait(let nanos): return nanos
            case .admit(let next):
                let (exchanged, original) = word.pointee.compareExchange(expected: state, desired: next, ordering: .relaxed)
                if exchanged { return nil }
                state = original
            }
        }
    }

    private static func take(_ quota: DailyQuota, _ bytes: Int, _ day: UInt64, _ word: LimiterState.Word) -> Bool {
        var state = word.pointee.load(ordering: .relaxed)
        while true {
            guard let next = quota.charge(state: state, bytes: bytes, day: day) else { return false }
            let (exchanged, original) = word.pointee.compareExchange(expected: state, desired: next, ordering: .relaxed)
            if exchanged { return true }
            state = original
        }
    }

    private static func give(_ bucket: TokenBucket, _ cost: Int, _ word: LimiterState.Word) {
        var state = word.pointee.load(ordering: .relaxed)
        while true {
            let (exchanged, original) = word.pointee.compareExchange(expected: state, desired: bucket.refund(state: state, cost: cost),
                                                             ordering: .relaxed)
            if exchanged { return }
            state = original
        }
    }

    private static func give(_ quota: DailyQuota, _ bytes: Int, _ day: UInt64, _ word: LimiterState.Word) {
        var state = word.pointee.load(ordering: .relaxed)
        while true {
            let (exchanged, original) = word.pointee.compareExchange(expected: state, desired: quota.refund(state: state, bytes: bytes, day: day),
                                                             ordering: .relaxed)
            if exchanged { return }
            state = original
        }
    }

    /// Whole seconds until a wait is over, rounded up (at least 1: `Retry-After: 0` invites a busy loop).
    static func seconds(_ nanos: UInt64) -> Int {
        max(1, Int((nanos / 1_000_000_000) + (nanos % 1_000_000_000 == 0 ? 0 : 1)))
    }
}

/// The shared, mutable part of one owner's limits: a word per bucket and one for the daily quota, alone on
/// a cache line (so what else the loops write does not share it), owned by this object and reached by the
/// request path through ``Words``, a plain pointer, so charging retains nothing.
final class LimiterState: Sendable {
    typealias Word = UnsafeMutablePointer<Atomic<UInt64>>

    /// The owner's three words; valid while the ``LimiterState`` lives (its policies keep it alive).
    struct Words: @unchecked Sendable {
        let events: Word
        var bytes: Word { events + 1 }
        var daily: Word { events + 2 }
    }

    static let lineBytes = 64
    let words: Words

    init() {
        let line = UnsafeMutableRawPointer.allocate(byteCount: Self.lineBytes, alignment: Self.lineBytes)
        let first = line.bindMemory(to: Atomic<UInt64>.self, capacity: 3)
        for index in 0..<3 { (first + index).initialize(to: Atomic(0)) }
        words = Words(events: first)
    }

    deinit {
        words.events.deinitialize(count: 3)
        UnsafeMutableRawPointer(words.events).deallocate()
    }
}

/// Every token's and repository's ``LimiterState``, kept from one snapshot generation to the next so a
/// reload leaves unchanged owners' buckets as they are; an owner that leaves the snapshot loses its state.
/// Used under the token store's reload lock only.
final class LimiterStates: @unchecked Sendable {
    private var states: [String: LimiterState] = [:]

    /// The policies of `snapshot`'s ingest tokens (by index into `ingestTokens`; nil for a token without
    /// limits in a repository without any) and of its repositories that have limits or a block.
    func policies(for snapshot: Snapshot) -> (tokens: [IngestLimitPolicy?], repositories: [String: IngestLimitPolicy]) {
        policies(for: snapshot, ingestTokens: IngestTokenTable(snapshot.ingestTokens))
    }

    /// As `policies(for:)`, for a validated snapshot whose ingest tokens are `index`'s (its own list is not read).
    func policies(for snapshot: Snapshot, index: SnapshotIndex) -> (tokens: [IngestLimitPolicy?], repositories: [String: IngestLimitPolicy]) {
        policies(for: snapshot, ingestTokens: index.ingestTable)
    }

    private func policies(for snapshot: Snapshot, ingestTokens table: IngestTokenTable)
        -> (tokens: [IngestLimitPolicy?], repositories: [String: IngestLimitPolicy]) {
        var next: [String: LimiterState] = [:]
        func state(_ key: String) -> LimiterState {
            let found = next[key] ?? states[key] ?? LimiterState()
            next[key] = found
            return found
        }
        var repositories: [String: IngestLimitPolicy] = [:]
        for repository in snapshot.repositories
        where repository.limits != nil || repository.dailyBytes != nil || repository.isIngestBlocked {
            let owner = repository.limits != nil || repository.dailyBytes != nil ? state("r\u{0}" + repository.name) : nil
            let limiter = owner.map { IngestLimitPolicy.Limiter(limits: repository.limits, dailyBytes: repository.dailyBytes, state: $0) }
            let message = repository.isIngestBlocked
                ? repository.ingestBlockedMessage ?? "ingest into repository '\(repository.name)' is blocked"
                : nil
            repositories[repository.name] = IngestLimitPolicy(token: nil, repository: limiter, blockedMessage: message,
                                                              owners: owner.map { [$0] } ?? [])
        }
        var tokens: [IngestLimitPolicy?] = []
        if table.hasLimits || !repositories.isEmpty {
            tokens.reserveCapacity(table.count)
            // By the table's repository index: one dictionary lookup per repository, not per token.
            let sharedByRepository = table.repositories.map { repositories[$0] }
            for position in 0..<table.count {
                let shared = sharedByRepository[table.repositoryIndex(at: position)]
                guard let own = table.limits(at: position) else {
                    tokens.append(shared)
                    continue
                }
                let owner = state("t\u{0}" + table.repository(at: position) + "\u{0}" + table.name(at: position))
                let limiter = IngestLimitPolicy.Limiter(limits: own.limits, dailyBytes: own.dailyBytes, state: owner)
                tokens.append(IngestLimitPolicy(token: limiter, repository: shared?.repository, blockedMessage: shared?.blockedMessage,
                                                owners: [owner] + (shared?.owners ?? [])))
            }
        }
        states = next
        return (tokens, repositories)
    }
}
