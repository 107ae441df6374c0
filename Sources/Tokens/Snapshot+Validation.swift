import Parsers
import WAL

/// What validation learned about a snapshot and the next steps reuse: the compiled parsers, every token's
/// digest (in list order), and the repositories by name.
public struct SnapshotIndex: Sendable {
    public let registry: ParserRegistry
    /// The API tokens' digests, in list order.
    let apiDigestList: [TokenDigest]
    /// The ingest tokens' digests, in list order.
    let ingestDigestList: [TokenDigest]
    /// `DuplicateFinder.hash(repository, name)` of each ingest token, in list order.
    let ingestNameHashList: [UInt64]
    /// The rotated-out secrets' digests (`previousTokenSha256`), in list order of their tokens.
    let previousDigestList: [TokenDigest]
    public let repositoriesByName: [String: Repository]
    /// The ingest token (its index in `ingestTokens`) of each rotated-out secret, in `previousDigestList` order.
    let previousOwners: [Int]
    /// The validated ingest tokens, compactly: what the store serves and builds the credentials from.
    let ingestTable: IngestTokenTable

    /// The number of ingest tokens.
    public var ingestTokenCount: Int { ingestTable.count }

    public var apiDigests: ArraySlice<TokenDigest> { apiDigestList[...] }
    public var ingestDigests: ArraySlice<TokenDigest> { ingestDigestList[...] }
    /// Each rotated-out secret's digest with the index of its ingest token.
    public var previousDigests: Zip2Sequence<[Int], ArraySlice<TokenDigest>> {
        zip(previousOwners, previousDigestList[...])
    }
}

extension Snapshot {
    /// Checks every rule of the schema and refuses the first violation with the file, its JSON path and the
    /// reason: unsupported version, duplicate or malformed names, unknown organization, repository, user or
    /// parser, malformed tokens or digests, duplicate tokens (compared by digest), parser compile errors.
    public func validate(file: String) throws(TokenError) -> SnapshotIndex {
        try validate(file: file, ingestTokens: IngestTokenTable(ingestTokens))
    }

