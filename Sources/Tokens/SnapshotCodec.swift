import Parsers

/// Reads and writes the snapshot file's JSON, on JSONStream's reader (through ``JSONPathReader``, which
/// keeps the JSON path) and its string escaper. Hand-written rather than `Codable` because a snapshot holds
/// a million tokens: reading one goes straight from bytes to the model without an intermediate tree.
///
/// Guarantees: every refusal names the file, the JSON path and the reason (with line and column for
/// syntax errors); unknown and duplicate fields are refused, so a misspelt `tokenSha256` cannot silently
/// drop a token's digest (custom parser definitions excepted: their unknown members are skipped, as they
/// always were); `null` counts as absent for optional fields. Output is deterministic, one list entry per
/// line. Each kind of entry also reads and writes alone (`decode(_:from:file:)`, `encode(_:)`),
/// as one line of the file reads and writes.
public enum SnapshotCodec {
    public static func decode(_ bytes: [UInt8], file: String) throws(TokenError) -> Snapshot {
        try JSONPathReader.read(bytes, file: file) { (reader) throws(TokenError) in try readSnapshot(&reader, ingestTokens: nil) }
    }

    /// As `decode(_:file:)`, with the ingest tokens going straight into the compact table as they are read (the
    /// returned catalog's `ingestTokens` is empty): no list of a million `IngestToken` values exists at once.
    /// Refuses exactly what `decode` refuses, with the same message.
    static func decodeServing(_ bytes: [UInt8], file: String) throws(TokenError) -> (catalog: Snapshot, ingestTokens: IngestTokenTable) {
        var table = IngestTokenTable.Builder()
        // A large list's second half is read at the same time on another thread (see there).
        let secondHalf = IngestTokenSecondHalf(bytes, file: file)
        defer { secondHalf?.finish() }
        let catalog = try JSONPathReader.read(bytes, file: file) { (reader) throws(TokenError) in
            try readSnapshot(&reader) { (reader, index) throws(TokenError) in
                // Room at about 64 bytes of file per entry, as `decode` reserves (see there).
                if index == 0 { table.reserve(reader.remainingBytes / 64) }
                table.append(try readIngestToken(&reader))
                if let secondHalf, reader.offset == secondHalf.firstHalfEnd, var taken = secondHalf.take() {
                    // Part by part, each freed once appended (`taken` holds the only reference to them).
                    for i in taken.parts.indices {
                        table.append(contentsOf: taken.parts[i])
                        taken.parts[i] = IngestTokenTable.Builder()
                    }
                    reader.skip(to: taken.closing)
                }
            }
        }
        return (catalog, IngestTokenTable(table))
    }

    /// `ingestTokens`, when given, takes each ingest token's entry instead of the snapshot's list.
    private static func readSnapshot(_ reader: inout JSONPathReader,
                                     ingestTokens sink: ((inout JSONPathReader, Int) throws(TokenError) -> Void)?) throws(TokenError) -> Snapshot {
        var snapshot = Snapshot()
        var version: Int?
        try reader.readObject { (reader, key) throws(TokenError) in
            switch key {
            case "version": version = try reader.readInt()
            case "organizations":
                try reader.readArray { (reader, _) throws(TokenError) in snapshot.organizations.append(try readOrganization(&reader)) }
            case "repositories":
                try reader.readArray { (reader, _) throws(TokenError) in snapshot.repositories.append(try readRepository(&reader)) }
            case "users":
                try reader.readArray { (reader, _) throws(TokenError) in snapshot.users.append(try readUser(&reader)) }
            case "apiTokens":
                try reader.readArray { (reader, _) throws(TokenError) in snapshot.apiTokens.append(try readAPIToken(&reader)) }
            case "ingestTokens" where sink != nil:
                try reader.readArray { (reader, index) throws(TokenError) in try sink!(&reader, index) }
            case "ingestTokens":
                // Room for the list at about 64 bytes of file per entry (a generated token's line is longer), so a
                // million entries are not copied at each doubling; capacity never written is never resident.
                snapshot.ingestTokens.reserveCapacity(reader.remainingBytes / 64)
                try reader.readArray { (reader, _) throws(TokenError) in snapshot.ingestTokens.append(try readIngestToken(&reader)) }
            case "parsers":
                try reader.readArray { (reader, _) throws(TokenError) in snapshot.parsers.append(try readParser(&reader)) }
            case "features":
                try reader.readArray { (reader, _) throws(TokenError) in snapshot.features.append(try reader.readString()) }
            case "forwarders":
                try reader.readArray { (reader, _) throws(TokenError) in snapshot.forwarders.append(try readForwarder(&reader)) }
            default: throw reader.refuse("unknown field '\(key)'")
            }
        }
        guard let version else { throw reader.refuse(field: "version", "missing required field 'version'") }
        snapshot.version = version
        return snapshot
    }

