import Dispatch
import Synchronization
import Testing
@testable import Tokens

/// Token and repository limits together, over the shared state `LimiterStates` keeps across reloads.
@Suite struct IngestLimitPolicyTests {
    static let second: UInt64 = 1_000_000_000
    static let now: UInt64 = 5_000 * second
    static let wall: Int64 = 20_000 * 86_400 + 3_600

    static func snapshot(token: IngestLimits? = nil, tokenDaily: Int? = nil, repository: IngestLimits? = nil,
                         repositoryDaily: Int? = nil, blocked: Bool = false) -> Snapshot {
        var snapshot = Snapshot(organizations: [Organization(name: "default")])
        snapshot.repositories = [Repository(name: "app", limits: repository, dailyBytes: repositoryDaily,
                                            ingestBlocked: blocked ? true : nil, ingestBlockedMessage: blocked ? "moving disks" : nil),
                                 Repository(name: "other")]
        snapshot.ingestTokens = [IngestToken(name: "a", repository: "app", token: "t1", limits: token, dailyBytes: tokenDaily),
                                 IngestToken(name: "b", repository: "app", token: "t2"),
                                 IngestToken(name: "c", repository: "other", token: "t3")]
        return snapshot
    }

    @Test func tokensWithoutLimitsInRepositoriesWithoutLimitsHaveNoPolicy() {
        let policies = LimiterStates().policies(for: Self.snapshot())
        #expect(policies.tokens.isEmpty)
        #expect(policies.repositories.isEmpty)
        let limited = LimiterStates().policies(for: Self.snapshot(token: IngestLimits(eventsPerSecond: 5)))
        #expect(limited.tokens[0] != nil && limited.tokens[1] == nil && limited.tokens[2] == nil)
    }

    @Test func theStricterOfTokenAndRepositoryRefuses() throws {
        let policies = LimiterStates().policies(for: Self.snapshot(token: IngestLimits(eventsPerSecond: 10),
                                                                   repository: IngestLimits(eventsPerSecond: 4)))
        let token = try #require(policies.tokens[0])
        #expect(token.chargeEvents(4, bytes: 0, now: Self.now, wallSeconds: Self.wall) == .admit)
        #expect(token.chargeEvents(1, bytes: 0, now: Self.now, wallSeconds: Self.wall) == .rateLimited(.repository, retryAfterSeconds: 1))
        // The other token of the repository shares the repository's bucket.
        let sibling = try #require(policies.tokens[1])
        #expect(sibling.chargeEvents(1, bytes: 0, now: Self.now, wallSeconds: Self.wall) == .rateLimited(.repository, retryAfterSeconds: 1))
        // The token's own bucket was given back on the refusal: 6 of its 10 are left once the repository refills.
        let later = Self.now + 10 * Self.second
        #expect(token.chargeEvents(4, bytes: 0, now: later, wallSeconds: Self.wall) == .admit)
        #expect(token.token?.state.events.pointee.load(ordering: .relaxed) == later + 4 * Self.second / 10)
    }

    @Test func aRefusedChargeLeavesEveryBucketAsItWas() throws {
        let policies = LimiterStates().policies(for: Self.snapshot(token: IngestLimits(eventsPerSecond: 100, bytesPerSecond: 1000),
                                                                   tokenDaily: 10_000, repository: IngestLimits(eventsPerSecond: 2),
                                                                   repositoryDaily: 10_000))
        let policy = try #require(policies.tokens[0])
        #expect(policy.chargeEvents(2, bytes: 0, now: Self.now, wallSeconds: Self.wall) == .admit)
        let token = try #require(policy.token), repository = try #require(policy.repository)
        let tokenEvents = token.state.events.pointee.load(ordering: .relaxed), repositoryEvents = repository.state.events.pointee.load(ordering: .relaxed)
        #expect(policy.chargeBytes(500, now: Self.now, wallSeconds: Self.wall) == .admit)
        #expect(policy.chargeEvents(1, bytes: 500, now: Self.now, wallSeconds: Self.wall) == .rateLimited(.repository, retryAfterSeconds: 1))
        #expect(token.state.events.pointee.load(ordering: .relaxed) == tokenEvents)
        #expect(repository.state.events.pointee.load(ordering: .relaxed) == repositoryEvents)
        #expect(token.state.bytes.pointee.load(ordering: .relaxed) <= Self.now)
        let day = DailyQuota.day(wallSeconds: Self.wall)
        #expect(DailyQuota.used(state: token.state.daily.pointee.load(ordering: .relaxed), day: day) == 0)
        #expect(DailyQuota.used(state: repository.state.daily.pointee.load(ordering: .relaxed), day: day) == 0)
    }

