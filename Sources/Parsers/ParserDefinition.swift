/// A custom parser as the token snapshot declares it: a name and its stages in order.
public struct CustomParserDefinition: Codable, Sendable, Equatable {
    public var name: String
    public var stages: [StageDefinition]

    public init(name: String, stages: [StageDefinition]) {
        self.name = name
        self.stages = stages
    }
}

/// One stage of a custom parser; `op` names the stage and the other members are its arguments.
public struct StageDefinition: Codable, Sendable, Equatable {
    /// `parseJson`, `kvParse`, `regex`, `parseTimestamp`, `findTimestamp`, `tag`, `drop`, `rename`, `set`.
    public var op: String
    public var field: String?
    public var pattern: String?
    public var format: String?
    public var timezone: String?
    public var separator: String?
    public var override: Bool?
    public var fields: [String]?
    public var from: String?
    public var to: String?
    public var value: String?

    public init(op: String, field: String? = nil, pattern: String? = nil, format: String? = nil,
                timezone: String? = nil, separator: String? = nil, override: Bool? = nil,
                fields: [String]? = nil, from: String? = nil, to: String? = nil, value: String? = nil) {
        self.op = op
        self.field = field
        self.pattern = pattern
        self.format = format
        self.timezone = timezone
        self.separator = separator
        self.override = override
        self.fields = fields
        self.from = from
        self.to = to
        self.value = value
    }
}

/// Why a custom parser could not be compiled: the parser, the stage index and the reason.
public struct ParserCompileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var parser: String
    public var stage: Int?
    public var reason: String

    public init(parser: String, stage: Int?, reason: String) {
        self.parser = parser
        self.stage = stage
        self.reason = reason
    }

    public var description: String {
        if let stage { return "parser '\(parser)' stage \(stage): \(reason)" }
        return "parser '\(parser)': \(reason)"
    }
}
