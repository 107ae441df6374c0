import Parsers

extension SnapshotCodec {
    /// The snapshot as JSON: fields in a fixed order, one list entry per line, optional fields left out
    /// when absent, ending in a newline.
    public static func encode(_ snapshot: Snapshot) -> [UInt8] {
        encode(snapshot, ingestTokens: snapshot.ingestTokens.count) { out, i in write(&out, snapshot.ingestTokens[i]) }
    }

    /// The bytes ``encode(_:)`` makes of `serving.snapshot`, with each ingest token read from the listing
    /// table as it is written.
    public static func encode(_ serving: ServingSnapshot) -> [UInt8] {
        let table = serving.ingestTokens
        return encode(serving.catalog, ingestTokens: table.count) { out, i in write(&out, table.token(at: i)) }
    }

    /// `snapshot` with `count` ingest tokens that `token` writes by position (its own list is not read).
    private static func encode(_ snapshot: Snapshot, ingestTokens count: Int, _ token: (inout JSONWriter, Int) -> Void) -> [UInt8] {
        var out = JSONWriter()
        out.bytes.reserveCapacity(4096 + 128 * count)
        out.raw("{\n  \"version\": \(snapshot.version)")
        out.entryList("organizations", snapshot.organizations, write)
        out.entryList("repositories", snapshot.repositories, write)
        out.entryList("users", snapshot.users, write)
        out.entryList("apiTokens", snapshot.apiTokens, write)
        out.entryList("ingestTokens", count: count, token)
        out.entryList("parsers", snapshot.parsers, write)
        out.raw(",\n  \"features\": ")
        out.strings(snapshot.features)
        if !snapshot.forwarders.isEmpty { out.entryList("forwarders", snapshot.forwarders, write) }
        out.raw("\n}\n")
        return out.bytes
    }

    // MARK: - One entry

    /// One organization as one line of the file's `organizations` list (without indentation or newline).
    public static func encode(_ organization: Organization) -> [UInt8] { entry(organization, write) }
    public static func encode(_ repository: Repository) -> [UInt8] { entry(repository, write) }
    public static func encode(_ user: User) -> [UInt8] { entry(user, write) }
    public static func encode(_ token: APIToken) -> [UInt8] { entry(token, write) }
    public static func encode(_ token: IngestToken) -> [UInt8] { entry(token, write) }
    public static func encode(_ parser: CustomParserDefinition) -> [UInt8] { entry(parser, write) }
    public static func encode(_ target: Forwarder) -> [UInt8] { entry(target, write) }

    private static func entry<T>(_ value: T, _ write: (inout JSONWriter, T) -> Void) -> [UInt8] {
        var out = JSONWriter()
        write(&out, value)
        return out.bytes
    }

    // MARK: - Entries

    static func write(_ out: inout JSONWriter, _ organization: Organization) {
        out.raw("{")
        out.field("name", organization.name, first: true)
        out.raw("}")
    }

    static func write(_ out: inout JSONWriter, _ repository: Repository) {
        out.raw("{")
        out.field("name", repository.name, first: true)
        out.field("organization", repository.organization)
        out.field("kind", repository.kind.rawValue)
        out.field("id", repository.id)
        out.field("description", repository.description)
        for setting in Repository.RetentionSetting.allCases { out.field(setting.rawValue, number: repository[retention: setting]) }
        if !repository.forwardTo.isEmpty {
            out.raw(", \"forwardTo\": ")
            out.strings(repository.forwardTo)
        }
        out.limits(repository.limits, dailyBytes: repository.dailyBytes)
        if let blocked = repository.ingestBlocked { out.raw(", \"ingestBlocked\": \(blocked)") }
        out.field("ingestBlockedMessage", repository.ingestBlockedMessage)
        out.raw("}")
    }

    static func write(_ out: inout JSONWriter, _ user: User) {
        out.raw("{")
        out.field("name", user.name, first: true)
        out.raw(", \"root\": \(user.root)")
        if !user.permissions.isEmpty {
            out.raw(", \"permissions\": {")
            for (i, repository) in user.permissions.keys.sorted().enumerated() {
                if i > 0 { out.raw(", ") }
                out.string(repository)
                out.raw(": ")
                out.strings(user.permissions[repository] ?? [])
            }
            out.raw("}")
        }
        out.raw("}")
    }

    static func write(_ out: inout JSONWriter, _ token: APIToken) {
        out.raw("{")
        out.field("id", token.id, first: true)
        out.field("name", token.name)
        out.field("kind", token.kind.rawValue)
        out.field("user", token.user)
        out.field("organization", token.organization)
        out.raw(", \"permissions\": ")
        out.strings(token.permissions)
        out.field("token", token.token)
        out.field("tokenSha256", token.tokenSha256)
        out.raw("}")
    }

