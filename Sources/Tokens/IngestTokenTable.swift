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
/// - Immutable once built; shared between the generations' readers without a lock. A change of a few
///   tokens makes a new table (``patched(count:setting:)``) that shares every untouched chunk of 1 024
///   records with this one, so it costs the touched chunks and the chunk list, not a pass over the set.
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

    /// The records in chunks of 1 024, so a patch copies only the chunks it touches.
    struct Records: Sendable {
        static let shift = 10
        static let chunkSize = 1 << shift
        private(set) var chunks: [[Record]] = []
        private(set) var count = 0

        var indices: Range<Int> { 0..<count }

        subscript(index: Int) -> Record {
            get { chunks[index >> Self.shift][index & (Self.chunkSize - 1)] }
            set { chunks[index >> Self.shift][index & (Self.chunkSize - 1)] = newValue }
        }

        mutating func reserveCapacity(_ capacity: Int) {
            chunks.reserveCapacity((capacity + Self.chunkSize - 1) >> Self.shift)
        }

        mutating func append(_ record: Record) {
            if count & (Self.chunkSize - 1) == 0 {
                var chunk = [Record]()
                chunk.reserveCapacity(Self.chunkSize)
                chunks.append(chunk)
            }
            chunks[chunks.count - 1].append(record)
            count += 1
        }

        mutating func removeLast() {
            chunks[chunks.count - 1].removeLast()
            if chunks[chunks.count - 1].isEmpty { chunks.removeLast() }
            count -= 1
        }
    }

    private let records: Records
    private let repositoryNames: [String]
    private let parserNames: [String]
    /// Secrets that do not fit a record, indexed by `Record.secret.words.0` (and `.1` for the digest text of
    /// an entry that gives both). A patch leaves the texts of replaced records behind (``overflowLive``
    /// counts those still referenced) until they outnumber the live ones.
    private let overflow: [String]
    private let overflowLive: Int
    /// The limits and daily quota of the few tokens that have them, by record index.
    private let limits: [Int: (limits: IngestLimits?, dailyBytes: Int?)]
    /// Rotations (few): record index → previous secret's digest text and the overlap's end, either possibly
    /// absent (validation refuses one without the other).
    private let rotations: [Int: (sha256: String?, expiresAt: Int64?)]
    private let repositoryIndex: [String: UInt32], parserIndex: [String: UInt32]
    /// Patches since the table was last built whole (0: built whole).
    let patchDepth: Int
    /// Overflow texts kept, referenced or left behind by patches.
    var overflowCount: Int { overflow.count }

    public var count: Int { records.count }

    public convenience init(_ tokens: [IngestToken]) {
        self.init(tokens, digests: nil)
    }

    /// As `init(_:)`, taking each token's digest from `digests` (validation's, in token order) instead of
    /// parsing its `tokenSha256` again.
    convenience init(_ tokens: [IngestToken], digests: ArraySlice<TokenDigest>?) {
        precondition(digests.map { $0.count == tokens.count } ?? true, "one digest per token")
        var builder = Builder(capacity: tokens.count)
        for (position, token) in tokens.enumerated() {
            builder.append(token, digest: digests.map { $0[$0.startIndex + position] })
        }
        self.init(builder)
    }

    /// The table of the tokens appended to `builder`.
    init(_ builder: consuming Builder, patchDepth: Int = 0) {
        records = builder.records
        repositoryNames = builder.repositoryNames
        parserNames = builder.parserNames
        overflow = builder.overflow
        overflowLive = builder.overflowLive
        limits = builder.limits
        rotations = builder.rotations
        repositoryIndex = builder.repositoryIndex
        parserIndex = builder.parserIndex
        self.patchDepth = patchDepth
    }

    /// The table of `count` tokens that holds `changed` at their positions and this table's tokens at every
    /// other position below `count`: records past `count` are dropped, a position at or past this table's
    /// end is appended. Nil when `changed` leaves a position past this table's end unset (the caller then
    /// builds the table whole). Costs the changed records and the chunks they fall in, amortised.
    func patched(count newCount: Int, setting changed: [(position: Int, token: IngestToken)]) -> IngestTokenTable? {
        let kept = min(count, newCount)
        let ordered = changed.sorted { $0.position < $1.position }
        let appended = ordered.lazy.filter { $0.position >= kept }.map(\.position)
        guard ordered.allSatisfy({ $0.position < newCount }), Array(appended) == Array(kept..<newCount) else { return nil }
        var builder = Builder(self)
        while builder.count > kept { builder.removeLast() }
        for (position, token) in ordered {
            if position < builder.count { builder.replace(at: position, with: token) } else { builder.append(token) }
        }
        builder.compactOverflowIfSparse()
        return IngestTokenTable(builder, patchDepth: patchDepth + 1)
    }

    /// Appends tokens one at a time, so a decoder can hand each one over as it reads it and no list of
    /// `IngestToken` values ever exists.
    struct Builder {
        fileprivate var records = Records()
        fileprivate var repositoryNames = [String](), parserNames = [String](), overflow = [String]()
        fileprivate var overflowLive = 0
        fileprivate var limits = [Int: (limits: IngestLimits?, dailyBytes: Int?)]()
        fileprivate var rotations = [Int: (sha256: String?, expiresAt: Int64?)]()
        fileprivate var repositoryIndex = [String: UInt32](), parserIndex = [String: UInt32]()
        private var lastRepository: (name: String, index: UInt32)?

        /// Room for `capacity` tokens (capacity never written is never resident).
        init(capacity: Int = 0) {
            records.reserveCapacity(capacity)
        }

        /// Continues `table` (its parts shared until changed).
        fileprivate init(_ table: IngestTokenTable) {
            records = table.records
            repositoryNames = table.repositoryNames
            parserNames = table.parserNames
            overflow = table.overflow
            overflowLive = table.overflowLive
            limits = table.limits
            rotations = table.rotations
            repositoryIndex = table.repositoryIndex
            parserIndex = table.parserIndex
        }

        var count: Int { records.count }

        mutating func reserve(_ capacity: Int) {
            records.reserveCapacity(capacity)
        }

        private static func intern(_ name: String, _ names: inout [String], _ index: inout [String: UInt32]) -> UInt32 {
            if let found = index[name] { return found }
            let new = UInt32(names.count)
            names.append(name)
            index[name] = new
            return new
        }

        /// Appends `token`; `digest`, when given, is its `tokenSha256` parsed (validation's), spared parsing again.
        mutating func append(_ token: IngestToken, digest known: TokenDigest? = nil) {
            records.append(record(token, at: records.count, digest: known))
        }

        /// Puts `token` in place of the record at `index`.
        mutating func replace(at index: Int, with token: IngestToken) {
            release(index)
            records[index] = record(token, at: index, digest: nil)
        }

        /// Drops the last record.
        mutating func removeLast() {
            release(records.count - 1)
            records.removeLast()
        }

        /// Forgets what the record at `index` holds beside itself (its limits, rotation and overflow texts).
        private mutating func release(_ index: Int) {
            limits[index] = nil
            rotations[index] = nil
            overflowLive -= Self.overflowCount(records[index])
        }

        /// How many overflow texts `record` refers to.
        private static func overflowCount(_ record: Record) -> Int {
            switch Form(rawValue: record.flags & 3)! {
            case .token, .digest: return 0
            case .overflowDigest: return 1
            case .overflowToken: return record.flags & bothFlag != 0 ? 2 : record.length == 0 ? 1 : 0
            }
        }

        /// Rewrites the overflow list without the texts no record refers to, once they outnumber the live ones
        /// (a pass over the records, so amortised over as many patches as texts were left behind).
        mutating func compactOverflowIfSparse() {
            guard overflow.count > 2 * overflowLive + 64 else { return }
            var kept = [String]()
            kept.reserveCapacity(overflowLive)
            for index in records.indices where Self.overflowCount(records[index]) > 0 {
                var record = records[index]
                record.secret.words.0 = UInt64(kept.count)
                kept.append(overflow[Int(records[index].secret.words.0)])
                if record.flags & Self.bothFlag != 0 {
                    record.secret.words.1 = UInt64(kept.count)
                    kept.append(overflow[Int(records[index].secret.words.1)])
                }
                records[index] = record
            }
            overflow = kept
        }

        /// The record of `token` at `index`, interning its names and keeping its limits, rotation and any
        /// overflow text beside it.
        private mutating func record(_ token: IngestToken, at index: Int, digest known: TokenDigest?) -> Record {
            if token.limits != nil || token.dailyBytes != nil { limits[index] = (token.limits, token.dailyBytes) }
            if token.previousTokenSha256 != nil || token.previousExpiresAt != nil {
                rotations[index] = (token.previousTokenSha256, token.previousExpiresAt)
            }
            let repository: UInt32
            if let lastRepository, lastRepository.name == token.repository {
                repository = lastRepository.index
            } else {
                repository = Self.intern(token.repository, &repositoryNames, &repositoryIndex)
                lastRepository = (token.repository, repository)
            }
            let parser = token.parser.map { Self.intern($0, &parserNames, &parserIndex) + 1 } ?? 0
            let custom: UInt8 = token.custom.map { $0 ? 2 : 1 } ?? 0
            let acks: UInt8 = token.hecAcknowledgements.map { $0 ? 2 : 1 } ?? 0
            var record = Record(name: token.name, secret: InlineSecret(), repository: repository, parser: parser,
                                length: 0, flags: 0, createdAt: token.createdAt ?? .min, expiresAt: token.expiresAt ?? .min)
            var form = Form.token
            var both: UInt8 = 0
            switch (token.token, token.tokenSha256) {
            case (var value?, nil):
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
            case let (nil, hex?):
                if let digest = known ?? TokenDigest(hex: hex), TokenDigest.isLowercase(hex: hex) {
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
            case let (value?, hex?):
                // Refused by validation; kept whole so validation names the problem.
                form = .overflowToken
                both = Self.bothFlag
                record.secret.words.0 = UInt64(overflow.count)
                record.secret.words.1 = UInt64(overflow.count + 1)
                overflow.append(value)
                overflow.append(hex)
            case (nil, nil):
                // Refused by validation; kept representable all the same.
                form = .overflowToken
                record.length = 1  // marks "no value" together with the overflow form
            }
            record.flags = form.rawValue | custom << 2 | acks << 4 | both
            overflowLive += Self.overflowCount(record)
            return record
        }

        /// In `Record.flags`: the entry gives both `token` and `tokenSha256` (overflow form, both texts in `overflow`).
        fileprivate static let bothFlag: UInt8 = 1 << 6
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

    func token(at index: Int) -> IngestToken {
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
            if record.flags & Builder.bothFlag != 0 { token.tokenSha256 = overflow[Int(record.secret.words.1)] }
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
            (token.previousTokenSha256, token.previousExpiresAt) = rotation
        }
        switch record.flags >> 4 & 3 {
        case 1: token.hecAcknowledgements = false
        case 2: token.hecAcknowledgements = true
        default: token.hecAcknowledgements = nil
        }
        return token
    }
}

