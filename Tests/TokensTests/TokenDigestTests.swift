import Testing
@testable import Tokens

@Suite struct TokenDigestTests {
    static let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

    @Test func hexOfAKnownDigest() {
        #expect(TokenDigest(hashing: "abc").hex == Self.abc)
        #expect(TokenDigest(w0: 0, w1: 0, w2: 0, w3: 0).hex == String(repeating: "0", count: 64))
        #expect(TokenDigest(w0: .max, w1: .max, w2: .max, w3: .max).hex == String(repeating: "f", count: 64))
    }

    @Test func bothCasesParseToTheSameDigest() {
        let digest = TokenDigest(hashing: "abc")
        #expect(TokenDigest(hex: Self.abc) == digest)
        #expect(TokenDigest(hex: Self.abc.uppercased()) == digest)
        let bytes = Array(Self.abc.utf8)
        #expect(bytes.withUnsafeBytes { TokenDigest(hexBytes: $0) } == digest)
    }

    /// Every byte that is no hexadecimal digit is refused at every position, including the neighbours of
    /// the digit ranges ('/' ':' '@' 'G' '`' 'g') and bytes that become digits when case is folded.
    @Test(arguments: ["/", ":", "@", "G", "`", "g", " ", "\u{10}", "\u{7F}", "\u{CF}", "\u{D0}"])
    func aNonDigitIsRefusedAnywhere(_ bad: String) {
        let badByte = Array(bad.unicodeScalars).first!.value
        for position in 0..<64 {
            var bytes = Array(Self.abc.utf8)
            bytes[position] = UInt8(truncatingIfNeeded: badByte)
            #expect(bytes.withUnsafeBytes { TokenDigest(hexBytes: $0) } == nil, "position \(position)")
        }
    }

    @Test(arguments: [0, 1, 63, 65, 128])
    func anyOtherLengthIsRefused(_ length: Int) {
        #expect(TokenDigest(hex: String(repeating: "a", count: length)) == nil)
    }

    @Test func everyDigitValueParses() {
        let digits = "0123456789abcdefABCDEF"
        for (value, digit) in zip([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 10, 11, 12, 13, 14, 15], digits) {
            let parsed = TokenDigest(hex: String(repeating: digit, count: 64))
            let byte = UInt64(value << 4 | value)
            let word = (0..<8).reduce(UInt64(0)) { $0 | byte << (8 * $1) }
            #expect(parsed == TokenDigest(w0: word, w1: word, w2: word, w3: word), "digit \(digit)")
        }
    }

    @Test func lowercaseIsTheStoredForm() {
        #expect(TokenDigest.isLowercase(hex: Self.abc))
        #expect(!TokenDigest.isLowercase(hex: Self.abc.uppercased()))
        #expect(!TokenDigest.isLowercase(hex: "F" + Self.abc.dropFirst()))
    }
}
