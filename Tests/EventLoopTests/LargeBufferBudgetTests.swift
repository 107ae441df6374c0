import Testing
@testable import EventLoop

@Suite struct LargeBufferBudgetTests {
    /// (size asked, grant held, kept before) -> (grant returned, kept after), per-connection 100, total 250.
    @Test(arguments: [
        (80, 0, 0, 80, 80),        // a first large buffer fits
        (100, 0, 150, 100, 250),   // exactly up to the total
        (101, 0, 0, 0, 0),         // above the per-connection cap
        (90, 0, 200, 0, 200),      // would pass the total: refused, others' grants untouched
        (90, 80, 200, 90, 210),    // growing a held grant counts only the difference
        (100, 80, 240, 0, 160),    // growing past the total gives the old grant back
        (120, 80, 80, 0, 0),       // growing past the per-connection cap gives the old grant back
        (60, 80, 80, 60, 60),      // a smaller buffer shrinks the grant
    ])
    func keep(size: Int, granted: Int, keptBefore: Int, expectedGrant: Int, keptAfter: Int) {
        var budget = LargeBufferBudget(perConnection: 100, total: 250)
        var others = keptBefore - granted
        while others > 0 {
            #expect(budget.keep(min(100, others), granted: 0) > 0)
            others -= min(100, others)
        }
        if granted > 0 { _ = budget.keep(granted, granted: 0) }
        #expect(budget.kept == keptBefore)
        #expect(budget.keep(size, granted: granted) == expectedGrant)
        #expect(budget.kept == keptAfter)
    }

    @Test func releaseReturnsTheGrant() {
        var budget = LargeBufferBudget(perConnection: 100, total: 250)
        let first = budget.keep(100, granted: 0)
        let second = budget.keep(100, granted: 0)
        #expect(budget.keep(100, granted: 0) == 0)
        budget.release(first)
        #expect(budget.kept == second)
        #expect(budget.keep(100, granted: 0) == 100)
        #expect(budget.kept == 200)
    }
}
