import Forwarding
import Testing
import Tokens

struct DeletionPurgerTests {
    let deletion = SnapshotValue(batch: ("b1", 2), body: []).bytes
    let value = Array(#"{"version": 1}"#.utf8)

    @Test func aDeletionIsDueOnceOldEnoughAndListedOnce() {
        var purger = DeletionPurger(ageMillis: 1000)
        purger.saw(key: "token.web.a", revision: 7, value: [], nowMillis: 0)
        purger.saw(key: "token.web.b", revision: 8, value: deletion, nowMillis: 500)
        #expect(purger.due(nowMillis: 999).isEmpty)
        #expect(purger.due(nowMillis: 1000).map(\.key) == ["token.web.a"])
        #expect(purger.due(nowMillis: 1000).isEmpty, "listed once")
        let later = purger.due(nowMillis: 1500)
        #expect(later.map(\.key) == ["token.web.b"] && later.map(\.revision) == [8])
    }

    @Test func aValueWrittenAfterTheDeletionCancelsItAndAnOlderEntryChangesNothing() {
        var purger = DeletionPurger(ageMillis: 0)
        purger.saw(key: "token.web.a", revision: 7, value: nil, nowMillis: 0)
        purger.saw(key: "token.web.a", revision: 9, value: value, nowMillis: 0)
        #expect(purger.due(nowMillis: 10).isEmpty)
        purger.saw(key: "token.web.a", revision: 11, value: [], nowMillis: 0)
        purger.saw(key: "token.web.a", revision: 10, value: value, nowMillis: 0)
        #expect(purger.due(nowMillis: 10).map(\.revision) == [11], "the newest deletion, not an older value")
    }

    @Test func aLimitBoundsOnePass() {
        var purger = DeletionPurger(ageMillis: 0)
        for n in 0..<5 { purger.saw(key: "token.web.\(n)", revision: UInt64(n + 1), value: [], nowMillis: 0) }
        #expect(purger.due(nowMillis: 1, limit: 3).count == 3)
        #expect(purger.count == 2)
    }
}