    // MARK: - One entry

    /// One organization, as one entry of the file's `organizations` reads.
    public static func decode(_ type: Organization.Type, from bytes: [UInt8], file: String) throws(TokenError) -> Organization {
        try JSONPathReader.read(bytes, file: file) { (reader) throws(TokenError) in try readOrganization(&reader) }
    }

    public static func decode(_ type: Repository.Type, from bytes: [UInt8], file: String) throws(TokenError) -> Repository {
        try JSONPathReader.read(bytes, file: file) { (reader) throws(TokenError) in try readRepository(&reader) }
    }

    public static func decode(_ type: User.Type, from bytes: [UInt8], file: String) throws(TokenError) -> User {
        try JSONPathReader.read(bytes, file: file) { (reader) throws(TokenError) in try readUser(&reader) }
    }

    public static func decode(_ type: APIToken.Type, from bytes: [UInt8], file: String) throws(TokenError) -> APIToken {
        try JSONPathReader.read(bytes, file: file) { (reader) throws(TokenError) in try readAPIToken(&reader) }
    }

    public static func decode(_ type: IngestToken.Type, from bytes: [UInt8], file: String) throws(TokenError) -> IngestToken {
        try JSONPathReader.read(bytes, file: file) { (reader) throws(TokenError) in try readIngestToken(&reader) }
    }

    public static func decode(_ type: CustomParserDefinition.Type, from bytes: [UInt8], file: String) throws(TokenError) -> CustomParserDefinition {
        try JSONPathReader.read(bytes, file: file) { (reader) throws(TokenError) in try readParser(&reader) }
    }

    public static func decode(_ type: Forwarder.Type, from bytes: [UInt8], file: String) throws(TokenError) -> Forwarder {
        try JSONPathReader.read(bytes, file: file) { (reader) throws(TokenError) in try readForwarder(&reader) }
    }

    // MARK: - Entries

    private static func readOrganization(_ reader: inout JSONPathReader) throws(TokenError) -> Organization {
        var name: String?
        try reader.readObject { (reader, key) throws(TokenError) in
            switch key {
            case "name": name = try reader.readString()
            default: throw reader.refuse("unknown field '\(key)'")
            }
        }
        return Organization(name: try required(name, "name", reader))
    }

    private static func readRepository(_ reader: inout JSONPathReader) throws(TokenError) -> Repository {
        var name: String?
        var organization: String?
        var kind: Repository.Kind?
        var id: String?
        var description: String?
        var forwardTo: [String] = []
        var retention = Repository(name: "")
        var limits: IngestLimits?, dailyBytes: Int?, ingestBlocked: Bool?, ingestBlockedMessage: String?
        try reader.readObject { (reader, key) throws(TokenError) in
            switch key {
            case "name": name = try reader.readString()
            case "forwardTo": forwardTo = try reader.readNull() ? [] : try readStrings(&reader)
            case "timeBasedRetention": retention.timeBasedRetention = try reader.readOptionalNumber()
            case "ingestSizeBasedRetention": retention.ingestSizeBasedRetention = try reader.readOptionalNumber()
            case "storageSizeBasedRetention": retention.storageSizeBasedRetention = try reader.readOptionalNumber()
            case "limits": limits = try readLimits(&reader)
            case "dailyBytes": dailyBytes = try reader.readNull() ? nil : try reader.readInt()
            case "ingestBlocked": ingestBlocked = try reader.readNull() ? nil : try reader.readBool()
            case "ingestBlockedMessage": ingestBlockedMessage = try reader.readOptionalString()
            case "organization": organization = try reader.readOptionalString()
            case "id": id = try reader.readOptionalString()
            case "description": description = try reader.readOptionalString()
            case "kind":
                guard let text = try reader.readOptionalString() else { return }
                guard let parsed = Repository.Kind(rawValue: text) else {
                    throw reader.refuse("unknown kind '\(text)': use regular, system or sandbox")
                }
                kind = parsed
            default: throw reader.refuse("unknown field '\(key)'")
            }
        }
        return Repository(name: try required(name, "name", reader), organization: organization ?? Snapshot.defaultOrganization,
                          kind: kind ?? .regular, id: id, description: description, forwardTo: forwardTo,
                          timeBasedRetention: retention.timeBasedRetention, ingestSizeBasedRetention: retention.ingestSizeBasedRetention,
                          storageSizeBasedRetention: retention.storageSizeBasedRetention,
                          limits: limits, dailyBytes: dailyBytes, ingestBlocked: ingestBlocked, ingestBlockedMessage: ingestBlockedMessage)
    }