extension IngestTokenTable.Builder {
    /// Appends the tokens appended to `other`, in order, exactly as appending each of them here would (the
    /// same names interned in the same order, the side lists and by-index maps shifted): for a decoder that
    /// reads the two halves of a long list at once.
    mutating func append(contentsOf other: IngestTokenTable.Builder) {
        let base = records.count
        let overflowBase = UInt64(overflow.count)
        let repositoryMap = other.repositoryNames.map { Self.intern($0, &repositoryNames, &repositoryIndex) }
        let parserMap = other.parserNames.map { Self.intern($0, &parserNames, &parserIndex) + 1 }
        overflow.append(contentsOf: other.overflow)
        overflowLive += other.overflowLive
        for (index, extra) in other.limits { limits[base + index] = extra }
        for (index, rotation) in other.rotations { rotations[base + index] = rotation }
        records.reserveCapacity(base + other.records.count)
        for index in other.records.indices {
            var record = other.records[index]
            record.repository = repositoryMap[Int(record.repository)]
            if record.parser != 0 { record.parser = parserMap[Int(record.parser - 1)] }
            switch IngestTokenTable.Form(rawValue: record.flags & 3)! {
            case .overflowToken where record.length == 0:
                record.secret.words.0 += overflowBase
                if record.flags & Self.bothFlag != 0 { record.secret.words.1 += overflowBase }
            case .overflowDigest:
                record.secret.words.0 += overflowBase
            case .token, .digest, .overflowToken:
                break
            }
            records.append(record)
        }
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

extension IngestTokenTable {
    // What validation and the credential build read of each token, without rebuilding an `IngestToken`.

    func name(at index: Int) -> String { records[index].name }

    /// The token's repository as an index into ``repositories`` (equal indexes: equal names).
    func repositoryIndex(at index: Int) -> Int { Int(records[index].repository) }

    func repository(at index: Int) -> String { repositoryNames[Int(records[index].repository)] }

    /// The repositories the tokens name, each once, in order of first use.
    var repositories: [String] { repositoryNames }

    /// 0 when the token names no parser; otherwise an index into ``parsers`` plus one.
    func parserIndex(at index: Int) -> Int { Int(records[index].parser) }

    func parser(at index: Int) -> String? {
        records[index].parser == 0 ? nil : parserNames[Int(records[index].parser - 1)]
    }

    /// The parsers the tokens name, each once.
    var parsers: [String] { parserNames }

    /// True when the token is marked `custom: true`.
    func isCustom(at index: Int) -> Bool { records[index].flags >> 2 & 3 == 2 }

    /// True when the token has `hecAcknowledgements: true`.
    func usesHECAcknowledgements(at index: Int) -> Bool { records[index].flags >> 4 & 3 == 2 }

    func expiresAt(at index: Int) -> Int64? {
        records[index].expiresAt == .min ? nil : records[index].expiresAt
    }

    /// True when some token has limits or a daily quota.
    var hasLimits: Bool { !limits.isEmpty }

    /// The token's limits and daily quota; nil when it has neither.
    func limits(at index: Int) -> (limits: IngestLimits?, dailyBytes: Int?)? {
        limits.isEmpty ? nil : limits[index]
    }

    /// The tokens with a `previousTokenSha256` or `previousExpiresAt`, in order.
    var rotationIndexes: [Int] { rotations.keys.sorted() }

    /// The token's rotated-out secret's digest text and overlap end; nil when it has neither.
    func rotation(at index: Int) -> (sha256: String?, expiresAt: Int64?)? {
        rotations.isEmpty ? nil : rotations[index]
    }

    /// True when tokens `a` and `b` have the same repository and name.
    func haveSameKey(_ a: Int, _ b: Int) -> Bool {
        records[a].repository == records[b].repository && records[a].name == records[b].name
    }

    /// The digest validation knows token `index` by: of its `token` when that passes the token rules of its
    /// kind (generated or custom), or of its `tokenSha256` when that is 64 hexadecimal digits; nil when the
    /// entry is refused that way (both or neither given, a malformed secret).
    func acceptedDigest(at index: Int) -> TokenDigest? {
        let record = records[index]
        let custom = record.flags >> 2 & 3 == 2
        func accepted(_ value: String) -> TokenDigest? {
            let problem = custom ? Snapshot.customTokenProblem(value) : Snapshot.generatedTokenProblem(value)
            return problem == nil ? TokenDigest(hashing: value) : nil
        }
        switch Form(rawValue: record.flags & 3)! {
        case .token:
            return withUnsafeBytes(of: record.secret.words) { raw in
                let bytes = UnsafeRawBufferPointer(rebasing: raw.prefix(Int(record.length)))
                // A generated token (43–44 base62 characters) is hashed in place; anything else goes through
                // the rules' own text check.
                if !custom, (43...44).contains(bytes.count), bytes.allSatisfy(Base62.isDigit) {
                    return TokenDigest(hashing: bytes)
                }
                return accepted(String(decoding: bytes, as: UTF8.self))
            }
        case .digest:
            let words = record.secret.words
            return TokenDigest(w0: words.0, w1: words.1, w2: words.2, w3: words.3)
        case .overflowToken:
            guard record.length == 0, record.flags & Builder.bothFlag == 0 else { return nil }
            return accepted(overflow[Int(record.secret.words.0)])
        case .overflowDigest:
            return TokenDigest(hex: overflow[Int(record.secret.words.0)])
        }
    }
}