    /// As `validate(file:)`, for a snapshot whose ingest tokens are `table` (its own `ingestTokens` are not
    /// read): the form ``SnapshotCodec/decodeServing(_:file:)`` decodes a file into.
    func validate(file: String, ingestTokens table: IngestTokenTable) throws(TokenError) -> SnapshotIndex {
        let ingestCount = table.count
        func refuse(_ path: String, _ reason: String) -> TokenError {
            .invalidSnapshot(file: file, path: path, reason: reason)
        }
        guard version == Snapshot.currentVersion else {
            throw refuse("$.version", "unsupported version \(version); this build reads version \(Snapshot.currentVersion)")
        }

        var organizationNames = Set<String>()
        for (i, organization) in organizations.enumerated() {
            if let problem = Snapshot.nameProblem(organization.name) { throw refuse("$.organizations[\(i)].name", problem) }
            guard organizationNames.insert(organization.name).inserted else {
                throw refuse("$.organizations[\(i)].name", "duplicate organization '\(organization.name)'")
            }
        }

        var repositoriesByName = [String: Repository](minimumCapacity: repositories.count)
        var repositoryIDs = Set<String>()
        for (i, repository) in repositories.enumerated() {
            if let problem = Snapshot.repositoryNameProblem(repository.name) { throw refuse("$.repositories[\(i)].name", problem) }
            guard repositoriesByName.updateValue(repository, forKey: repository.name) == nil else {
                throw refuse("$.repositories[\(i)].name", "duplicate repository '\(repository.name)'")
            }
            guard organizationNames.contains(repository.organization) else {
                throw refuse("$.repositories[\(i)].organization", "unknown organization '\(repository.organization)'")
            }
            if let id = repository.id {
                if let problem = Snapshot.repositoryIDProblem(id) { throw refuse("$.repositories[\(i)].id", problem) }
                guard repositoryIDs.insert(id).inserted else {
                    throw refuse("$.repositories[\(i)].id", "duplicate repository id '\(id)'")
                }
            }
            if let description = repository.description, let problem = Snapshot.descriptionProblem(description) {
                throw refuse("$.repositories[\(i)].description", problem)
            }
            if let (setting, problem) = repository.retentionProblem() {
                throw refuse("$.repositories[\(i)].\(setting.rawValue)", problem)
            }
            if case let (field, problem)? = Snapshot.limitsProblem(repository.limits, dailyBytes: repository.dailyBytes) {
                throw refuse("$.repositories[\(i)].\(field)", problem)
            }
            if let message = repository.ingestBlockedMessage, let problem = Snapshot.descriptionProblem(message) {
                throw refuse("$.repositories[\(i)].ingestBlockedMessage", problem)
            }
        }

        var usersByName = [String: User]()
        for (i, user) in users.enumerated() {
            if let problem = Snapshot.nameProblem(user.name) { throw refuse("$.users[\(i)].name", problem) }
            guard usersByName.updateValue(user, forKey: user.name) == nil else {
                throw refuse("$.users[\(i)].name", "duplicate user '\(user.name)'")
            }
            for repository in user.permissions.keys.sorted() where repositoriesByName[repository] == nil {
                throw refuse("$.users[\(i)].permissions.\(repository)", "unknown repository '\(repository)'")
            }
        }

        let registry: ParserRegistry
        do throws(ParserCompileError) {
            registry = try ParserRegistry.compile(parsers)
        } catch {
            let index = parsers.firstIndex { $0.name == error.parser }
            var path = index.map { "$.parsers[\($0)]" } ?? "$.parsers"
            if index != nil, let stage = error.stage { path += ".stages[\(stage)]" }
            throw refuse(path, error.description)
        }

        var targetNames = Set<String>()
        for (i, target) in forwarders.enumerated() {
            if let (field, reason) = target.problem() { throw refuse("$.forwarders[\(i)].\(field)", reason) }
            guard targetNames.insert(target.name).inserted else {
                throw refuse("$.forwarders[\(i)].name", "duplicate forwarder '\(target.name)'")
            }
            for repository in target.upstreamTokens.keys.sorted() where repositoriesByName[repository] == nil {
                throw refuse("$.forwarders[\(i)].upstreamTokens.\(repository)", "unknown repository '\(repository)'")
            }
        }
        for (i, repository) in repositories.enumerated() {
            var seen = Set<String>()
            for (j, name) in repository.forwardTo.enumerated() {
                guard targetNames.contains(name) else { throw refuse("$.repositories[\(i)].forwardTo[\(j)]", "unknown forwarder '\(name)'") }
                guard seen.insert(name).inserted else { throw refuse("$.repositories[\(i)].forwardTo[\(j)]", "duplicate forwarder '\(name)'") }
            }
        }

        var seenFeatures = Set<String>()
        for (i, feature) in features.enumerated() where !seenFeatures.insert(feature).inserted || feature.isEmpty {
            throw refuse("$.features[\(i)]", feature.isEmpty ? "empty feature name" : "duplicate feature '\(feature)'")
        }

        // Entries are numbered API tokens first, then ingest tokens, then rotated-out secrets; paths are only
        // spelled out for a refusal, so a million valid tokens cost no string building.
        var apiDigests = [TokenDigest]()
        apiDigests.reserveCapacity(apiTokens.count)
        // The ingest tokens' digests and name hashes depend on nothing else: computed ahead on every core, then
        // checked in order, so the first violation is refused as a one-by-one pass would refuse it.
        let precomputed = IngestTokenDigests(table)
        var previousDigests = [TokenDigest]()
        // Sized for the API tokens only until the ordered pass over the ingest tokens needs it (see there).
        var seenDigests = DuplicateFinder(expected: apiTokens.count)
        var previousOwners = [Int]()
        func entryPath(_ entry: Int) -> String {
            if entry < apiTokens.count { return "$.apiTokens[\(entry)]" }
            if entry < apiTokens.count + ingestCount { return "$.ingestTokens[\(entry - apiTokens.count)]" }
            return "$.ingestTokens[\(previousOwners[entry - apiTokens.count - ingestCount])].previousTokenSha256"
        }
        /// The digest of entry `entry` (one already claimed).
        func claimedDigest(_ entry: Int) -> TokenDigest {
            if entry < apiDigests.count { return apiDigests[entry] }
            if entry < apiTokens.count + ingestCount { return precomputed.digests[entry - apiTokens.count] }
            return previousDigests[entry - apiTokens.count - ingestCount]
        }
        /// The digest an entry is known by: of its `token` (checked by `problem`) or its `tokenSha256`.
        func digest(_ token: String?, _ hex: String?, at base: String,
                    _ problem: (String) -> String?) throws(TokenError) -> TokenDigest {
            switch (token, hex) {
            case let (value?, nil):
                if let problem = problem(value) { throw refuse("\(base).token", problem) }
                return TokenDigest(hashing: value)
            case let (nil, hex?):
                guard let parsed = TokenDigest(hex: hex) else { throw refuse("\(base).tokenSha256", "not 64 hexadecimal digits") }
                return parsed
            case (_?, _?): throw refuse(base, "has both token and tokenSha256; keep one")
            case (nil, nil): throw refuse(base, "needs token or tokenSha256")
            }
        }

        /// Refuses `digest` as entry `entry` when an earlier entry has it.
        func claim(_ digest: TokenDigest, entry: Int) throws(TokenError) {
            if let first = seenDigests.insert(hash: digest.w1, isEqual: { claimedDigest($0) == digest }) {
                throw refuse(entryPath(entry), "duplicate token: the same token (by SHA-256) as \(entryPath(first))")
            }
        }

        var apiIDs = Set<String>()
        for (i, token) in apiTokens.enumerated() {
            var base: String { "$.apiTokens[\(i)]" }
            guard Base62.isBase62(token.id) else { throw refuse("\(base).id", "the id must be base62 characters") }
            guard apiIDs.insert(token.id).inserted else { throw refuse("\(base).id", "duplicate API token id '\(token.id)'") }
            if let problem = Snapshot.nameProblem(token.name) { throw refuse("\(base).name", problem) }
            switch token.kind {
            case .personal:
                guard let user = token.user else { throw refuse("\(base).user", "a personal token needs a user") }
                guard usersByName[user] != nil else { throw refuse("\(base).user", "unknown user '\(user)'") }
                if token.organization != nil { throw refuse("\(base).organization", "a personal token has no organization") }
            case .organization:
                guard let organization = token.organization else {
                    throw refuse("\(base).organization", "an organization token needs an organization")
                }
                guard organizationNames.contains(organization) else {
                    throw refuse("\(base).organization", "unknown organization '\(organization)'")
                }
                if token.user != nil { throw refuse("\(base).user", "only personal tokens have a user") }
            case .system:
                if token.user != nil { throw refuse("\(base).user", "only personal tokens have a user") }
                if token.organization != nil { throw refuse("\(base).organization", "a system token has no organization") }
            }
            let found = try digest(token.token, token.tokenSha256, at: base) { Snapshot.apiTokenProblem($0, id: token.id) }
            try claim(found, entry: i)
            apiDigests.append(found)
        }

        // Usually every ingest token passes: that is checked first on both cores (`IngestTokenChecks`, which
        // passes nothing the ordered pass below refuses). Only when something fails does the ordered pass run,
        // to refuse the first violation in its own words.
        let knownRepositories = table.repositories.map { repositoriesByName[$0] != nil }
        let knownParserNames = table.parsers.map { registry.pipeline(named: $0) != nil }
        if let passed = IngestTokenChecks.passing(table, precomputed, apiDigests: apiDigests,
                                                  knownRepositories: knownRepositories, knownParsers: knownParserNames) {
            previousDigests = passed.previousDigests
            previousOwners = passed.previousOwners
        } else {
            // The ordered pass claims every digest in one finder, the API tokens' again first (none equal).
            seenDigests = DuplicateFinder(expected: apiTokens.count + ingestCount)
            for digest in apiDigests { _ = seenDigests.insert(hash: digest.w1) { _ in false } }
            var tokenNames = DuplicateFinder(expected: ingestCount)
            // Tokens of a repository usually sit together: its existence is looked up once per run; a parser's
            // once per parser.
            var knownRepository = -1
            var knownParsers = [Bool?](repeating: nil, count: table.parsers.count)
            for i in 0..<ingestCount {
                var base: String { "$.ingestTokens[\(i)]" }
                let name = table.name(at: i)
                if let problem = Snapshot.nameProblem(name) { throw refuse("\(base).name", problem) }
                let repositoryIndex = table.repositoryIndex(at: i)
                if repositoryIndex != knownRepository {
                    let repository = table.repository(at: i)
                    guard repositoriesByName[repository] != nil else {
                        throw refuse("\(base).repository", "unknown repository '\(repository)'")
                    }
                    knownRepository = repositoryIndex
                }
                guard tokenNames.insert(hash: precomputed.nameHash(at: i), isEqual: { table.haveSameKey($0, i) }) == nil else {
                    throw refuse("\(base).name", "duplicate ingest token name '\(name)' in repository '\(table.repository(at: i))'")
                }
                let parserIndex = table.parserIndex(at: i)
                if parserIndex != 0 {
                    let parser = table.parsers[parserIndex - 1]
                    if knownParsers[parserIndex - 1] == nil { knownParsers[parserIndex - 1] = registry.pipeline(named: parser) != nil }
                    guard knownParsers[parserIndex - 1] == true else { throw refuse("\(base).parser", "unknown parser '\(parser)'") }
                }
                if let own = table.limits(at: i),
                   case let (field, problem)? = Snapshot.limitsProblem(own.limits, dailyBytes: own.dailyBytes) {
                    throw refuse("\(base).\(field)", problem)
                }
                // Not precomputed only when the entry is refused: `digest` then throws the reason. Once claimed,
                // an entry's digest is the precomputed one (`claimedDigest`).
                let found: TokenDigest
                if let known = precomputed.digest(at: i) {
                    found = known
                } else {
                    let token = table.token(at: i)
                    found = try digest(token.token, token.tokenSha256, at: base) {
                        token.custom == true ? Snapshot.customTokenProblem($0) : Snapshot.generatedTokenProblem($0)
                    }
                }
                try claim(found, entry: apiTokens.count + i)
                switch table.rotation(at: i) ?? (nil, nil) {
                case (nil, nil), (_?, _?): break
                case (nil, _?): throw refuse("\(base).previousExpiresAt", "previousExpiresAt needs previousTokenSha256")
                case (_?, nil): throw refuse("\(base).previousTokenSha256", "previousTokenSha256 needs previousExpiresAt (the end of the rotation's overlap)")
                }
            }
            // Rotated-out secrets are credentials too: unique among all of them, checked after every current one.
            for i in table.rotationIndexes {
                guard let hex = table.rotation(at: i)?.sha256 else { continue }
                guard let parsed = TokenDigest(hex: hex) else {
                    throw refuse("$.ingestTokens[\(i)].previousTokenSha256", "not 64 hexadecimal digits")
                }
                previousOwners.append(i)
                try claim(parsed, entry: apiTokens.count + ingestCount + previousDigests.count)
                previousDigests.append(parsed)
            }
        }

        return SnapshotIndex(registry: registry, apiDigestList: apiDigests, ingestDigestList: precomputed.digests,
                             ingestNameHashList: precomputed.nameHashes,
                             previousDigestList: previousDigests, repositoriesByName: repositoriesByName,
                             previousOwners: previousOwners, ingestTable: table)
    }
}

