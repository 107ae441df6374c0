/// The serving snapshot's ingest tokens in a compact form, kept by `TokenStore` for the admin API and
/// listings (the cache needs only digests and entries).
///
/// Guarantees:
/// - `tokens` gives back exactly the `IngestToken` values it was built from, in order (`==` holds): names,
///   repository, parser, token or `tokenSha256` text, `custom` (including nil versus false), the creation
///   and expiry times and a rotation's previous secret.
/// - One fixed-size record per token (88 bytes): the token's name (inline when at most 15 UTF-8 bytes),
///   its repository and parser as indexes into interned name tables, and the secret inline — up to 44
///   bytes of token text (every generated token), or the 32-byte digest when the file stores a lowercase
///   `tokenSha256`. Anything else (a longer custom token, an upper-case digest) goes to a side list. So a
///   million generated tokens cost no allocation per token beyond names over 15 bytes.
/// - Immutable once built; shared between the generations' readers without a lock.
public final class IngestTokenTable: Sendable {
    struct Record: Sendable {
        var name: String
        /// Token text (`length` bytes), or the digest's 32 bytes, or unused (`overflow` form).
        var secret: InlineSecret
        var repository: UInt32
        /// 0: no parser; otherwise an index into `parserNames` plus one.
        var parser: UInt32
        var length: UInt8
        /// `Form` in the low two bits; `custom` in the next two (0 nil, 1 false, 2 true); `hecAcknowledgements`
        /// in the two after (the same way).
        var flags: UInt8
        /// Epoch milliseconds; `Int64.min` for none.
        var createdAt: Int64
        var expiresAt: Int64
    }

