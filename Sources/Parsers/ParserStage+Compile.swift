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
            let tags = fields.map { $0.hasPrefix("#") ? FieldName($0) : FieldName("#" + $0) }
            return .tag(from: names, to: tags)
        case "drop":
            guard let fields = d.fields, !fields.isEmpty else { throw StageCompileError(reason: "drop needs 'fields'") }
            return .drop(fields.map { FieldName($0) })
        case "rename":
            return .rename(from: FieldName(try require(d.from, "from")), to: FieldName(try require(d.to, "to")))
        case "set":
            return .set(FieldName(try require(d.field, "field")), value: Array((d.value ?? "").utf8))
        default:
            throw StageCompileError(reason: "unknown stage '\(d.op)'")
        }
    }
}
