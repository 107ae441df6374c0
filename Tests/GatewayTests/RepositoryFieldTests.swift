import Testing
import EventModel
@testable import Gateway

/// `hasRepositoryField` answers exactly whether the per-event walk could find a `#repo` field.
@Suite struct RepositoryFieldTests {
    @Test(arguments: [
        ([[String]](), false), ([["#source"]], false), ([["#repo"]], true), ([["#rep", "#repos", "repo", "#REPO"]], false),
        ([["a", "b"], [], ["c", "#repo"]], true), ([[], ["x"], ["#type", "y"]], false),
    ])
    func findsRepositoryFields(_ names: [[String]], _ expected: Bool) {
        var batch = EventBatch()
        for eventNames in names {
            Array("line".utf8).withUnsafeBytes { batch.beginEvent(rawstring: $0, ingestMillis: 1) }
            for name in eventNames {
                Array(name.utf8).withUnsafeBytes { n in Array("v".utf8).withUnsafeBytes { batch.addField(name: n, value: $0) } }
            }
        }
        #expect(batch.hasRepositoryField() == expected)
        let walk = (0..<batch.count).contains { GatewayHandler.namedRepository(batch, event: $0) != nil }
        #expect(walk == expected)
    }
}
