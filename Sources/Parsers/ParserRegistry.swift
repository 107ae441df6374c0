/// Every parser a snapshot can name: the built-ins and the snapshot's compiled custom parsers.
public struct ParserRegistry: Sendable {
    public static let builtinNames: [String] = ["kv", "kv-millis", "json", "accesslog", "syslog", "syslog-utc", "none"]

    private let pipelines: [String: ParserPipeline]

    /// Compiles the custom parsers; the first that fails names itself, its stage and the reason.
    public static func compile(_ custom: [CustomParserDefinition]) throws(ParserCompileError) -> ParserRegistry {
        var pipelines: [String: ParserPipeline] = [:]
        for name in builtinNames { pipelines[name] = ParserPipeline(name: name) }
        for definition in custom {
            if pipelines[definition.name] != nil {
                throw ParserCompileError(parser: definition.name, stage: nil, reason: "a parser with this name already exists")
            }
            pipelines[definition.name] = ParserPipeline(name: definition.name)
        }
        return ParserRegistry(pipelines: pipelines)
    }

    public static let builtins: ParserRegistry = try! compile([])

    public func pipeline(named name: String) -> ParserPipeline? { pipelines[name] }

    /// Looks a parser up by the name bytes a request carries (unstructured `type`, HEC `sourcetype`).
    public func pipeline(named name: UnsafeRawBufferPointer) -> ParserPipeline? {
        pipelines[String(decoding: name, as: UTF8.self)]
    }
}