    static func write(_ out: inout JSONWriter, _ token: IngestToken) {
        out.raw("{")
        out.field("name", token.name, first: true)
        out.field("repository", token.repository)
        out.field("parser", token.parser)
        out.field("token", token.token)
        out.field("tokenSha256", token.tokenSha256)
        if let custom = token.custom { out.raw(", \"custom\": \(custom)") }
        out.limits(token.limits, dailyBytes: token.dailyBytes)
        out.field("createdAt", token.createdAt.map(RFC3339.format(millis:)))
        out.field("expiresAt", token.expiresAt.map(RFC3339.format(millis:)))
        out.field("previousTokenSha256", token.previousTokenSha256)
        out.field("previousExpiresAt", token.previousExpiresAt.map(RFC3339.format(millis:)))
        if let acks = token.hecAcknowledgements { out.raw(", \"hecAcknowledgements\": \(acks)") }
        out.raw("}")
    }

    /// A custom parser compact, with its members and its stages' in sorted order (the form the file has
    /// always had for them).
    static func write(_ out: inout JSONWriter, _ parser: CustomParserDefinition) {
        out.raw("{\"name\":")
        out.string(parser.name)
        out.raw(",\"stages\":[")
        for (i, stage) in parser.stages.enumerated() {
            if i > 0 { out.raw(",") }
            var first = true
            func member(_ key: String, _ value: String?) {
                guard let value else { return }
                out.raw(first ? "{" : ",")
                first = false
                out.string(key)
                out.raw(":")
                out.string(value)
            }
            member("field", stage.field)
            if let fields = stage.fields {
                out.raw(first ? "{\"fields\":" : ",\"fields\":")
                first = false
                out.raw("[")
                for (j, field) in fields.enumerated() {
                    if j > 0 { out.raw(",") }
                    out.string(field)
                }
                out.raw("]")
            }
            member("format", stage.format)
            member("from", stage.from)
            member("op", stage.op)
            if let override = stage.override { out.raw(",\"override\":\(override)") }
            member("pattern", stage.pattern)
            member("separator", stage.separator)
            member("timezone", stage.timezone)
            member("to", stage.to)
            member("value", stage.value)
            out.raw("}")
        }
        out.raw("]}")
    }

    static func write(_ out: inout JSONWriter, _ target: Forwarder) {
        out.raw("{")
        out.field("name", target.name, first: true)
        out.field("kind", target.kind.rawValue)
        out.field("format", target.format.rawValue)
        out.field("compression", target.compression)
        if !target.servers.isEmpty {
            out.raw(", \"servers\": ")
            out.strings(target.servers)
        }
        out.field("stream", target.stream)
        out.field("subjectPrefix", target.subjectPrefix)
        out.field("user", target.user)
        out.field("password", target.password)
        out.field("token", target.token)
        out.field("credsFile", target.credsFile)
        out.field("tlsCA", target.tlsCA)
        out.field("url", target.url)
        out.field("upstreamToken", target.upstreamToken)
        if !target.upstreamTokens.isEmpty {
            out.raw(", \"upstreamTokens\": {")
            for (i, repository) in target.upstreamTokens.keys.sorted().enumerated() {
                if i > 0 { out.raw(", ") }
                out.string(repository)
                out.raw(": ")
                out.string(target.upstreamTokens[repository] ?? "")
            }
            out.raw("}")
        }
        if let verify = target.tlsVerify { out.raw(", \"tlsVerify\": \(verify)") }
        out.raw("}")
    }
}

extension JSONWriter {
    /// `, "limits": {…}` and `, "dailyBytes": n`, each only when set; whole numbers without a fraction.
    mutating func limits(_ limits: IngestLimits?, dailyBytes: Int?) {
        if let limits {
            raw(", \"limits\": {")
            var first = true
            for (key, value) in [("eventsPerSecond", limits.eventsPerSecond), ("bytesPerSecond", limits.bytesPerSecond),
                                 ("burstSeconds", limits.burstSeconds)] {
                guard let value else { continue }
                if !first { raw(", ") }
                first = false
                string(key)
                raw(": ")
                raw(IngestLimits.text(value))
            }
            raw("}")
        }
        if let dailyBytes { raw(", \"dailyBytes\": \(dailyBytes)") }
    }
}

extension IngestLimits {
    /// A rate as JSON and command-line text: whole numbers without a fraction (`1000`, not `1000.0`).
    public static func text(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }
}