extension Snapshot {
    /// The largest `dailyBytes` (2^44 − 1, about 17.6 TB): a day's count shares one 64-bit word with the day.
    public static let maxDailyBytes = (1 << 44) - 1

    /// The field (relative to the token or repository) and why its limits are refused: every rate and
    /// `burstSeconds` positive and finite, at least one rate when `limits` is given, `dailyBytes` from 1
    /// to ``maxDailyBytes``; nil when they are acceptable.
    public static func limitsProblem(_ limits: IngestLimits?, dailyBytes: Int?) -> (field: String, problem: String)? {
        if let limits {
            for (key, value) in [("eventsPerSecond", limits.eventsPerSecond), ("bytesPerSecond", limits.bytesPerSecond),
                                 ("burstSeconds", limits.burstSeconds)] {
                if let value, !(value.isFinite && value > 0) { return ("limits.\(key)", "must be a positive finite number") }
            }
            if limits.eventsPerSecond == nil && limits.bytesPerSecond == nil {
                return ("limits", "limits need eventsPerSecond or bytesPerSecond")
            }
        }
        if let dailyBytes, !(1...maxDailyBytes).contains(dailyBytes) {
            return ("dailyBytes", "must be from 1 to \(maxDailyBytes)")
        }
        return nil
    }

    /// Why `name` cannot name an organization, user, token or API token; nil when it can.
    /// Why `id` cannot be a repository id (1 to 64 base62 characters); nil when it can.
    static func repositoryIDProblem(_ id: String) -> String? {
        guard Base62.isBase62(id), id.utf8.count <= 64 else { return "a repository id is 1 to 64 characters of [0-9A-Za-z]" }
        return nil
    }

