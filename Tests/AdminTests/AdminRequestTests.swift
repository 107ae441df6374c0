import Admin
import Foundation
import GraphQL
import Testing
import Tokens

/// Request-level handling: body limits, malformed requests, syntax errors, and the depth, alias and
/// size limits checked before validation.
@Suite struct AdminRequestTests {
    static func nested(_ depth: Int) -> String {
        // `repository` (1) → `ingestTokens` (2) → `parser` (3) → then `__typename` padding through
        // inline fragments does not add depth, so nest introspection fields instead.
        var query = "name"
        for _ in 0..<(depth - 1) { query = "ofType { \(query) }" }
        return "{ __type(name: \"Repository\") { \(query) } }"
    }

    @Test(arguments: [(15, true), (16, false)])
    func depthLimit(depth: Int, allowed: Bool) async throws {
        let harness = try AdminHarness()
        let answer = try await harness.run(Self.nested(depth - 1))
        if allowed {
            #expect(answer.status == 200, "\(answer.text)")
        } else {
            #expect(answer.status == 400)
            #expect(answer.messages == ["Query too complex: depth exceeds 15"])
        }
    }

    @Test(arguments: [(30, true), (31, false)])
    func aliasLimit(aliases: Int, allowed: Bool) async throws {
        let harness = try AdminHarness()
        let fields = (0..<aliases).map { "a\($0): repositories { name }" }.joined(separator: " ")
        let answer = try await harness.run("{ \(fields) }")
        #expect(answer.status == (allowed ? 200 : 400), "\(answer.text)")
        if !allowed { #expect(answer.messages == ["Query too complex: more than 30 aliases"]) }
    }

    @Test func aliasesAreCountedThroughFragments() async throws {
        let harness = try AdminHarness()
        let fragment = "fragment F on Query { " + (0..<15).map { "f\($0): repositories { name }" }.joined(separator: " ") + " }"
        let answer = try await harness.run("{ ...F ... on Query { ...F } x: repositories { ...R } y: repositories { ...R } } fragment R on Repository { ... on Repository { name } } " + fragment)
        #expect(answer.messages == ["Query too complex: more than 30 aliases"])
    }

    @Test func fragmentFanOutIsBounded() async throws {
        let harness = try AdminHarness(limits: AdminLimits(maxAliases: 1_000_000))
        // Each fragment spreads the next one ten times: 10^6 fields when expanded.
        var fragments = ["fragment L6 on Repository { name }"]
        for level in (0..<6).reversed() {
            fragments.append("fragment L\(level) on Repository { " + (0..<10).map { "n\($0): name ...L\(level + 1)" }.joined(separator: " ") + " }")
        }
        let answer = try await harness.run("{ repositories { ...L0 } } " + fragments.joined(separator: " "))
        #expect(answer.status == 400)
        #expect(answer.messages == ["Query too complex: more than 2000 selected fields"])
    }

    @Test func deepNestingIsRefusedBeforeParsing() async throws {
        let harness = try AdminHarness()
        // Deep enough to overflow the recursive parser's stack if it were parsed.
        let depth = 300_000
        let query = "{" + String(repeating: "a{", count: depth) + "b" + String(repeating: "}", count: depth + 1)
        let answer = try await harness.run(query)
        #expect(answer.status == 400)
        #expect(answer.messages == ["Query too complex: brackets nested deeper than 64"])
        let values = "{ repository(name: " + String(repeating: "[", count: 65) + String(repeating: "]", count: 65) + ") { name } }"
        #expect(try await harness.run(values).messages == ["Query too complex: brackets nested deeper than 64"])
    }

    @Test(arguments: [
        (#"{ repository(name: "{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{") { name } }"#, true),
        (#"{ repository(name: """{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{""") { name } }"#, true),
        ("# {{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{\n{ repositories { name } }", true),
        (#"{ repository(name: "\"") { name } } "# + String(repeating: "{", count: 65), false),
    ])
    func nestingIgnoresStringsAndComments(query: String, withinLimit: Bool) {
        #expect((AdminLimits().nestingProblem(in: query) == nil) == withinLimit)
    }

    @Test func unusedFragmentsCountTowardTheSelectionBudget() async throws {
        let harness = try AdminHarness()
        let fields = String(repeating: "name ", count: 2_001)
        let answer = try await harness.run("{ repositories { name } } fragment Unused on Repository { \(fields) }")
        #expect(answer.status == 400)
        #expect(answer.messages == ["Query too complex: more than 2000 selected fields"])
    }

    @Test func fragmentCyclesAreRefusedByValidation() async throws {
        let harness = try AdminHarness()
        let answer = try await harness.run("{ repositories { ...A } } fragment A on Repository { name ...B } fragment B on Repository { ...A }")
        #expect(answer.status == 400)
        #expect(answer.messages.contains { $0.contains("Cannot spread fragment") })
    }

    @Test func oversizedBodyIs413() async throws {
        let harness = try AdminHarness()
        let body = Array("{\"query\":\"{ repositories { name } }\",\"pad\":\"".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20) + Array("\"}".utf8)
        let answer = try await harness.post(body)
        #expect(answer.status == 413)
        #expect(answer.messages == ["GraphQL request body larger than 1048576 bytes"])
    }

    @Test(arguments: ["", "not json", "[]", #"{"variables":{}}"#, #"{"query": 5}"#])
    func malformedBodiesAre400(body: String) async throws {
        let harness = try AdminHarness()
        let answer = try await harness.post(Array(body.utf8))
        #expect(answer.status == 400)
        #expect(answer.messages.first?.hasPrefix("Malformed GraphQL request") == true)
    }

    @Test func syntaxErrorsAre400WithLocations() async throws {
        let harness = try AdminHarness()
        let answer = try await harness.run("{ repositories { name }")
        #expect(answer.status == 400)
        #expect(answer.messages.first?.hasPrefix("Syntax Error") == true, "\(answer.text)")
        #expect(answer.errors.first?["locations"] != nil)
    }

    @Test func unknownFieldsFailValidation() async throws {
        let harness = try AdminHarness()
        let answer = try await harness.run("{ repositories { secret } }")
        #expect(answer.status == 400)
        #expect(answer.messages == [#"Cannot query field "secret" on type "Repository"."#])
    }

    @Test(arguments: [#"{}"#, #"{"name": null}"#, #"{"name": 5}"#, #"{"name": ["web"]}"#])
    func missingOrMistypedVariablesAre400WithoutData(variables: String) async throws {
        let harness = try AdminHarness()
        let query = "query Show($name: String!) { repository(name: $name) { name } }"
        let body = #"{"query": "\#(query)", "variables": \#(variables)}"#
        let answer = try await harness.post(Array(body.utf8))
        #expect(answer.status == 400, "\(answer.text)")
        #expect(answer.object.keys.contains("data") == false, "\(answer.text)")
        #expect(answer.messages.first?.contains("$name") == true, "\(answer.text)")
    }

    @Test func unknownOperationNameIs400() async throws {
        let harness = try AdminHarness()
        let answer = try await harness.run("query A { repositories { name } }", operationName: "B")
        #expect(answer.status == 400, "\(answer.text)")
        #expect(answer.object.keys.contains("data") == false)
    }

    @Test func errorReachingTheRootAnswersDataNull() async throws {
        let harness = try AdminHarness()
        let answer = try await harness.run(#"{ repository(name: "nosuch") { name } }"#)
        #expect(answer.status == 200, "\(answer.text)")
        #expect(answer.object["data"] is NSNull, "\(answer.text)")
        #expect(answer.errors.first?["path"] as? [String] == ["repository"], "\(answer.text)")
    }

    @Test(arguments: [Caller.none, .garbage, .ingest])
    func credentialIsCheckedBeforeTheBody(caller: Caller) async throws {
        let harness = try AdminHarness()
        let answer = try await harness.post(Array("not json".utf8), as: caller)
        #expect(answer.status == (caller == .ingest ? 403 : 401))
    }

    @Test func poolRunsRequestsOnItsOwnThreads() async throws {
        let harness = try AdminHarness()
        let pool = try AdminWorkerPool(threads: 2, name: "admin-test")
        defer { pool.shutdown() }
        let token = harness.credentials[.root]!
        let principal = harness.principal(token)
        let api = harness.api
        let (onPool, response) = await pool.run { () -> (Bool, AdminResponse) in
            let before = pool.isCurrentThreadAWorker
            let body = Array(#"{"query":"mutation { addIngestTokenV3(input: {repositoryName: \"web\", name: \"pooled\"}) { name } }"}"#.utf8)
            let response = await api.execute(body: body, principal: principal)
            return (before && pool.isCurrentThreadAWorker, response)
        }.value
        #expect(onPool)
        #expect(response.status == 200)
        #expect(harness.tokenValue(repository: "web", name: "pooled") != nil)
    }
}

