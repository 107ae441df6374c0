/// The serving snapshot's ingest tokens in a compact form, kept by `TokenStore` for the admin API and
/// listings (the cache needs only digests and principals).
///
/// Guarantees:
/// - `tokens` gives back exactly the `IngestToken` values it was built from, in order (`==` holds): names,
///   repository, parser, token or `tokenSha256` text, and `custom` (including nil versus false).
/// - One fixed-size record per token (72 bytes): the token's name (inline when at most 15 UTF-8 bytes),
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

    public var count: Int { records.count }

    public init(_ tokens: [IngestToken]) {
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
        records.reserveCapacity(tokens.count)
        for token in tokens {
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
                                length: 0, flags: 0)
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
                if let digest = TokenDigest(hex: hex), digest.hex == hex {
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
    }

    /// Every ingest token, in snapshot order.
    public var tokens: [IngestToken] {
        records.map(token)
    }

    /// The ingest tokens of `repository`, in snapshot order.
    public func tokens(in repository: String) -> [IngestToken] {
        guard let index = repositoryNames.firstIndex(of: repository) else { return [] }
        let wanted = UInt32(index)
        return records.lazy.filter { $0.repository == wanted }.map(token)
    }

    private func token(_ record: Record) -> IngestToken {
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
        switch record.flags >> 4 & 3 {
        case 1: token.hecAcknowledgements = false
        case 2: token.hecAcknowledgements = true
        default: token.hecAcknowledgements = nil
        }
        return token
    }
}