    /// The longest repository description, in UTF-8 bytes.
    public static let maxDescriptionBytes = 4096

    /// Why `text` cannot be a repository description (over ``maxDescriptionBytes`` or holding control
    /// characters other than tab and line breaks); nil when it can.
    public static func descriptionProblem(_ text: String) -> String? {
        if text.utf8.count > maxDescriptionBytes { return "a description takes at most \(maxDescriptionBytes) bytes" }
        if text.unicodeScalars.contains(where: { ($0.value < 0x20 && !"\t\n\r".unicodeScalars.contains($0)) || (0x7f...0x9f).contains($0.value) }) {
            return "a description cannot contain control characters other than tab and line breaks"
        }
        return nil
    }

    static func nameProblem(_ name: String) -> String? {
        if name.isEmpty { return "empty name" }
        if name.utf8.count > 255 { return "name longer than 255 bytes" }
        // C0 controls, DEL, and C1 controls (U+0080–U+009F, encoded C2 80–C2 9F).
        var previous: UInt8 = 0
        for byte in name.utf8 {
            if byte < 0x20 || byte == 0x7f || (previous == 0xc2 && byte >= 0x80 && byte <= 0x9f) {
                return "name contains control characters"
            }
            previous = byte
        }
        return nil
    }

    /// Why `name` cannot name a repository (it is also a folder name under the data directory); nil when it can.
    /// A name is refused when it could be created but never receive data (its folder name, as the WAL escapes
    /// it, too long) or when it looks like another name (spaces at either end, bidirectional controls).
    public static func repositoryNameProblem(_ name: String) -> String? {
        if let problem = nameProblem(name) { return problem }
        if name == "." || name == ".." || name.contains("/") { return "a repository name cannot be '.', '..' or contain '/'" }
        if name.first?.isWhitespace == true || name.last?.isWhitespace == true {
            return "a repository name cannot start or end with a space"
        }
        if name.unicodeScalars.contains(where: { (0x202A...0x202E).contains($0.value) || (0x2066...0x2069).contains($0.value) }) {
            return "a repository name cannot contain bidirectional control characters (U+202A–U+202E, U+2066–U+2069)"
        }
        if RepositoryName.escape(name) == nil {
            let stored = name.utf8.reduce(0) { $0 + (RepositoryName.isPlain($1) ? 1 : 3) }
            return "a repository name takes at most \(RepositoryName.maxEscapedBytes) bytes as a folder name "
                + "(each byte but A-Z a-z 0-9 _ - . takes three), this one \(stored)"
        }
        return nil
    }

