import Testing
@testable import Tokens

@Suite struct DuplicateFinderTests {
    /// A finder over `keys`: the first earlier entry with the same key, for each entry (nil for none).
    static func firstDuplicates(_ keys: [String], hash: (String) -> UInt64) -> [Int?] {
        var finder = DuplicateFinder(expected: keys.count)
        return keys.indices.map { i in finder.insert(hash: hash(keys[i])) { keys[$0] == keys[i] } }
    }

    @Test func findsTheFirstEarlierEntryWithTheSameKey() {
        let keys = ["a", "b", "a", "c", "b", "a"]
        let found = Self.firstDuplicates(keys) { DuplicateFinder.hash("r", $0) }
        #expect(found == [nil, nil, 0, nil, 1, 0])
    }

    /// Every key hashing alike (one long probe run, wrapping at the table's end) still tells keys apart.
    @Test func equalHashesAreToldApartByTheKeys() {
        let keys = (0..<100).map { "k\($0 % 40)" }
        let found = Self.firstDuplicates(keys) { _ in UInt64.max }
        #expect(found == keys.indices.map { $0 < 40 ? nil : $0 % 40 })
    }

    /// Entries whose hashes share the slot's bits but not the kept 32 bits are told apart without asking
    /// for their keys; equal hash bits are always confirmed by the keys.
    @Test func theKeptHashBitsSpareKeyComparisons() {
        var finder = DuplicateFinder(expected: 64)
        var comparisons = 0
        var found: [Int?] = []
        for i in 0..<64 {
            found.append(finder.insert(hash: 0xabcd_0000_0000_0000 | UInt64(i)) { _ in comparisons += 1; return true })
        }
        #expect(found.allSatisfy { $0 == nil })
        #expect(comparisons == 0)
        let again = finder.insert(hash: 0xabcd_0000_0000_0000 | 17) { comparisons += 1; return $0 == 17 }
        #expect(again == 17)
        #expect(comparisons == 1)
        // The same kept bits under other slot bits: only the key can say, and it says "different".
        let other = finder.insert(hash: 0x1234_0000_0000_0000 | 17) { _ in comparisons += 1; return false }
        #expect(other == nil)
    }

    @Test func aMillionDistinctDigestsHaveNoDuplicate() {
        var finder = DuplicateFinder(expected: 1_000_000)
        var words = [UInt64]()
        words.reserveCapacity(1_000_000)
        var state: UInt64 = 0x9e37_79b9_7f4a_7c15
        var duplicates = 0
        for _ in 0..<1_000_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let word = state ^ state >> 29
            if finder.insert(hash: word, isEqual: { words[$0] == word }) != nil { duplicates += 1 }
            words.append(word)
        }
        #expect(duplicates == 0)
        #expect(finder.insert(hash: words[123_456], isEqual: { words[$0] == words[123_456] }) == 123_456)
    }

    /// The pair hash keeps the two parts apart: moving bytes across the separator changes it.
    @Test func thePairHashSeparatesItsParts() {
        #expect(DuplicateFinder.hash("ab", "c") != DuplicateFinder.hash("a", "bc"))
        #expect(DuplicateFinder.hash("", "abc") != DuplicateFinder.hash("abc", ""))
        #expect(DuplicateFinder.hash("web", "t1") == DuplicateFinder.hash("web", "t1"))
    }
}
