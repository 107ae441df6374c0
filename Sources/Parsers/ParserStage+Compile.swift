/// Why one stage definition could not be compiled.
struct StageCompileError: Error {
    let reason: String
}

extension ParserStage {
    /// Compiles one stage of a custom parser definition.
    static func compile(_ d: StageDefinition) throws(StageCompileError) -> ParserStage {
        func require(_ value: String?, _ argument: String) throws(StageCompileError) -> String {
            guard let value, !value.isEmpty else { throw StageCompileError(reason: "\(d.op) needs '\(argument)'") }
            return value
        }
        // Only the request's routing fields name the repository (spec: parsing never fails a request).
        func refuseRepositoryTarget(_ name: String) throws(StageCompileError) {
            guard name != "#repo" else {
                throw StageCompileError(reason: "\(d.op) cannot write #repo: only the request's routing fields name the repository")
            }
        }
        func zone() throws(StageCompileError) -> TimeZoneRules {
            guard let name = d.timezone else { return .utc }
            do { return try TimeZoneRules.resolve(name) } catch {
                throw StageCompileError(reason: "unknown time zone '\(name)'")
            }
        }
        switch d.op {
        case "parseJson":
            return .json(source: FieldSource(d.field), setTimestamp: false)
        case "kvParse":
            let separator = Array((d.separator ?? "=").utf8)
            guard !separator.isEmpty else { throw StageCompileError(reason: "kvParse separator is empty") }
            return .keyValue(KeyValueScanner(separator: separator, override: d.override ?? false),
                             source: FieldSource(d.field), leading: .none)
        case "regex":
            let pattern = try require(d.pattern, "pattern")
            do {
                return .regex(try RegexProgram(pattern: pattern), source: FieldSource(d.field))
            } catch {
                throw StageCompileError(reason: "invalid regex: \(error.message)")
            }
        case "parseTimestamp":
            let rules = try zone()
            do {
                let format = try TimestampFormat.compile(d.format, zone: rules)
                return .parseTimestamp(format, source: FieldSource(d.field ?? "@timestamp"),
                                       zoneName: d.timezone.map { Array($0.utf8) } ?? [])
            } catch {
                throw StageCompileError(reason: "invalid timestamp format: \(error.message)")
            }
        case "findTimestamp":
            return .findTimestamp(source: FieldSource(d.field), zone: try zone())
        case "tag":
            guard let fields = d.fields, !fields.isEmpty else { throw StageCompileError(reason: "tag needs 'fields'") }
            let names = fields.map { FieldName($0) }
            let tags = fields.map { $0.hasPrefix("#") ? $0 : "#" + $0 }
            for tag in tags { try refuseRepositoryTarget(tag) }
            return .tag(from: names, to: tags.map { FieldName($0) })
        case "drop":
            guard let fields = d.fields, !fields.isEmpty else { throw StageCompileError(reason: "drop needs 'fields'") }
            return .drop(fields.map { FieldName($0) })
        case "rename":
            let to = try require(d.to, "to")
            try refuseRepositoryTarget(to)
            return .rename(from: FieldName(try require(d.from, "from")), to: FieldName(to))
        case "set":
            let field = try require(d.field, "field")
            try refuseRepositoryTarget(field)
            return .set(FieldName(field), value: Array((d.value ?? "").utf8))
        default:
            throw StageCompileError(reason: "unknown stage '\(d.op)'")
        }
    }
}