    /// Why `token` is not a generated ingest token (43–44 base62 characters); nil when it is.
    static func generatedTokenProblem(_ token: String) -> String? {
        guard Base62.isBase62(token) else {
            return "not a base62 token: only [A-Za-z0-9] allowed (mark an operator-chosen token with \"custom\": true)"
        }
        guard (43...44).contains(token.utf8.count) else {
            return "a base62 token has 43–44 characters, this one \(token.utf8.count) (mark an operator-chosen token with \"custom\": true)"
        }
        return nil
    }

    /// Why `token` is not an acceptable custom ingest token (16–256 printable ASCII characters, no spaces); nil when it is.
    public static func customTokenProblem(_ token: String) -> String? {
        let count = token.utf8.count
        if count < 16 { return "a custom token needs at least 16 characters, this one has \(count)" }
        if count > 256 { return "a custom token has at most 256 characters, this one has \(count)" }
        if token.utf8.contains(UInt8(ascii: " ")) { return "a custom token cannot contain spaces" }
        if !token.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) {
            return "a custom token must be printable ASCII characters"
        }
        if token.utf8.contains(UInt8(ascii: "~")) { return "a custom token cannot contain '~' (that marks API tokens)" }
        return nil
    }

    /// Why `token` is not `<id>~<secret>` with the given id and a base62 secret; nil when it is.
    static func apiTokenProblem(_ token: String, id: String) -> String? {
        let parts = token.split(separator: "~", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return "an API token has the form <id>~<secret>" }
        guard parts[0] == id else { return "the token's id part does not match the entry's id" }
        guard Base62.isBase62(String(parts[1])) else { return "the secret after '~' must be base62 characters" }
        return nil
    }
}
