import Admin
import Foundation
import Testing
import Tokens

/// The permission matrix: every kind of caller against the operations, and the custom-token rules.
@Suite struct AdminPermissionTests {
    enum Outcome: Sendable, Equatable { case allowed, refused(String), http(Int) }

    static let addToWeb = #"mutation { addIngestTokenV3(input: {repositoryName: "web", name: "x-token"}) { name token } }"#

    @Test(arguments: [
        (Caller.root, Outcome.allowed),
        (.manager, .allowed),
        (.plainUser, .refused(AdminMessages.changeIngestTokens)),
        (.orgManager, .allowed),
        (.orgPlain, .refused(AdminMessages.changeIngestTokens)),
        (.systemManager, .allowed),
        (.ingest, .http(403)),
        (.none, .http(401)),
        (.garbage, .http(401)),
    ])
    func addIngestToken(caller: Caller, expected: Outcome) async throws {
        let harness = try AdminHarness()
        let answer = try await harness.run(Self.addToWeb, as: caller)
        try check(answer, expected, harness: harness)
        let added = harness.store.snapshot.ingestTokens.contains { $0.name == "x-token" }
        #expect(added == (expected == .allowed))
    }

    @Test(arguments: [
        (Caller.root, Outcome.allowed),
        (.manager, .allowed),
        (.plainUser, .refused(AdminMessages.readIngestTokens)),
        (.orgManager, .allowed),
        (.orgPlain, .refused(AdminMessages.readIngestTokens)),
        (.systemManager, .allowed),
        (.ingest, .http(403)),
        (.none, .http(401)),
        (.garbage, .http(401)),
    ])
    func listIngestTokens(caller: Caller, expected: Outcome) async throws {
        let harness = try AdminHarness()
        let answer = try await harness.run(#"{ repository(name: "web") { ingestTokens { name token } } }"#, as: caller)
        try check(answer, expected, harness: harness)
        let secret = harness.tokenValue(repository: "web", name: "default")!
        #expect(answer.text.contains(secret) == (expected == .allowed), "token values only for managers")
    }

    @Test(arguments: [
        ("mutation { enableFeature(feature: CustomIngestTokens) }", Caller.manager),
        ("mutation { disableFeature(feature: CustomIngestTokens) }", .orgManager),
        (#"mutation { createSystemPermissionsToken(input: {name: "t", permissions: [ChangeIngestTokens]}) }"#, .systemManager),
        (#"mutation { createOrganizationPermissionsToken(input: {name: "t", permissions: [CreateRepository]}) }"#, .manager),
    ])
    func rootOnlyOperations(query: String, caller: Caller) async throws {
        let harness = try AdminHarness()
        let before = harness.store.snapshot
        let answer = try await harness.run(query, as: caller)
        #expect(answer.status == 200)
        #expect(answer.messages == [AdminMessages.rootOnly])
        #expect(harness.store.snapshot == before)
        let root = try await harness.run(query, as: .root)
        #expect(root.errors.isEmpty, "\(root.text)")
    }

    @Test(arguments: [(Caller.plainUser, false), (.orgPlain, false), (.manager, false), (.root, true)])
    func createRepository(caller: Caller, allowed: Bool) async throws {
        let harness = try AdminHarness()
        let answer = try await harness.run(#"mutation { createRepository(name: "fresh") { repository { name } } }"#, as: caller)
        #expect(answer.messages == (allowed ? [] : [AdminMessages.createRepository]))
        #expect((harness.store.snapshot.repository(named: "fresh") != nil) == allowed)
    }

    @Test func managersOfOneRepositoryCannotTouchAnother() async throws {
        let harness = try AdminHarness()
        let answer = try await harness.run(#"mutation { removeIngestToken(repositoryName: "other", name: "default") { result } }"#, as: .manager)
        #expect(answer.messages == [AdminMessages.changeIngestTokens])
        #expect(harness.tokenValue(repository: "other", name: "default") != nil)
        let system = try await harness.run(#"mutation { removeIngestToken(repositoryName: "humio", name: "default") { result } }"#, as: .systemManager)
        #expect(system.messages == [AdminMessages.changeIngestTokens])
    }

    @Test func refusedCallersNeverTakeTheWritersLock() async throws {
        let harness = try AdminHarness()
        let lock = open(harness.path + "/tokens.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        defer { close(lock) }
        #expect(flock(lock, LOCK_EX) == 0)
        // Would wait for the lock forever if the permission were only checked inside the edit.
        let answer = try await harness.run(Self.addToWeb, as: .plainUser)
        #expect(answer.messages == [AdminMessages.changeIngestTokens])
        #expect(harness.audit.recorded.map(\.result) == [.refused])
    }

    // MARK: Custom tokens

    static let goodCustom = "shipper-token-0123456789"

    @Test func customTokenNeedsRootAndTheFeature() async throws {
        let harness = try AdminHarness()
        let query = #"mutation { addIngestTokenV3(input: {repositoryName: "web", name: "custom", customToken: "\#(Self.goodCustom)"}) { token } }"#
        let disabled = try await harness.run(query)
        #expect(disabled.messages == [AdminMessages.customTokenNeedsFeature])
        _ = try await harness.run("mutation { enableFeature(feature: CustomIngestTokens) }")
        let notRoot = try await harness.run(query, as: .manager)
        #expect(notRoot.messages == [AdminMessages.customTokenNeedsRoot])
        let root = try await harness.run(query)
        #expect(root.value("addIngestTokenV3", "token") as? String == Self.goodCustom, "\(root.text)")
        #expect(harness.principal(Self.goodCustom)?.kind == .ingestToken(repository: "web"))
    }

    @Test(arguments: [
        ("short-token", "a custom token needs at least 16 characters, this one has 11"),
        (String(repeating: "x", count: 257), "a custom token has at most 256 characters, this one has 257"),
        ("has a space in it, sadly", "a custom token cannot contain spaces"),
        ("tab\tcharacter-inside-it", "a custom token must be printable ASCII characters"),
        ("non-ascii-tökenvalue-here", "a custom token must be printable ASCII characters"),
    ])
    func customTokenRules(token: String, message: String) async throws {
        let harness = try AdminHarness()
        _ = try await harness.run("mutation { enableFeature(feature: CustomIngestTokens) }")
        let answer = try await harness.run("mutation($input: AddIngestTokenV3Input!) { addIngestTokenV3(input: $input) { token } }",
                                           variables: ["input": ["repositoryName": "web", "name": "custom", "customToken": token]])
        #expect(answer.messages == [message])
        #expect(!harness.store.snapshot.ingestTokens.contains { $0.name == "custom" })
    }

    @Test func customTokenMustNotEqualAnExistingToken() async throws {
        let harness = try AdminHarness()
        _ = try await harness.run("mutation { enableFeature(feature: CustomIngestTokens) }")
        let existing = try #require(harness.tokenValue(repository: "other", name: "default"))
        let answer = try await harness.run("mutation($input: AddIngestTokenV3Input!) { addIngestTokenV3(input: $input) { token } }",
                                           variables: ["input": ["repositoryName": "web", "name": "custom", "customToken": existing]])
        #expect(answer.messages == ["the custom token equals an existing token"])
    }

    private func check(_ answer: Answer, _ expected: Outcome, harness: AdminHarness) throws {
        switch expected {
        case .allowed:
            #expect(answer.status == 200)
            #expect(answer.errors.isEmpty, "\(answer.text)")
        case let .refused(message):
            #expect(answer.status == 200)
            #expect(answer.messages == [message])
        case let .http(status):
            #expect(answer.status == status)
            #expect(answer.data == nil)
            #expect(answer.messages.count == 1)
        }
    }
}
