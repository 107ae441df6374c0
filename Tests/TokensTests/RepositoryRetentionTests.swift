import Foundation
import Testing
import WAL
@testable import Tokens

/// A repository's own retention settings in the snapshot: encoded, decoded, validated and edited.
@Suite struct RepositoryRetentionTests {
    static let oneSecondInDays = 1.0 / 86_400

    static func withRetention() -> Snapshot {
        var snapshot = Fixture.snapshot()
        snapshot.repositories[0].timeBasedRetention = 7
        snapshot.repositories[0].storageSizeBasedRetention = 0.5
        snapshot.repositories[3].timeBasedRetention = oneSecondInDays
        snapshot.repositories[3].ingestSizeBasedRetention = 1_000_000_000
        return snapshot
    }

    @Test func roundTripsExactlyAndAgreesWithCodable() throws {
        let snapshot = Self.withRetention()
        let ours = SnapshotCodec.encode(snapshot)
        #expect(try SnapshotCodec.decode(ours, file: "f") == snapshot)
        #expect(try JSONDecoder().decode(Snapshot.self, from: Data(ours)) == snapshot)
        #expect(try SnapshotCodec.decode([UInt8](try JSONEncoder().encode(snapshot)), file: "f") == snapshot)
        let text = String(decoding: ours, as: UTF8.self)
        #expect(text.contains(#""kind": "regular", "timeBasedRetention": 7, "storageSizeBasedRetention": 0.5}"#))
        #expect(text.contains(#""timeBasedRetention": 1.1574074074074073e-05, "ingestSizeBasedRetention": 1000000000}"#))
        #expect(!text.contains(#""name": "humio", "organization": "default", "kind": "system", "#), "absent settings are left out")
    }

    @Test(arguments: [
        (#""timeBasedRetention": 2.5"#, 2.5), (#""timeBasedRetention": 3"#, 3), (#""timeBasedRetention": 1E-3"#, 0.001),
        (#""timeBasedRetention": 12.5e+1"#, 125), (#""timeBasedRetention": null"#, nil),
    ] as [(String, Double?)])
    func decodesJSONNumbersAndNull(_ field: String, _ expected: Double?) throws {
        let text = #"{"version": 1, "organizations": [{"name": "default"}], "repositories": [{"name": "r", "# + field + "}]}"
        #expect(try SnapshotCodec.decode(Array(text.utf8), file: "f").repositories[0].timeBasedRetention == expected)
    }

    @Test(arguments: [
        (#""storageSizeBasedRetention": "5""#, "$.repositories[0].storageSizeBasedRetention", "expected a number"),
        (#""timeBasedRetention": 07"#, "$.repositories[0].timeBasedRetention", "bad JSON"),
        (#""timeBasedRetention": 1."#, "$.repositories[0].timeBasedRetention", "a digit after '.'"),
        (#""timeBasedRetention": 1e"#, "$.repositories[0].timeBasedRetention", "a digit in the exponent"),
        (#""timeBasedRetention": 0"#, "$.repositories[0].timeBasedRetention", "must be a positive number of days"),
        (#""timeBasedRetention": -1"#, "$.repositories[0].timeBasedRetention", "must be a positive number of days"),
        (#""timeBasedRetention": 1e999"#, "$.repositories[0].timeBasedRetention", "must be a positive number of days"),
        (#""timeBasedRetention": 1000001"#, "$.repositories[0].timeBasedRetention", "at most 1000000"),
        (#""ingestSizeBasedRetention": 1e10"#, "$.repositories[0].ingestSizeBasedRetention", "positive number of GB, at most 1000000000"),
        (#""storageSizeBasedRetention": -0.5"#, "$.repositories[0].storageSizeBasedRetention", "positive number of GB"),
    ])
    func refusesWhatIsNotAPositiveFiniteNumberInRange(_ field: String, _ path: String, _ reason: String) {
        let directory = TemporaryDirectory()
        let file = SnapshotFile(path: directory.write("tokens.json",
            #"{"version": 1, "organizations": [{"name": "default"}], "repositories": [{"name": "r", "# + field + "}]}"))
        #expect {
            _ = try file.load()
        } throws: { error in
            guard case let .invalidSnapshot(_, errorPath, errorReason) = error as? TokenError else { return false }
            return errorPath == path && errorReason.contains(reason)
        }
    }

    @Test func editingSetsClearsAndKeepsEachSettingApart() throws {
        var snapshot = Self.withRetention()
        let changed = try snapshot.setRepositoryRetention(name: "web", [.timeBasedRetention: 30, .ingestSizeBasedRetention: 2])
        #expect(changed.timeBasedRetention == 30 && changed.ingestSizeBasedRetention == 2)
        #expect(changed.storageSizeBasedRetention == 0.5, "a setting left out stays")
        var clear: [Repository.RetentionSetting: Double?] = [:]
        clear.updateValue(nil, forKey: .storageSizeBasedRetention)
        try snapshot.setRepositoryRetention(name: "web", clear)
        #expect(snapshot.repository(named: "web")?.storageSizeBasedRetention == nil)
        #expect(snapshot.repository(named: "web")?.timeBasedRetention == 30)
        #expect(throws: TokenError.invalidArgument(Repository.RetentionSetting.timeBasedRetention.problem(0)!)) {
            try snapshot.setRepositoryRetention(name: "web", [.timeBasedRetention: 0])
        }
        #expect(throws: TokenError.notFound("repository 'nope' does not exist")) {
            try snapshot.setRepositoryRetention(name: "nope", [.timeBasedRetention: 1])
        }
        #expect(snapshot.repository(named: "web")?.timeBasedRetention == 30, "a refused change leaves the setting")
        _ = try snapshot.validate(file: "f")
    }

    @Test func limitsAreInTheWALsUnits() {
        let repository = Self.withRetention().repositories
        #expect(repository[0].retentionLimits == RetentionLimits(hours: 168, bytes: 500_000_000))
        #expect(repository[3].retentionLimits.hours == 24 * Self.oneSecondInDays)
        #expect(repository[3].retentionLimits.ingestBytes == 1_000_000_000_000_000_000)
        #expect(repository[1].retentionLimits.isUnlimited)
    }

    @Test func listingShowsTheOwnSettings() {
        let rows = Self.withRetention().repositoryRows()
        #expect(rows[0].retentionText == "7 days, 0.5 GB on disk")
        #expect(rows[1].retentionText == "default")
        #expect(rows[3].retentionText == "1.1574074074074073e-05 days, 1000000000 GB ingested")
    }
}
