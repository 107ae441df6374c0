import Admin
import Foundation
import Testing
import Tokens

/// Sluice's limit mutations and fields (docs/limits.md) over the API without HTTP: root sets and clears
/// them, everyone else is refused, and the queries show them.
@Suite struct IngestLimitMutationsTests {
    @Test func rootSetsShowsAndClearsTokenLimits() async throws {
        let harness = try AdminHarness()
        let set = try await harness.run(#"mutation { setIngestTokenLimits(input: {repositoryName: "web", tokenName: "default", eventsPerSecond: 500, burstSeconds: 2, dailyBytes: 1000000}) { name limits { eventsPerSecond bytesPerSecond burstSeconds } dailyBytes } }"#)
        #expect(set.value("setIngestTokenLimits", "limits", "eventsPerSecond") as? Double == 500, "\(set.text)")
        let token = harness.store.snapshot.ingestTokens.first { $0.repository == "web" && $0.name == "default" }
        #expect(token?.limits == IngestLimits(eventsPerSecond: 500, burstSeconds: 2))
        #expect(token?.dailyBytes == 1_000_000)
        let listed = try await harness.run(#"{ repository(name: "web") { ingestTokens { limits { burstSeconds } dailyBytes } } }"#)
        let tokens = try #require(listed.value("repository", "ingestTokens") as? [[String: Any]], "\(listed.text)")
        #expect(tokens.first?["dailyBytes"] as? Int == 1_000_000)

        _ = try await harness.run(#"mutation { setIngestTokenLimits(input: {repositoryName: "web", tokenName: "default"}) { name } }"#)
        let cleared = harness.store.snapshot.ingestTokens.first { $0.repository == "web" && $0.name == "default" }
        #expect(cleared?.limits == nil && cleared?.dailyBytes == nil)
    }

    @Test func invalidLimitsAreRefused() async throws {
        let harness = try AdminHarness()
        let answer = try await harness.run(#"mutation { setRepositoryIngestLimits(input: {repositoryName: "web", bytesPerSecond: -1}) { repository { name } } }"#)
        #expect(answer.messages.first?.contains("bytesPerSecond") == true, "\(answer.text)")
        #expect(harness.store.snapshot.repository(named: "web")?.limits == nil)
    }

    @Test func rootBlocksAndUnblocksARepository() async throws {
        let harness = try AdminHarness()
        let blocked = try await harness.run(#"mutation { blockIngest(repositoryName: "web", message: "disk swap") { repository { ingestBlocked ingestBlockedMessage } } }"#)
        #expect(blocked.value("blockIngest", "repository", "ingestBlocked") as? Bool == true, "\(blocked.text)")
        #expect(harness.store.snapshot.repository(named: "web")?.ingestBlockedMessage == "disk swap")
        #expect(harness.store.serving.ingestTokens.count > 0)
        _ = try await harness.run(#"mutation { unblockIngest(repositoryName: "web") { repository { name } } }"#)
        #expect(harness.store.snapshot.repository(named: "web")?.isIngestBlocked == false)
        #expect(harness.audit.recorded.last?.operation == "unblockIngest")
    }

    @Test(arguments: [Caller.manager, .plainUser])
    func onlyRootChangesLimits(caller: Caller) async throws {
        let harness = try AdminHarness()
        let answer = try await harness.run(#"mutation { setRepositoryIngestLimits(input: {repositoryName: "web", eventsPerSecond: 1}) { repository { name } } }"#, as: caller)
        #expect(!answer.messages.isEmpty, "\(answer.text)")
        #expect(harness.store.snapshot.repository(named: "web")?.limits == nil)
        #expect(harness.audit.recorded.last?.result == .refused)
    }
}