    /// 44 bytes of token text or digest.
    struct InlineSecret: Sendable {
        var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt32) = (0, 0, 0, 0, 0, 0)
        static let capacity = 44
    }

    enum Form: UInt8 {
        case token = 0, digest = 1, overflowToken = 2, overflowDigest = 3
    }

    private let records: [Record]
    private let repositoryNames: [String]
    private let parserNames: [String]
    /// Secrets that do not fit a record, indexed by `Record.secret.words.0`.
    private let overflow: [String]
    /// The limits and daily quota of the few tokens that have them, by record index.
    private let limits: [Int: (limits: IngestLimits?, dailyBytes: Int?)]
    /// Rotations in their overlap (few): record index → previous secret's digest text and the overlap's end.
    private let rotations: [Int: (sha256: String, expiresAt: Int64)]

    public var count: Int { records.count }

    public convenience init(_ tokens: [IngestToken]) {
        self.init(tokens, digests: nil)
    }

    /// As `init(_:)`, taking each token's digest from `digests` (validation's, in token order) instead of
    /// parsing its `tokenSha256` again.
    init(_ tokens: [IngestToken], digests: ArraySlice<TokenDigest>?) {
        precondition(digests.map { $0.count == tokens.count } ?? true, "one digest per token")
        var repositoryNames = [String](), parserNames = [String](), overflow = [String]()
        var repositoryIndex = [String: UInt32](), parserIndex = [String: UInt32]()
        var lastRepository: (name: String, index: UInt32)?
        func intern(_ name: String, _ names: inout [String], _ index: inout [String: UInt32]) -> UInt32 {
            if let found = index[name] { return found }
            let new = UInt32(names.count)
            names.append(name)
            index[name] = new
            return new
        }
        var records = [Record]()
        var limits = [Int: (limits: IngestLimits?, dailyBytes: Int?)]()
        var rotations = [Int: (sha256: String, expiresAt: Int64)]()
        records.reserveCapacity(tokens.count)
        for (position, token) in tokens.enumerated() {
            if token.limits != nil || token.dailyBytes != nil { limits[records.count] = (token.limits, token.dailyBytes) }
            if let sha256 = token.previousTokenSha256, let expiresAt = token.previousExpiresAt {
                rotations[records.count] = (sha256, expiresAt)
            }
            let repository: UInt32
            if let lastRepository, lastRepository.name == token.repository {
                repository = lastRepository.index
            } else {
                repository = intern(token.repository, &repositoryNames, &repositoryIndex)
                lastRepository = (token.repository, repository)
            }
            let parser = token.parser.map { intern($0, &parserNames, &parserIndex) + 1 } ?? 0
            let custom: UInt8 = token.custom.map { $0 ? 2 : 1 } ?? 0
            let acks: UInt8 = token.hecAcknowledgements.map { $0 ? 2 : 1 } ?? 0
            var record = Record(name: token.name, secret: InlineSecret(), repository: repository, parser: parser,
                                length: 0, flags: 0, createdAt: token.createdAt ?? .min, expiresAt: token.expiresAt ?? .min)
            var form = Form.token
            if var value = token.token {
                if value.utf8.count <= InlineSecret.capacity {
                    record.length = UInt8(value.utf8.count)
                    value.withUTF8 { utf8 in
                        withUnsafeMutableBytes(of: &record.secret.words) { $0.copyMemory(from: UnsafeRawBufferPointer(utf8)) }
                    }
                } else {
                    form = .overflowToken
                    record.secret.words.0 = UInt64(overflow.count)
                    overflow.append(value)
                }
            } else if let hex = token.tokenSha256 {
                let digest = digests.map { $0[$0.startIndex + position] } ?? TokenDigest(hex: hex)
                if let digest, TokenDigest.isLowercase(hex: hex) {
                    form = .digest
                    record.secret.words.0 = digest.w0
                    record.secret.words.1 = digest.w1
                    record.secret.words.2 = digest.w2
                    record.secret.words.3 = digest.w3
                } else {
                    form = .overflowDigest
                    record.secret.words.0 = UInt64(overflow.count)
                    overflow.append(hex)
                }
            } else {
                // Validated snapshots always hold one of the two; keep "neither" representable anyway.
                form = .overflowToken
                record.length = 1  // marks "no value" together with the overflow form
            }
            record.flags = form.rawValue | custom << 2 | acks << 4
            records.append(record)
        }
        self.records = records
        self.repositoryNames = repositoryNames
        self.parserNames = parserNames
        self.overflow = overflow
        self.limits = limits
        self.rotations = rotations
    }

    /// Every ingest token, in snapshot order.
    public var tokens: [IngestToken] {
        records.indices.map { token(at: $0) }
    }

    /// The repository and name of the token at `index` (snapshot order).
    public func key(at index: Int) -> TokenKey {
        TokenKey(repository: repositoryNames[Int(records[index].repository)], name: records[index].name)
    }

    /// The ingest tokens of `repository`, in snapshot order.
    public func tokens(in repository: String) -> [IngestToken] {
        guard let index = repositoryNames.firstIndex(of: repository) else { return [] }
        let wanted = UInt32(index)
        return records.indices.lazy.filter { self.records[$0].repository == wanted }.map { self.token(at: $0) }
    }

    private func token(at index: Int) -> IngestToken {
        var found = token(index)
        if let extra = limits[index] { (found.limits, found.dailyBytes) = extra }
        return found
    }

    private func token(_ index: Int) -> IngestToken {
        let record = records[index]
        var token = IngestToken(name: record.name, repository: repositoryNames[Int(record.repository)],
                                parser: record.parser == 0 ? nil : parserNames[Int(record.parser - 1)])
        switch Form(rawValue: record.flags & 3)! {
        case .token:
            token.token = withUnsafeBytes(of: record.secret.words) {
                String(decoding: $0.prefix(Int(record.length)), as: UTF8.self)
            }
        case .digest:
            let words = record.secret.words
            token.tokenSha256 = TokenDigest(w0: words.0, w1: words.1, w2: words.2, w3: words.3).hex
        case .overflowToken:
            if record.length == 0 { token.token = overflow[Int(record.secret.words.0)] }
        case .overflowDigest:
            token.tokenSha256 = overflow[Int(record.secret.words.0)]
        }
        switch record.flags >> 2 & 3 {
        case 1: token.custom = false
        case 2: token.custom = true
        default: token.custom = nil
        }
        if record.createdAt != .min { token.createdAt = record.createdAt }
        if record.expiresAt != .min { token.expiresAt = record.expiresAt }
        if let rotation = rotations[index] {
            token.previousTokenSha256 = rotation.sha256
            token.previousExpiresAt = rotation.expiresAt
        }
        switch record.flags >> 4 & 3 {
        case 1: token.hecAcknowledgements = false
        case 2: token.hecAcknowledgements = true
        default: token.hecAcknowledgements = nil
        }
        return token
    }
}

/// An ingest token's identity across snapshots: its repository and name.
public struct TokenKey: Hashable, Sendable {
    public var repository: String
    public var name: String

    public init(repository: String, name: String) {
        self.repository = repository
        self.name = name
    }
}
