import Admin
import Testing
import Tokens

/// Each operation of the spec, posted as the documented text, and its effect on the serving token set.
@Suite struct AdminOperationTests {
    @Test func addIngestTokenServesBeforeTheAnswer() async throws {
        let harness = try AdminHarness()
        let answer = try await harness.run("""
            mutation { addIngestTokenV3(input: {repositoryName: "web", name: "shipper", parser: "json"}) { name token parser { id name } } }
            """)
        #expect(answer.status == 200, "\(answer.text)")
        #expect(answer.value("addIngestTokenV3", "name") as? String == "shipper")
        #expect(answer.value("addIngestTokenV3", "parser", "name") as? String == "json")
        let token = try #require(answer.value("addIngestTokenV3", "token") as? String)
        #expect(Base62.isBase62(token) && token.count == 43)
        let principal = try #require(harness.principal(token))
        #expect(principal.kind == .ingestToken(repository: "web"))
        #expect(principal.parser != nil)
    }

    @Test func repositoryListsTokensWithParsers() async throws {
        let harness = try AdminHarness()
        _ = try await harness.run(#"mutation { assignParserToIngestTokenV2(input: {repositoryName: "web", tokenName: "default", parser: "kv"}) { name } }"#)
        let answer = try await harness.run(#"query { repository(name: "web") { name type ingestTokens { name token parser { id name } } } }"#)
        #expect(answer.errors.isEmpty, "\(answer.text)")
        #expect(answer.value("repository", "name") as? String == "web")
        #expect(answer.value("repository", "type") as? String == "DEFAULT")
        let tokens = try #require(answer.value("repository", "ingestTokens") as? [[String: Any]])
        #expect(tokens.count == 1)
        #expect(tokens[0]["name"] as? String == "default")
        #expect(tokens[0]["token"] as? String == harness.tokenValue(repository: "web", name: "default"))
        #expect((tokens[0]["parser"] as? [String: Any])?["name"] as? String == "kv")
    }

    @Test func repositoriesListsWhatTheCallerManages() async throws {
        let harness = try AdminHarness()
        let all = try await harness.run("{ repositories { name type } }")
        let names = (all.value("repositories") as? [[String: Any]])?.compactMap { $0["name"] as? String }
        #expect(names == ["sandbox", "web", "other"])
        let alice = try await harness.run("{ repositories { name ingestTokens { name } } }", as: .manager)
        #expect((alice.value("repositories") as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["web"])
        let bob = try await harness.run("{ repositories { name } }", as: .plainUser)
        #expect((bob.value("repositories") as? [Any])?.isEmpty == true)
    }

    @Test func assignAndUnassignParserChangeTheServingPrincipal() async throws {
        let harness = try AdminHarness()
        let token = try #require(harness.tokenValue(repository: "web", name: "default"))
        #expect(harness.principal(token)?.parser == nil)
        let assigned = try await harness.run(#"mutation { assignParserToIngestTokenV2(input: {repositoryName: "web", tokenName: "default", parser: "json"}) { name parser { name } } }"#)
        #expect(assigned.value("assignParserToIngestTokenV2", "parser", "name") as? String == "json", "\(assigned.text)")
        #expect(harness.principal(token)?.parser != nil)
        let unassigned = try await harness.run(#"mutation { unassignIngestToken(repositoryName: "web", tokenName: "default") { repository { name ingestTokens { parser { name } } } } }"#)
        #expect(unassigned.value("unassignIngestToken", "repository", "name") as? String == "web", "\(unassigned.text)")
        #expect(harness.principal(token)?.parser == nil)
        #expect(harness.store.snapshot.ingestTokens.first { $0.repository == "web" }?.parser == nil)
    }

    @Test func unknownParserIsRefusedAndNothingChanges() async throws {
        let harness = try AdminHarness()
        let answer = try await harness.run(#"mutation { assignParserToIngestTokenV2(input: {repositoryName: "web", tokenName: "default", parser: "nope"}) { name } }"#)
        #expect(answer.messages == ["parser 'nope' does not exist"])
        #expect(harness.store.snapshot.ingestTokens.first { $0.repository == "web" }?.parser == nil)
    }

    @Test func removeIngestTokenStopsItBeforeTheAnswer() async throws {
        let harness = try AdminHarness()
        let token = try #require(harness.tokenValue(repository: "web", name: "default"))
        #expect(harness.principal(token) != nil)
        let answer = try await harness.run(#"mutation { removeIngestToken(repositoryName: "web", name: "default") { result } }"#)
        #expect(answer.value("removeIngestToken", "result") as? Bool == true, "\(answer.text)")
        #expect(harness.principal(token) == nil)
        let again = try await harness.run(#"mutation { removeIngestToken(repositoryName: "web", name: "default") { result } }"#)
        #expect(again.messages == ["repository 'web' has no ingest token named 'default'"])
        #expect(again.errors.first?["path"] as? [String] == ["removeIngestToken"])
    }

    @Test func featuresToggle() async throws {
        let harness = try AdminHarness()
        let on = try await harness.run("mutation { enableFeature(feature: CustomIngestTokens) }")
        #expect(on.value("enableFeature") as? Bool == true)
        #expect(harness.store.snapshot.hasFeature("CustomIngestTokens"))
        let off = try await harness.run("mutation { disableFeature(feature: CustomIngestTokens) }")
        #expect(off.value("disableFeature") as? Bool == true)
        #expect(!harness.store.snapshot.hasFeature("CustomIngestTokens"))
    }

    @Test func createRepositoryComesWithADefaultToken() async throws {
        let harness = try AdminHarness()
        let answer = try await harness.run(#"mutation { createRepository(name: "new-repo") { repository { name type ingestTokens { name token } } } }"#)
        #expect(answer.value("createRepository", "repository", "name") as? String == "new-repo", "\(answer.text)")
        let tokens = try #require(answer.value("createRepository", "repository", "ingestTokens") as? [[String: Any]])
        #expect(tokens.map { $0["name"] as? String } == ["default"])
        let token = try #require(tokens.first?["token"] as? String)
        #expect(harness.principal(token)?.kind == .ingestToken(repository: "new-repo"))
        let duplicate = try await harness.run(#"mutation { createRepository(name: "new-repo") { repository { name } } }"#)
        #expect(duplicate.messages == ["repository 'new-repo' already exists"])
    }

    @Test(arguments: [
        ("createOrganizationPermissionsToken", "[IngestAcrossAllReposWithinOrganization]", Principal.Kind.organizationToken(organization: "default"), true),
        ("createSystemPermissionsToken", "[IngestAcrossAllReposWithinCluster]", Principal.Kind.systemToken, true),
        ("createOrganizationPermissionsToken", "[CreateRepository]", Principal.Kind.organizationToken(organization: "default"), false),
    ])
    func createAPITokens(operation: String, permissions: String, kind: Principal.Kind, canIngest: Bool) async throws {
        let harness = try AdminHarness()
        let answer = try await harness.run(#"mutation { \#(operation)(input: {name: "new-token", permissions: \#(permissions)}) }"#)
        let token = try #require(answer.value(operation) as? String, "\(answer.text)")
        #expect(token.contains("~"))
        let principal = try #require(harness.principal(token))
        #expect(principal.kind == kind)
        #expect(principal.canIngest == canIngest)
        #expect(!harness.store.snapshot.apiTokens.contains { $0.token == token }, "only the digest is stored")
    }

    @Test func variablesAndOperationNameWork() async throws {
        let harness = try AdminHarness()
        let document = """
            query Tokens($name: String!) { repository(name: $name) { ingestTokens { name } } }
            mutation Add($input: AddIngestTokenV3Input!) { addIngestTokenV3(input: $input) { name } }
            """
        let added = try await harness.run(document, variables: ["input": ["repositoryName": "web", "name": "from-vars"]], operationName: "Add")
        #expect(added.value("addIngestTokenV3", "name") as? String == "from-vars", "\(added.text)")
        let listed = try await harness.run(document, variables: ["name": "web"], operationName: "Tokens")
        #expect((listed.value("repository", "ingestTokens") as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["default", "from-vars"])
        let ambiguous = try await harness.run(document, variables: ["name": "web"])
        #expect(ambiguous.messages == ["Must provide operation name if query contains multiple operations."])
    }

    @Test func systemRepositoryTokensAreNeverListed() async throws {
        let harness = try AdminHarness()
        let answer = try await harness.run(#"{ repository(name: "humio-audit") { name type ingestTokens { name token } } }"#)
        #expect(answer.messages == ["You don't have permission to read ingest tokens."])
        #expect(answer.errors.first?["path"] as? [String] == ["repository", "ingestTokens"])
        #expect(answer.errors.first?["locations"] != nil)
        #expect(!answer.text.contains(harness.tokenValue(repository: "humio-audit", name: "default")!))
        let withoutTokens = try await harness.run(#"{ repository(name: "humio-audit") { name type } }"#)
        #expect(withoutTokens.value("repository", "type") as? String == "SYSTEM")
    }

    /// Root neither reads nor changes a system repository's tokens through a mutation, and a mutation that
    /// did not create a token never returns its secret.
    @Test func systemRepositoryTokensAreNeverChangedAndSecretsNeverReturned() async throws {
        let harness = try AdminHarness()
        let secret = try #require(harness.tokenValue(repository: "humio-audit", name: "default"))
        for mutation in [
            #"mutation { assignParserToIngestTokenV2(input: {repositoryName: "humio-audit", tokenName: "default", parser: "kv"}) { name token } }"#,
            #"mutation { unassignIngestToken(repositoryName: "humio-audit", tokenName: "default") { __typename } }"#,
            #"mutation { removeIngestToken(repositoryName: "humio-audit", name: "default") { result } }"#,
            #"mutation { addIngestTokenV3(input: {repositoryName: "humio", name: "extra"}) { token } }"#,
        ] {
            let answer = try await harness.run(mutation)
            #expect(answer.messages == [AdminMessages.changeIngestTokens], "\(answer.text)")
            #expect(!answer.text.contains(secret))
        }
        let audit = try #require(harness.store.snapshot.ingestTokens.first { $0.repository == "humio-audit" && $0.name == "default" })
        #expect(audit.parser == nil)
        #expect(harness.tokenValue(repository: "humio-audit", name: "default") == secret)
        #expect(!harness.store.snapshot.ingestTokens.contains { $0.name == "extra" })

        let web = try #require(harness.tokenValue(repository: "web", name: "default"))
        let assigned = try await harness.run(#"mutation { assignParserToIngestTokenV2(input: {repositoryName: "web", tokenName: "default", parser: "kv"}) { name token parser { name } } }"#)
        #expect(assigned.messages.isEmpty, "\(assigned.text)")
        #expect(!assigned.text.contains(web))
        #expect((assigned.value("assignParserToIngestTokenV2", "token") as? String)?.hasPrefix(String(web.prefix(4))) == true)
    }
}

