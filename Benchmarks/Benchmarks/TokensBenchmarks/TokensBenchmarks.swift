// Token suite: TokenCache.lookup of a 44-byte bearer token (SHA-256, stripe lock, table probe), as every
// ingest request does, at 10 and 100 000 tokens; hits cycle through 1024 of the set's tokens, misses are
// tokens not in the set. Time and mallocs per lookup (1000 lookups per measured iteration); expect 0 mallocs.
// The 1 000 000-token and snapshot-reload figures are the plain `TokenBenchmarks` target (perf/token-bench.md).
import Benchmark
import SluiceBenchmarkSupport
import Tokens

/// A cache of `count` tokens with the tokens to look up: `hits` from the set, `misses` outside it.
struct TokenFixture {
    let cache: TokenCache
    let hits: [[UInt8]]
    let misses: [[UInt8]]

    init(count: Int) {
        let tokens = Corpus.tokens(count: count)
        let entries = tokens.enumerated().map { index, token in
            token.withUnsafeBytes { bytes in
                (digest: TokenDigest(hashing: bytes),
                 principal: Principal(kind: .ingestToken(repository: "repo\(index % 100)"), canIngest: true,
                                      metricLabel: "repo\(index % 100)/t\(index)"))
            }
        }
        cache = TokenCache(TokenSet(entries: entries))
        hits = (0..<1024).map { tokens[($0 &* 7919) % count] }
        misses = Corpus.tokens(count: 1024, seed: 0xD1B5_4A32_D192_ED03)
        precondition(cache.count == count, "every token must be in the cache")
        precondition(hits.allSatisfy { lookup($0) }, "every hit token must be found")
        precondition(!misses.contains { lookup($0) }, "no miss token may be found")
    }

    func lookup(_ token: [UInt8]) -> Bool {
        token.withUnsafeBytes { cache.lookup($0) != nil }
    }
}

let benchmarks: @Sendable () -> Void = {
    let configuration = SluiceBenchmarkConfiguration.configuration(scalingFactor: .kilo)
    for count in [10, 100_000] {
        var fixture: TokenFixture?
        for hit in [true, false] {
            Benchmark("lookup-\(hit ? "hit" : "miss")-\(count)-tokens", configuration: configuration) { benchmark in
                let queries = hit ? fixture!.hits : fixture!.misses
                let cache = fixture!.cache
                var found = 0
                benchmark.startMeasurement()
                for index in benchmark.scaledIterations {
                    queries[index & 1023].withUnsafeBytes { if cache.lookup($0) != nil { found &+= 1 } }
                }
                benchmark.stopMeasurement()
                precondition(found == (hit ? benchmark.scaledIterations.count : 0), "lookups must find exactly the hits")
            } setup: {
                if fixture == nil { fixture = TokenFixture(count: count) }
            }
        }
    }
}
