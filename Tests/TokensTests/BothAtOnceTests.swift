import Testing
@testable import Tokens

@Suite struct BothAtOnceTests {
    @Test func returnsBothResults() {
        let (sum, text) = bothAtOnce({ (1...1000).reduce(0, +) }, { String(repeating: "ab", count: 3) })
        #expect(sum == 500_500)
        #expect(text == "ababab")
    }

    /// Results that own memory come back whole (no copy is lost or freed twice).
    @Test func classResultsSurvive() {
        final class Box { let value: [Int]; init(_ value: [Int]) { self.value = value } }
        for _ in 0..<100 {
            let (a, b) = bothAtOnce({ Box(Array(0..<100)) }, { Box(Array(100..<200)) })
            #expect(a.value.first == 0 && b.value.last == 199)
        }
    }
}
