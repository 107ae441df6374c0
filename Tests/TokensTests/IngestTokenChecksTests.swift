import Testing
@testable import Tokens

/// The check on both cores that every ingest token passes (`IngestTokenChecks`) against validation's outcome:
/// it passes exactly the snapshots validation accepts, with the same rotated-out secrets.
@Suite struct IngestTokenChecksTests {
    static func passing(_ snapshot: Snapshot) throws -> (previousDigests: [TokenDigest], previousOwners: [Int])? {
        var catalog = snapshot
        catalog.ingestTokens = []
        let index = try catalog.validate(file: "f.json")
        let table = IngestTokenTable(snapshot.ingestTokens)
        let repositories = Set(snapshot.repositories.map(\.name))
        return IngestTokenChecks.passing(table, IngestTokenDigests(table), apiDigests: Array(index.apiDigests),
                                         knownRepositories: table.repositories.map { repositories.contains($0) },
                                         knownParsers: table.parsers.map { index.registry.pipeline(named: $0) != nil })
    }

    @Test(arguments: 0..<30)
    func passesExactlyWhatValidationAccepts(_ seed: Int) throws {
        let snapshot = SnapshotCodecServingTests.randomSnapshot(seed: 300 + UInt64(seed), count: 200 + seed * 50,
                                                                faults: seed % 3 == 0 ? 0 : 1)
        let passed = try Self.passing(snapshot)
        do throws(TokenError) {
            let index = try snapshot.validate(file: "f.json")
            #expect(passed?.previousOwners == index.previousDigests.map { $0.0 })
            #expect(passed?.previousDigests == index.previousDigests.map { $0.1 })
        } catch {
            #expect(passed == nil, "passed a snapshot validation refuses: \(error)")
        }
    }

    /// Each kind of duplicate fails the check, wherever in the list its two entries sit.
    @Test(arguments: [[0, 1], [5, 4_999], [2_500, 2_501], [4_998, 4_999]])
    func duplicatesFail(_ pair: [Int]) throws {
        var snapshot = SnapshotCodecServingTests.randomSnapshot(seed: 42, count: 5_000, faults: 0)
        #expect(try Self.passing(snapshot) != nil)
        var names = snapshot
        names.ingestTokens[pair[1]].name = names.ingestTokens[pair[0]].name
        names.ingestTokens[pair[1]].repository = names.ingestTokens[pair[0]].repository
        #expect(try Self.passing(names) == nil)
        var secrets = snapshot
        secrets.ingestTokens[pair[1]].token = secrets.ingestTokens[pair[0]].token
        secrets.ingestTokens[pair[1]].tokenSha256 = secrets.ingestTokens[pair[0]].tokenSha256
        secrets.ingestTokens[pair[1]].custom = secrets.ingestTokens[pair[0]].custom
        #expect(try Self.passing(secrets) == nil)
        snapshot.ingestTokens[pair[1]].previousTokenSha256 = snapshot.ingestTokens[pair[0]].tokenSha256
            ?? TokenDigest(hashing: snapshot.ingestTokens[pair[0]].token!).hex
        snapshot.ingestTokens[pair[1]].previousExpiresAt = 1
        #expect(try Self.passing(snapshot) == nil)
    }
}