    /// An `IngestLimits` object (`null` for none); its numbers may have fractions.
    private static func readLimits(_ reader: inout JSONPathReader) throws(TokenError) -> IngestLimits? {
        if try reader.readNull() { return nil }
        var limits = IngestLimits()
        try reader.readObject { (reader, key) throws(TokenError) in
            switch key {
            case "eventsPerSecond": limits.eventsPerSecond = try reader.readOptionalNumber()
            case "bytesPerSecond": limits.bytesPerSecond = try reader.readOptionalNumber()
            case "burstSeconds": limits.burstSeconds = try reader.readOptionalNumber()
            default: throw reader.refuse("unknown field '\(key)'")
            }
        }
        return limits
    }

    private static func readForwarder(_ reader: inout JSONPathReader) throws(TokenError) -> Forwarder {
        var name: String?, kind: Forwarder.Kind?
        var target = Forwarder(name: "", kind: .jetstream)
        try reader.readObject { (reader, key) throws(TokenError) in
            switch key {
            case "name": name = try reader.readString()
            case "kind":
                let text = try reader.readString()
                guard let parsed = Forwarder.Kind(rawValue: text) else { throw reader.refuse("unknown kind '\(text)': use jetstream or http") }
                kind = parsed
            case "format":
                guard let text = try reader.readOptionalString() else { return }
                guard let parsed = Forwarder.Format(rawValue: text) else { throw reader.refuse("unknown format '\(text)': use ndjson or wal") }
                target.format = parsed
            case "compression": target.compression = try reader.readOptionalString()
            case "servers": target.servers = try reader.readNull() ? [] : try readStrings(&reader)
            case "stream": target.stream = try reader.readOptionalString()
            case "subjectPrefix": target.subjectPrefix = try reader.readOptionalString()
            case "user": target.user = try reader.readOptionalString()
            case "password": target.password = try reader.readOptionalString()
            case "token": target.token = try reader.readOptionalString()
            case "credsFile": target.credsFile = try reader.readOptionalString()
            case "tlsCA": target.tlsCA = try reader.readOptionalString()
            case "url": target.url = try reader.readOptionalString()
            case "upstreamToken": target.upstreamToken = try reader.readOptionalString()
            case "upstreamTokens":
                if try reader.readNull() { return }
                try reader.readObject { (reader, repository) throws(TokenError) in
                    target.upstreamTokens[repository.text] = try reader.readString()
                }
            case "tlsVerify": target.tlsVerify = try reader.readNull() ? nil : try reader.readBool()
            default: throw reader.refuse("unknown field '\(key)'")
            }
        }
        target.name = try required(name, "name", reader)
        target.kind = try required(kind, "kind", reader)
        return target
    }

    private static func readUser(_ reader: inout JSONPathReader) throws(TokenError) -> User {
        var name: String?
        var root = false
        var permissions: [String: [String]] = [:]
        try reader.readObject { (reader, key) throws(TokenError) in
            switch key {
            case "name": name = try reader.readString()
            case "root": root = try reader.readNull() ? false : try reader.readBool()
            case "permissions":
                if try reader.readNull() { return }
                try reader.readObject { (reader, repository) throws(TokenError) in
                    permissions[repository.text] = try readStrings(&reader)
                }
            default: throw reader.refuse("unknown field '\(key)'")
            }
        }
        return User(name: try required(name, "name", reader), root: root, permissions: permissions)
    }

    private static func readAPIToken(_ reader: inout JSONPathReader) throws(TokenError) -> APIToken {
        var id: String?, name: String?, kind: APIToken.Kind?
        var token = APIToken(id: "", name: "", kind: .system)
        try reader.readObject { (reader, key) throws(TokenError) in
            switch key {
            case "id": id = try reader.readString()
            case "name": name = try reader.readString()
            case "kind":
                let text = try reader.readString()
                guard let parsed = APIToken.Kind(rawValue: text) else {
                    throw reader.refuse("unknown kind '\(text)': use personal, organization or system")
                }
                kind = parsed
            case "user": token.user = try reader.readOptionalString()
            case "organization": token.organization = try reader.readOptionalString()
            case "permissions": token.permissions = try reader.readNull() ? [] : try readStrings(&reader)
            case "token": token.token = try reader.readOptionalString()
            case "tokenSha256": token.tokenSha256 = try reader.readOptionalString()
            default: throw reader.refuse("unknown field '\(key)'")
            }
        }
        token.id = try required(id, "id", reader)
        token.name = try required(name, "name", reader)
        token.kind = try required(kind, "kind", reader)
        return token
    }

