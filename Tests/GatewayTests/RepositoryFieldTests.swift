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
        let walk = (0..<batch.count).contains { GatewayHandler.namedRepository(batch, event: $0) != .unnamed }
        #expect(walk == expected)
    }
}

/// Two `#repo` fields of one event must agree: a reader keeping either one then sees the repository checked.
@Suite struct NamedRepositoryTests {
    static let cases: [([(String, String)], String?, Bool)] = [
        ([("#repo", "a")], "a", false), ([("#repo", "a"), ("x", "1"), ("#repo", "a")], "a", false),
        ([("#repo", "a"), ("#repo", "humio-audit")], nil, true), ([("x", "1")], nil, false),
    ]

    @Test(arguments: cases)
    func agreesOrConflicts(_ fields: [(String, String)], _ named: String?, _ conflicting: Bool) {
        var batch = EventBatch()
        Array("line".utf8).withUnsafeBytes { batch.beginEvent(rawstring: $0, ingestMillis: 1) }
        for (name, value) in fields {
            Array(name.utf8).withUnsafeBytes { n in Array(value.utf8).withUnsafeBytes { batch.addField(name: n, value: $0) } }
        }
        switch GatewayHandler.namedRepository(batch, event: 0) {
        case .unnamed: #expect(named == nil && !conflicting)
        case .conflicting: #expect(conflicting)
        case .named(let span): #expect(String(decoding: batch.bytes(span), as: UTF8.self) == named)
        }
    }
}
