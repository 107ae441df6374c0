import Dispatch

/// What validation needs of every ingest token that does not depend on the others, computed ahead on every
/// core: the digest its secret is known by and the hash of its (repository, name) pair. Validation's
/// ordered checks then use these, so a million tokens' SHA-256s and hex parses do not run one after another.
///
/// Guarantees:
/// - `digest(at:)` is the digest of the token's `token` (when it passes the token rules of its kind:
///   generated or custom) or of its `tokenSha256` (when that is 64 hexadecimal digits), exactly as validation
///   computes it alone; nil when the entry is not acceptable that way (both or neither given, a malformed
///   secret), which validation then refuses in its own words.
/// - `nameHash(at:)` is `DuplicateFinder.hash(repository, name)`.
/// - The same values for any number of threads.
struct IngestTokenDigests {
    /// Each token's digest; zero where the entry is refused (see `digest(at:)`).
    private(set) var digests: [TokenDigest]
    /// 1 where `digests` holds the entry's digest, 0 where the entry is refused.
    private var accepted: [UInt8]
    private(set) var nameHashes: [UInt64]

    /// Tokens per unit of work: large enough that handing out units costs nothing, small enough that the
    /// threads finish together.
    static let chunk = 8192

    init(_ tokens: [IngestToken], threads: Int = 2) {
        self.init(IngestTokenTable(tokens), threads: threads)
    }

    init(_ tokens: IngestTokenTable, threads: Int = 2) {
        let count = tokens.count
        var digests = [TokenDigest](repeating: TokenDigest(w0: 0, w1: 0, w2: 0, w3: 0), count: count)
        var accepted = [UInt8](repeating: 0, count: count)
        var nameHashes = [UInt64](repeating: 0, count: count)
        digests.withUnsafeMutableBufferPointer { digestsOut in
            accepted.withUnsafeMutableBufferPointer { acceptedOut in
                nameHashes.withUnsafeMutableBufferPointer { hashesOut in
                    // Each unit writes only its own range of the three buffers.
                    let out = Output(digests: digestsOut, accepted: acceptedOut, nameHashes: hashesOut)
                    forEachChunk(count: count, chunk: Self.chunk, parallel: threads > 1) { range in
                        for i in range { out.fill(i, from: tokens) }
                    }
                }
            }
        }
        self.digests = digests
        self.accepted = accepted
        self.nameHashes = nameHashes
    }

    var count: Int { digests.count }

    func digest(at index: Int) -> TokenDigest? {
        accepted[index] != 0 ? digests[index] : nil
    }

    func nameHash(at index: Int) -> UInt64 {
        nameHashes[index]
    }

    /// The three output buffers, written at disjoint indexes by the units of work.
    private struct Output: @unchecked Sendable {
        let digests: UnsafeMutableBufferPointer<TokenDigest>
        let accepted: UnsafeMutableBufferPointer<UInt8>
        let nameHashes: UnsafeMutableBufferPointer<UInt64>

        func fill(_ i: Int, from tokens: IngestTokenTable) {
            nameHashes[i] = DuplicateFinder.hash(tokens.repository(at: i), tokens.name(at: i))
            guard let digest = tokens.acceptedDigest(at: i) else { return }
            digests[i] = digest
            accepted[i] = 1
        }
    }
}
