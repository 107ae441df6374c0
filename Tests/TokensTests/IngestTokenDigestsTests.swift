import Testing
@testable import Tokens

@Suite struct IngestTokenDigestsTests {
    static let generated = TokenGenerator.ingestToken()
    static let hex = TokenDigest(hashing: "abc").hex

    /// Each entry's digest as validation computes it alone: nil when the entry would be refused.
    static func expected(_ token: IngestToken) -> TokenDigest? {
        switch (token.token, token.tokenSha256) {
        case let (value?, nil):
            let problem = token.custom == true ? Snapshot.customTokenProblem(value) : Snapshot.generatedTokenProblem(value)
            return problem == nil ? TokenDigest(hashing: value) : nil
        case let (nil, hex?): return TokenDigest(hex: hex)
        default: return nil
        }
    }

    static let forms: [IngestToken] = [
        IngestToken(name: "generated", repository: "web", token: generated),
        IngestToken(name: "custom", repository: "web", token: "an-operator's-token", custom: true),
        IngestToken(name: "custom but short", repository: "web", token: "short", custom: true),
        IngestToken(name: "custom not marked", repository: "web", token: "an-operator's-token"),
        IngestToken(name: "digest", repository: "db", tokenSha256: hex),
        IngestToken(name: "upper digest", repository: "db", tokenSha256: hex.uppercased()),
        IngestToken(name: "bad digest", repository: "db", tokenSha256: "xyz"),
        IngestToken(name: "both", repository: "db", token: generated, tokenSha256: hex),
        IngestToken(name: "neither", repository: "db"),
    ]

    @Test func eachFormAsValidationComputesIt() {
        let digests = IngestTokenDigests(Self.forms)
        #expect(digests.count == Self.forms.count)
        for (i, token) in Self.forms.enumerated() {
            #expect(digests.digest(at: i) == Self.expected(token), "\(token.name)")
            #expect(digests.nameHash(at: i) == DuplicateFinder.hash(token.repository, token.name))
        }
    }

    /// Over many units of work, two threads give what one gives, entry for entry.
    @Test func threadsDoNotChangeTheResult() {
        let count = IngestTokenDigests.chunk * 3 + 17
        let tokens = (0..<count).map { i in
            var token = Self.forms[i % Self.forms.count]
            token.name += "\(i)"
            if token.token != nil && token.custom != true && i % 2 == 0 { token.token = TokenGenerator.ingestToken() }
            return token
        }
        let one = IngestTokenDigests(tokens, threads: 1)
        let two = IngestTokenDigests(tokens, threads: 2)
        var mismatches = 0
        for i in 0..<count where one.digest(at: i) != two.digest(at: i) || one.nameHash(at: i) != two.nameHash(at: i)
            || one.digest(at: i) != Self.expected(tokens[i]) {
            mismatches += 1
        }
        #expect(mismatches == 0)
    }

    @Test func noTokensNoDigests() {
        #expect(IngestTokenDigests([]).count == 0)
    }
}