    @Test func bytesOverTheRateWaitAndOverTheQuotaWaitForMidnight() throws {
        let policies = LimiterStates().policies(for: Self.snapshot(token: IngestLimits(bytesPerSecond: 1000), repositoryDaily: 1500))
        let policy = try #require(policies.tokens[0])
        #expect(policy.chargeBytes(1000, now: Self.now, wallSeconds: Self.wall) == .admit)
        #expect(policy.chargeBytes(500, now: Self.now, wallSeconds: Self.wall) == .rateLimited(.token, retryAfterSeconds: 1))
        #expect(policy.chargeBytes(500, now: Self.now + 3 * Self.second, wallSeconds: Self.wall) == .admit)
        #expect(policy.chargeBytes(1, now: Self.now + 6 * Self.second, wallSeconds: Self.wall)
                == .quotaExceeded(.repository, retryAfterSeconds: 86_400 - 3_600))
        #expect(policy.chargeBytes(1, now: Self.now + 6 * Self.second, wallSeconds: Self.wall + 86_400 - 3_600) == .admit)
    }

    @Test func aBlockedRepositoryRefusesEveryToken() throws {
        let policies = LimiterStates().policies(for: Self.snapshot(token: IngestLimits(eventsPerSecond: 5), blocked: true))
        for index in 0..<2 {
            let policy = try #require(policies.tokens[index])
            #expect(policy.blockedMessage == "moving disks")
            #expect(policy.chargeBytes(1, now: Self.now, wallSeconds: Self.wall) == .blocked)
        }
        #expect(policies.tokens[2] == nil)
        #expect(policies.repositories["app"]?.blockedMessage == "moving disks")
    }

    @Test func bucketsSurviveAReloadAndGoWithTheirOwner() throws {
        let states = LimiterStates()
        let limits = IngestLimits(eventsPerSecond: 2)
        let first = try #require(states.policies(for: Self.snapshot(token: limits)).tokens[0])
        #expect(first.chargeEvents(2, bytes: 0, now: Self.now, wallSeconds: Self.wall) == .admit)
        // A reload with the same token (and a changed rate) keeps the emptied bucket.
        let reloaded = try #require(states.policies(for: Self.snapshot(token: IngestLimits(eventsPerSecond: 3))).tokens[0])
        #expect(reloaded.chargeEvents(1, bytes: 0, now: Self.now, wallSeconds: Self.wall) != .admit)
        // Once the token's limits are removed and set again, it starts with a full bucket.
        _ = states.policies(for: Self.snapshot())
        let fresh = try #require(states.policies(for: Self.snapshot(token: limits)).tokens[0])
        #expect(fresh.chargeEvents(2, bytes: 0, now: Self.now, wallSeconds: Self.wall) == .admit)
    }

    @Test func chargesFromManyThreadsAreEachCountedOnce() throws {
        let policies = LimiterStates().policies(for: Self.snapshot(token: IngestLimits(eventsPerSecond: 1e9, bytesPerSecond: 1e9),
                                                                   tokenDaily: 1 << 40, repository: IngestLimits(bytesPerSecond: 1e9),
                                                                   repositoryDaily: 1 << 40))
        let policy = try #require(policies.tokens[0])
        let threads = 4, charges = 5_000
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            for _ in 0..<charges {
                precondition(policy.chargeBytes(3, now: Self.now, wallSeconds: Self.wall) == .admit)
                precondition(policy.chargeEvents(2, bytes: 3, now: Self.now, wallSeconds: Self.wall) == .admit)
            }
        }
        let token = try #require(policy.token), repository = try #require(policy.repository)
        let total = UInt64(threads * charges), day = DailyQuota.day(wallSeconds: Self.wall)
        #expect(token.state.events.pointee.load(ordering: .relaxed) == Self.now + 2 * total)
        #expect(token.state.bytes.pointee.load(ordering: .relaxed) == Self.now + 3 * total)
        #expect(repository.state.bytes.pointee.load(ordering: .relaxed) == Self.now + 3 * total)
        #expect(DailyQuota.used(state: token.state.daily.pointee.load(ordering: .relaxed), day: day) == 3 * total)
        #expect(DailyQuota.used(state: repository.state.daily.pointee.load(ordering: .relaxed), day: day) == 3 * total)
    }

    @Test func eachOwnersWordsFillACacheLineOfTheirOwn() throws {
        let policies = LimiterStates().policies(for: Self.snapshot(token: IngestLimits(eventsPerSecond: 5), repository: IngestLimits(eventsPerSecond: 5)))
        let policy = try #require(policies.tokens[0])
        let token = try #require(policy.token), repository = try #require(policy.repository)
        for words in [token.state, repository.state] {
            #expect(Int(bitPattern: words.events) % LimiterState.lineBytes == 0)
            #expect(Int(bitPattern: words.daily + 1) - Int(bitPattern: words.events) <= LimiterState.lineBytes)
        }
        #expect(token.state.events != repository.state.events)
        // The policy keeps both owners alive, whatever else lets go of them.
        #expect(policy.owners.count == 2)
    }

    @Test func theCompactTokenTableKeepsLimits() {
        let tokens = Self.snapshot(token: IngestLimits(eventsPerSecond: 1.5, burstSeconds: 3), tokenDaily: 7).ingestTokens
        #expect(IngestTokenTable(tokens).tokens == tokens)
        #expect(IngestTokenTable(tokens).tokens(in: "app").first?.dailyBytes == 7)
    }

    @Test func validationRefusesNonPositiveOrInfiniteLimits() {
        #expect(Snapshot.limitsProblem(IngestLimits(eventsPerSecond: 0), dailyBytes: nil)?.field == "limits.eventsPerSecond")
        #expect(Snapshot.limitsProblem(IngestLimits(bytesPerSecond: .infinity), dailyBytes: nil)?.field == "limits.bytesPerSecond")
        #expect(Snapshot.limitsProblem(IngestLimits(eventsPerSecond: 1, burstSeconds: -1), dailyBytes: nil)?.field == "limits.burstSeconds")
        #expect(Snapshot.limitsProblem(IngestLimits(burstSeconds: 2), dailyBytes: nil)?.field == "limits")
        #expect(Snapshot.limitsProblem(nil, dailyBytes: 0)?.field == "dailyBytes")
        #expect(Snapshot.limitsProblem(nil, dailyBytes: Snapshot.maxDailyBytes + 1)?.field == "dailyBytes")
        #expect(Snapshot.limitsProblem(IngestLimits(eventsPerSecond: 0.5, burstSeconds: 30), dailyBytes: 1) == nil)
    }
}
