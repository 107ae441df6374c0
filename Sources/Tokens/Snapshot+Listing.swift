import Parsers

/// One ingest token as `sluice tokens list` shows it: the value masked unless secrets were asked for.
public struct IngestTokenRow: Codable, Sendable, Equatable {
    public var repository: String
    public var name: String
    public var parser: String?
    public var token: String
    public var limits: IngestLimits?
    public var dailyBytes: Int?
    /// RFC 3339; nil for tokens created before tokens carried it.
    public var createdAt: String?
    /// RFC 3339; nil when the token never expires.
    public var expiresAt: String?
    public var status: IngestTokenStatus
    /// RFC 3339, whole seconds; nil when the token has not been used since last uses were recorded.
    public var lastUsed: String?
}

/// One repository as `sluice repos list` shows it.
public struct RepositoryRow: Codable, Sendable, Equatable {
    public var name: String
    public var organization: String
    public var kind: Repository.Kind
    public var ingestTokens: Int
    /// The repository's own retention settings (days, GB); absent ones leave the server's flags in force.
    public var timeBasedRetention: Double? = nil
    public var ingestSizeBasedRetention: Double? = nil
    public var storageSizeBasedRetention: Double? = nil
    public var limits: IngestLimits?
    public var dailyBytes: Int?
    public var ingestBlocked: Bool?
    public var ingestBlockedMessage: String?

    /// The own retention settings in a few words (``Repository/retentionSummary``).
    public var retentionText: String {
        Repository(name: name, timeBasedRetention: timeBasedRetention, ingestSizeBasedRetention: ingestSizeBasedRetention,
                   storageSizeBasedRetention: storageSizeBasedRetention).retentionSummary
    }
}

extension IngestLimits {
    /// The limits and quota as one short column for the list commands: `1000 events/s, 1048576 bytes/s,
    /// burst 2 s, 10000000 bytes/day`; `-` for none.
    public static func summary(_ limits: IngestLimits?, dailyBytes: Int?) -> String {
        var parts: [String] = []
        if let rate = limits?.eventsPerSecond { parts.append(text(rate) + " events/s") }
        if let rate = limits?.bytesPerSecond { parts.append(text(rate) + " bytes/s") }
        if let burst = limits?.burstSeconds { parts.append("burst " + text(burst) + " s") }
        if let dailyBytes { parts.append("\(dailyBytes) bytes/day") }
        return parts.isEmpty ? "-" : parts.joined(separator: ", ")
    }
}

extension Snapshot {
    /// The ingest tokens of `repository` (all when nil), in snapshot order, with their status at `nowMillis`
    /// and their last use from `lastUsed` (epoch seconds by token); throws when the repository does not exist.
    public func ingestTokenRows(repository: String?, showSecrets: Bool, nowMillis: Int64 = 0,
                                lastUsed: [TokenKey: UInt32] = [:]) throws(TokenError) -> [IngestTokenRow] {
        if let repository, self.repository(named: repository) == nil {
            throw .notFound("repository '\(repository)' does not exist")
        }
        return ingestTokens.lazy.filter { repository == nil || $0.repository == repository }.map { token in
            IngestTokenRow(repository: token.repository, name: token.name, parser: token.parser,
                           token: Snapshot.display(token: token.token, sha256: token.tokenSha256, showSecrets: showSecrets),
                           limits: token.limits, dailyBytes: token.dailyBytes,
                           createdAt: token.createdAt.map(RFC3339.format(millis:)),
                           expiresAt: token.expiresAt.map(RFC3339.format(millis:)),
                           status: token.status(atMillis: nowMillis),
                           lastUsed: lastUsed[TokenKey(repository: token.repository, name: token.name)]
                               .map { RFC3339.format(millis: Int64($0) * 1000) })
        }
    }

    public func repositoryRows() -> [RepositoryRow] {
        var counts = [String: Int]()
        for token in ingestTokens { counts[token.repository, default: 0] += 1 }
        return repositories.map {
            RepositoryRow(name: $0.name, organization: $0.organization, kind: $0.kind, ingestTokens: counts[$0.name] ?? 0,
                          timeBasedRetention: $0.timeBasedRetention, ingestSizeBasedRetention: $0.ingestSizeBasedRetention,
                          storageSizeBasedRetention: $0.storageSizeBasedRetention,
                          limits: $0.limits, dailyBytes: $0.dailyBytes, ingestBlocked: $0.ingestBlocked,
                          ingestBlockedMessage: $0.ingestBlockedMessage)
        }
    }

    /// A token for display: in clear with `showSecrets`, else its first four characters and asterisks; a
    /// token stored only as a digest shows as `sha256:` and the first 12 hex digits.
    public static func display(token: String?, sha256: String?, showSecrets: Bool) -> String {
        if let token {
            return showSecrets ? token : String(token.prefix(4)) + String(repeating: "*", count: max(token.count - 4, 4))
        }
        return "sha256:" + (sha256.map { String($0.prefix(12)) } ?? "") + "…"
    }
}

/// Left-aligned text columns for the CLI's list commands.
public func renderColumns(_ header: [String], _ rows: [[String]]) -> String {
    var widths = header.map(\.count)
    for row in rows {
        for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
    }
    func line(_ cells: [String]) -> String {
        var text = ""
        for (i, cell) in cells.enumerated() {
            text += i == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count + 2)
        }
        return text
    }
    return ([line(header)] + rows.map(line)).joined(separator: "\n") + "\n"
}

/// A parser a token can name, as the admin API lists it.
public struct ParserRow: Sendable, Equatable {
    public var name: String
    public var isBuiltIn: Bool
}

extension Snapshot {
    /// The names of the parsers every server has.
    public static var builtinParserNames: [String] { ParserRegistry.builtinNames }

    /// Every parser a token can name: the built-in ones, then the custom ones in snapshot order.
    public var parserRows: [ParserRow] {
        ParserRegistry.builtinNames.map { ParserRow(name: $0, isBuiltIn: true) }
            + parsers.map { ParserRow(name: $0.name, isBuiltIn: false) }
    }
}
