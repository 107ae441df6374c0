import Foundation
import Testing
@testable import Tokens

@Suite struct BootstrapTests {
    @Test func firstStartCreatesTheInitialSnapshotAndCredentials() throws {
        let directory = TemporaryDirectory()
        let data = directory.path + "/data"
        let result = try #require(try TokenStore.bootstrap(dataDirectory: data))
        let snapshot = try SnapshotFile(dataDirectory: data).load()

        #expect(snapshot.organizations.map(\.name) == ["default"])
        #expect(snapshot.repositories.map(\.name) == ["humio", "humio-audit", "humio-activity", "humio-metrics", "sandbox"])
        #expect(snapshot.repositories.filter { $0.kind == .system }.count == 4)
        #expect(snapshot.repository(named: "sandbox")?.kind == .sandbox)
        #expect(snapshot.repositories.allSatisfy { repository in
            snapshot.ingestTokens(in: repository.name).map(\.name) == ["default"]
        })
        #expect(snapshot.users == [User(name: "admin", root: true)])
        #expect(snapshot.apiTokens.map(\.kind) == [.personal])

        #expect(result.repository == "sandbox" && result.user == "admin")
        #expect(snapshot.ingestTokens(in: "sandbox").first?.token == result.ingestToken)
        #expect((43...44).contains(result.ingestToken.count) && Base62.isBase62(result.ingestToken))
        #expect(result.apiToken.hasPrefix(snapshot.apiTokens[0].id + "~"))
        #expect(snapshot.apiTokens[0].token == nil)
        #expect(snapshot.apiTokens[0].tokenSha256 == TokenDigest(hashing: result.apiToken).hex)
        #expect(result.curlCommand(baseURL: "http://localhost:8080").contains("Bearer \(result.ingestToken)"))

        let credentialsPath = data + "/bootstrap-credentials.json"
        var info = stat()
        #expect(stat(credentialsPath, &info) == 0 && info.st_mode & 0o777 == 0o600)
        let saved = try JSONDecoder().decode(BootstrapResult.self, from: Data(contentsOf: URL(fileURLWithPath: credentialsPath)))
        #expect(saved == result)

        // The tokens authenticate as what they are.
        let store = try TokenStore(dataDirectory: data, logger: .init(label: "test"))
        #expect(store.lookup(result.ingestToken)?.kind == .ingestToken(repository: "sandbox"))
        let admin = try #require(store.lookup(result.apiToken))
        #expect(admin.kind == .personal(user: "admin") && admin.isRoot && admin.userName == "admin")
    }

    @Test func secondStartChangesNothing() throws {
        let directory = TemporaryDirectory()
        _ = try TokenStore.bootstrap(dataDirectory: directory.path)
        let before = try SnapshotFile(dataDirectory: directory.path).load()
        #expect(try TokenStore.bootstrap(dataDirectory: directory.path) == nil)
        #expect(try SnapshotFile(dataDirectory: directory.path).load() == before)
    }

    @Test func generatedTokensAreDistinctBase62() {
        let tokens = (0..<200).map { _ in TokenGenerator.ingestToken() }
        #expect(Set(tokens).count == tokens.count)
        #expect(tokens.allSatisfy { $0.count == 43 && Base62.isBase62($0) })
        let api = TokenGenerator.apiToken()
        #expect(api.token.hasPrefix(api.id + "~") && api.token.count == api.id.count + 1 + 43)
    }

    @Test(arguments: [
        ([UInt8](repeating: 0, count: 32), String(repeating: "0", count: 43)),
        ([UInt8](repeating: 0, count: 31) + [61], String(repeating: "0", count: 42) + "z"),
        ([UInt8](repeating: 0, count: 31) + [62], String(repeating: "0", count: 41) + "10"),
        ([UInt8](repeating: 255, count: 32), "" ),
    ])
    func base62EncodesAsABigEndianNumber(_ bytes: [UInt8], _ expected: String) {
        let encoded = Base62.encode(bytes, width: 43)
        if expected.isEmpty {
            // 2^256 - 1 needs exactly 43 base62 digits.
            #expect(encoded.count == 43 && encoded.first != "0")
        } else {
            #expect(encoded == expected)
        }
    }
}
