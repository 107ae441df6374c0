/// Every parser a snapshot can name: the built-ins and the snapshot's compiled custom parsers.
/// Immutable once compiled; lookups by name allocate nothing for names up to 15 bytes.
public struct ParserRegistry: Sendable {
    public static let builtinNames: [String] = ["kv", "kv-millis", "json", "accesslog", "syslog", "syslog-utc", "none"]

    let pipelines: [String: ParserPipeline]
    /// The built-in `kv` parser (the HEC and unstructured default), looked up once here rather than by
    /// name on every request (a `String` hash per request is a visible part of a 1-event request).
    public let kv: ParserPipeline?

    init(pipelines: [String: ParserPipeline]) {
        self.pipelines = pipelines
        self.kv = pipelines["kv"]
    }

    /// Compiles the custom parsers; the first that fails names itself, its stage and the reason.
    public static func compile(_ custom: [CustomParserDefinition]) throws(ParserCompileError) -> ParserRegistry {
        try compile(custom, localZone: TimeZoneRules.system)
    }

    /// As ``compile(_:)`` with the zone `syslog` reads RFC 3164 dates in (tests pass their own).
    static func compile(_ custom: [CustomParserDefinition], localZone: TimeZoneRules) throws(ParserCompileError) -> ParserRegistry {
        var pipelines = builtinPipelines(localZone: localZone)
        for definition in custom {
            if pipelines[definition.name] != nil {
                throw ParserCompileError(parser: definition.name, stage: nil, reason: "a parser with this name already exists")
            }
            guard !definition.name.isEmpty else {
                throw ParserCompileError(parser: definition.name, stage: nil, reason: "the parser has no name")
            }
            var stages: [ParserStage] = []
            for (index, stage) in definition.stages.enumerated() {
                do {
                    stages.append(try ParserStage.compile(stage))
                } catch {
                    throw ParserCompileError(parser: definition.name, stage: index, reason: error.reason)
                }
            }
            pipelines[definition.name] = ParserPipeline(name: definition.name, stages: stages)
        }
        return ParserRegistry(pipelines: pipelines)
    }

    static func builtinPipelines(localZone: TimeZoneRules) -> [String: ParserPipeline] {
        let builtins: [(String, [ParserStage])] = [
            ("kv", [.keyValue(KeyValueScanner(), source: .rawstring, leading: .iso8601)]),
            ("kv-millis", [.keyValue(KeyValueScanner(), source: .rawstring, leading: .epochMillis)]),
            ("json", [.json(source: .rawstring, setTimestamp: true)]),
            ("accesslog", [.accessLog]),
            ("syslog", [.syslog(SyslogParser(zone: localZone, rfc3164Only: false))]),
            ("syslog-utc", [.syslog(SyslogParser(zone: .utc, rfc3164Only: true))]),
            ("none", []),
        ]
        var pipelines: [String: ParserPipeline] = [:]
        for (name, stages) in builtins { pipelines[name] = ParserPipeline(name: name, stages: stages) }
        return pipelines
    }

    public static let builtins: ParserRegistry = try! compile([])

    public func pipeline(named name: String) -> ParserPipeline? { pipelines[name] }

    /// Looks a parser up by the name bytes a request carries (unstructured `type`, HEC `sourcetype`).
    public func pipeline(named name: UnsafeRawBufferPointer) -> ParserPipeline? {
        pipelines[String(decoding: name, as: UTF8.self)]
    }
}