    static func readIngestToken(_ reader: inout JSONPathReader) throws(TokenError) -> IngestToken {
        var name: String?, repository: String?
        var token = IngestToken(name: "", repository: "")
        try reader.readObject { (reader, key) throws(TokenError) in
            switch key {
            case "name": name = try reader.readString()
            case "repository": repository = try reader.readString()
            case "parser": token.parser = try reader.readOptionalString()
            case "token": token.token = try reader.readOptionalString()
            case "tokenSha256": token.tokenSha256 = try reader.readOptionalString()
            case "custom": token.custom = try reader.readNull() ? nil : try reader.readBool()
            case "limits": token.limits = try readLimits(&reader)
            case "dailyBytes": token.dailyBytes = try reader.readNull() ? nil : try reader.readInt()
            case "createdAt": token.createdAt = try readTime(&reader)
            case "expiresAt": token.expiresAt = try readTime(&reader)
            case "previousTokenSha256": token.previousTokenSha256 = try reader.readOptionalString()
            case "previousExpiresAt": token.previousExpiresAt = try readTime(&reader)
            case "hecAcknowledgements": token.hecAcknowledgements = try reader.readNull() ? nil : try reader.readBool()
            default: throw reader.refuse("unknown field '\(key)'")
            }
        }
        token.name = try required(name, "name", reader)
        token.repository = try required(repository, "repository", reader)
        return token
    }

    /// An RFC 3339 time (`2026-12-07T12:00:00Z`) as epoch milliseconds; null is absent.
    private static func readTime(_ reader: inout JSONPathReader) throws(TokenError) -> Int64? {
        guard let text = try reader.readOptionalString() else { return nil }
        guard let millis = RFC3339.parse(text) else { throw reader.refuse("'\(text)' is not an RFC 3339 time such as 2026-12-07T12:00:00Z") }
        return millis
    }

    private static func readStrings(_ reader: inout JSONPathReader) throws(TokenError) -> [String] {
        var strings: [String] = []
        try reader.readArray { (reader, _) throws(TokenError) in strings.append(try reader.readString()) }
        return strings
    }

    /// A custom parser: `name` and `stages`; members it does not know are skipped.
    private static func readParser(_ reader: inout JSONPathReader) throws(TokenError) -> CustomParserDefinition {
        var name: String?, stages: [StageDefinition]?
        try reader.readObject { (reader, key) throws(TokenError) in
            switch key {
            case "name": name = try reader.readString()
            case "stages":
                var list: [StageDefinition] = []
                try reader.readArray { (reader, _) throws(TokenError) in list.append(try readStage(&reader)) }
                stages = list
            default: try reader.skipValue()
            }
        }
        return CustomParserDefinition(name: try required(name, "name", reader), stages: try required(stages, "stages", reader))
    }

    private static func readStage(_ reader: inout JSONPathReader) throws(TokenError) -> StageDefinition {
        var op: String?
        var stage = StageDefinition(op: "")
        try reader.readObject { (reader, key) throws(TokenError) in
            switch key {
            case "op": op = try reader.readString()
            case "field": stage.field = try reader.readOptionalString()
            case "pattern": stage.pattern = try reader.readOptionalString()
            case "format": stage.format = try reader.readOptionalString()
            case "timezone": stage.timezone = try reader.readOptionalString()
            case "separator": stage.separator = try reader.readOptionalString()
            case "override": stage.override = try reader.readNull() ? nil : try reader.readBool()
            case "fields": stage.fields = try reader.readNull() ? nil : try readStrings(&reader)
            case "from": stage.from = try reader.readOptionalString()
            case "to": stage.to = try reader.readOptionalString()
            case "value": stage.value = try reader.readOptionalString()
            default: try reader.skipValue()
            }
        }
        stage.op = try required(op, "op", reader)
        return stage
    }

    private static func required<T>(_ value: T?, _ key: String, _ reader: JSONPathReader) throws(TokenError) -> T {
        guard let value else { throw reader.refuse(field: key, "missing required field '\(key)'") }
        return value
    }
}
