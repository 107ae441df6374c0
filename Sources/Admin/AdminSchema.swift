import Foundation
import GraphQL
import Parsers
import Tokens

/// The LogScale-compatible schema (docs/admin-graphql.md) with names, argument names and result shapes
/// as LogScale has them. Resolvers read the request's `AdminOperations` from the GraphQL context and do
/// nothing but unpack arguments and shape results.
///
/// Sluice's choices where the spec leaves room: `Parser.id` is the parser's name (unique among parsers); `RepositoryType` is
/// `DEFAULT` for regular, `SYSTEM` for system and `PERSONAL` for sandbox repositories; a token stored only
/// as its SHA-256 shows as `sha256:<first 12 hex digits>…`; `FeatureFlag` has the one flag Sluice knows.
enum AdminSchema {
    static func make() throws -> GraphQLSchema {
        let parserTestCase = try parserTestCaseType()
        let parser = try GraphQLObjectType(name: "Parser", fields: [
            "id": GraphQLField(type: GraphQLNonNull(GraphQLString)) { source, _, _, _ in try cast(source, ParserNode.self).name },
            "name": GraphQLField(type: GraphQLNonNull(GraphQLString)) { source, _, _, _ in try cast(source, ParserNode.self).name },
            "isBuiltIn": GraphQLField(type: GraphQLNonNull(GraphQLBoolean)) { source, _, _, _ in try cast(source, ParserNode.self).isBuiltIn },
            "displayName": GraphQLField(type: GraphQLNonNull(GraphQLString)) { source, _, _, _ in try cast(source, ParserNode.self).name },
            "description": GraphQLField(type: GraphQLString) { _, _, _, _ in nil },
            "sourceCode": GraphQLField(type: GraphQLNonNull(GraphQLString)) { source, _, _, _ in try cast(source, ParserNode.self).sourceCode },
            "script": GraphQLField(type: GraphQLNonNull(GraphQLString)) { source, _, _, _ in try cast(source, ParserNode.self).sourceCode },
            // Sluice keeps no test data and tags through `tag` stages: these lists are empty.
            "testData": GraphQLField(type: GraphQLNonNull(GraphQLList(GraphQLNonNull(GraphQLString)))) { _, _, _, _ in [String]() },
            "tagFields": GraphQLField(type: GraphQLNonNull(GraphQLList(GraphQLNonNull(GraphQLString)))) { _, _, _, _ in [String]() },
            "fieldsToTag": GraphQLField(type: GraphQLNonNull(GraphQLList(GraphQLNonNull(GraphQLString)))) { _, _, _, _ in [String]() },
            "fieldsToBeRemovedBeforeParsing": GraphQLField(type: GraphQLNonNull(GraphQLList(GraphQLNonNull(GraphQLString)))) { _, _, _, _ in
                [String]()
            },
            "testCases": GraphQLField(type: GraphQLNonNull(GraphQLList(GraphQLNonNull(parserTestCase)))) { _, _, _, _ in [String]() },
        ])
        let long = try GraphQLScalarType(name: "Long", description: "A signed 64-bit integer.")
        let archivingFormat = try GraphQLEnumType(name: "S3ArchivingFormat", values: [
            "RAW": GraphQLEnumValue(value: "RAW"), "NDJSON": GraphQLEnumValue(value: "NDJSON"),
        ])
        // Sluice archives nothing to S3: the field is always null, but its type is LogScale's, so that
        // selections of it validate.
        let s3Configuration = try GraphQLObjectType(name: "S3Configuration", fields: [
            "bucket": GraphQLField(type: GraphQLNonNull(GraphQLString)),
            "region": GraphQLField(type: GraphQLNonNull(GraphQLString)),
            "disabled": GraphQLField(type: GraphQLBoolean),
            "format": GraphQLField(type: archivingFormat),
            "tagOrderInName": GraphQLField(type: GraphQLNonNull(GraphQLList(GraphQLNonNull(GraphQLString)))),
        ])
        // Sluice's rate limits (docs/limits.md); LogScale has no such type.
        let ingestLimits = try GraphQLObjectType(name: "IngestLimits", fields: [
            "eventsPerSecond": GraphQLField(type: GraphQLFloat) { source, _, _, _ in try cast(source, IngestLimits.self).eventsPerSecond },
            "bytesPerSecond": GraphQLField(type: GraphQLFloat) { source, _, _, _ in try cast(source, IngestLimits.self).bytesPerSecond },
            "burstSeconds": GraphQLField(type: GraphQLFloat) { source, _, _, _ in try cast(source, IngestLimits.self).burstSeconds },
        ])
        let ingestToken = try GraphQLObjectType(name: "IngestToken", fields: [
            "name": GraphQLField(type: GraphQLNonNull(GraphQLString)) { source, _, _, _ in try ingestTokenNode(source).token.name },
            "token": GraphQLField(type: GraphQLNonNull(GraphQLString)) { source, _, _, _ in
                let token = try ingestTokenNode(source).token
                return Snapshot.display(token: token.token, sha256: token.tokenSha256, showSecrets: true)
            },
            "parser": GraphQLField(type: parser) { source, _, _, _ in
                try ingestTokenNode(source).token.parser.map { ParserNode(name: $0, isBuiltIn: Snapshot.builtinParserNames.contains($0)) }
            },
            "limits": GraphQLField(type: ingestLimits) { source, _, _, _ in try ingestTokenNode(source).token.limits },
            "dailyBytes": GraphQLField(type: long) { source, _, _, _ in try ingestTokenNode(source).token.dailyBytes },
            // LogScale's names and units for API tokens' times (`createdAt`, `expireAt`: epoch milliseconds).
            "createdAt": GraphQLField(type: long) { source, _, _, _ in try ingestTokenNode(source).token.createdAt },
            "expireAt": GraphQLField(type: long) { source, _, _, _ in try ingestTokenNode(source).token.expiresAt },
            "status": GraphQLField(type: GraphQLNonNull(GraphQLString)) { source, _, _, _ in
                let node = try ingestTokenNode(source)
                return node.token.status(atMillis: node.nowMillis).rawValue
            },
            "lastUsed": GraphQLField(type: long) { source, _, _, _ in try ingestTokenNode(source).lastUsedMillis },
            "previousTokenExpireAt": GraphQLField(type: long) { source, _, _, _ in try ingestTokenNode(source).token.previousExpiresAt },
        ])
        let repositoryType = try GraphQLEnumType(name: "RepositoryType", values: [
            "PERSONAL": GraphQLEnumValue(value: "PERSONAL"), "TRIAL": GraphQLEnumValue(value: "TRIAL"),
            "DEFAULT": GraphQLEnumValue(value: "DEFAULT"), "SYSTEM": GraphQLEnumValue(value: "SYSTEM"),
            "MANAGED": GraphQLEnumValue(value: "MANAGED"),
        ])
        let repository = try GraphQLObjectType(name: "Repository", fields: [
            "name": GraphQLField(type: GraphQLNonNull(GraphQLString)) { source, _, _, _ in try cast(source, Repository.self).name },
            "type": GraphQLField(type: GraphQLNonNull(repositoryType)) { source, _, _, _ in
                switch try cast(source, Repository.self).kind {
                case .regular: return "DEFAULT"
                case .system: return "SYSTEM"
                case .sandbox: return "PERSONAL"
                }
            },
            "ingestTokens": GraphQLField(type: GraphQLNonNull(GraphQLList(GraphQLNonNull(ingestToken)))) { source, _, context, _ in
                try operations(context).ingestTokens(of: cast(source, Repository.self).name)
            },
            "id": GraphQLField(type: GraphQLNonNull(GraphQLString)) { source, _, _, _ in try cast(source, Repository.self).displayID },
            "description": GraphQLField(type: GraphQLString) { source, _, _, _ in try cast(source, Repository.self).description },
            "ingestLimits": GraphQLField(type: ingestLimits) { source, _, _, _ in try cast(source, Repository.self).limits },
            "dailyBytes": GraphQLField(type: long) { source, _, _, _ in try cast(source, Repository.self).dailyBytes },
            "ingestBlocked": GraphQLField(type: GraphQLNonNull(GraphQLBoolean)) { source, _, _, _ in
                try cast(source, Repository.self).isIngestBlocked
            },
            "ingestBlockedMessage": GraphQLField(type: GraphQLString) { source, _, _, _ in
                try cast(source, Repository.self).ingestBlockedMessage
            },
            // The retention in force: the repository's own setting, else the server's flag; null when unlimited
            // (what LogScale answers, and what humioctl compares a new value with before it deletes data).
            "timeBasedRetention": GraphQLField(type: GraphQLFloat) { source, _, context, _ in
                try operations(context).storage.timeBasedRetention(cast(source, Repository.self))
            },
            "ingestSizeBasedRetention": GraphQLField(type: GraphQLFloat) { source, _, context, _ in
                try operations(context).storage.ingestSizeBasedRetention(cast(source, Repository.self))
            },
            "storageSizeBasedRetention": GraphQLField(type: GraphQLFloat) { source, _, context, _ in
                try operations(context).storage.storageSizeBasedRetention(cast(source, Repository.self))
            },
            "compressedByteSize": GraphQLField(type: GraphQLNonNull(long)) { source, _, context, _ in
                try operations(context).storage.bytesOnDisk(cast(source, Repository.self).name)
            },
            "automaticSearch": GraphQLField(type: GraphQLNonNull(GraphQLBoolean)) { _, _, _, _ in true },
            "s3ArchivingConfiguration": GraphQLField(type: s3Configuration) { _, _, _, _ in nil },
            "parsers": GraphQLField(type: GraphQLNonNull(GraphQLList(GraphQLNonNull(parser)))) { _, _, context, _ in
                try operations(context).parsers()
            },
            "parser": GraphQLField(type: parser, args: ["id": GraphQLArgument(type: GraphQLString), "name": GraphQLArgument(type: GraphQLString)]) {
                _, args, context, _ in
                try operations(context).parser(named: optionalString(args, "name") ?? optionalString(args, "id"))
            },
        ])
        let query = try GraphQLObjectType(name: "Query", fields: [
            "repository": GraphQLField(type: GraphQLNonNull(repository),
                                       args: ["name": GraphQLArgument(type: GraphQLNonNull(GraphQLString))]) { _, args, context, _ in
                try operations(context).repository(named: string(args, "name"))
            },
            "repositories": GraphQLField(type: GraphQLNonNull(GraphQLList(GraphQLNonNull(repository)))) { _, _, context, _ in
                try operations(context).repositories()
            },
        ])
        let mutation = try mutationType(repository: repository, ingestToken: ingestToken, parser: parser, long: long)
        return try GraphQLSchema(query: query, mutation: mutation)
    }

    /// LogScale's `ParserTestCase` and the types below it: Sluice lists none, but humioctl selects them.
    static func parserTestCaseType() throws -> GraphQLObjectType {
        let fieldHasValue = try GraphQLObjectType(name: "FieldHasValue", fields: [
            "fieldName": GraphQLField(type: GraphQLNonNull(GraphQLString)),
            "expectedValue": GraphQLField(type: GraphQLNonNull(GraphQLString)),
        ])
        let assertions = try GraphQLObjectType(name: "ParserTestCaseAssertions", fields: [
            "fieldsHaveValues": GraphQLField(type: GraphQLNonNull(GraphQLList(GraphQLNonNull(fieldHasValue)))),
            "fieldsNotPresent": GraphQLField(type: GraphQLNonNull(GraphQLList(GraphQLNonNull(GraphQLString)))),
        ])
        let output = try GraphQLObjectType(name: "ParserTestCaseAssertionsForOutput", fields: [
            "outputEventIndex": GraphQLField(type: GraphQLNonNull(GraphQLInt)),
            "assertions": GraphQLField(type: GraphQLNonNull(assertions)),
        ])
        let event = try GraphQLObjectType(name: "ParserTestEvent", fields: [
            "rawString": GraphQLField(type: GraphQLNonNull(GraphQLString)),
        ])
        return try GraphQLObjectType(name: "ParserTestCase", fields: [
            "event": GraphQLField(type: GraphQLNonNull(event)),
            "outputAssertions": GraphQLField(type: GraphQLNonNull(GraphQLList(GraphQLNonNull(output)))),
        ])
    }

    // MARK: Resolver helpers

    static func operations(_ context: any Sendable) throws -> AdminOperations {
        try cast(context, AdminOperations.self)
    }

    /// An `IngestToken` field's source: a listed token with its last use, or a token a mutation returns.
    static func ingestTokenNode(_ source: any Sendable) throws -> IngestTokenNode {
        if let node = source as? IngestTokenNode { return node }
        return IngestTokenNode(token: try cast(source, IngestToken.self), lastUsedMillis: nil, nowMillis: AdminOperations.wallClockMillis())
    }

    static func cast<T>(_ value: any Sendable, _ type: T.Type) throws -> T {
        guard let typed = value as? T else { throw AdminError.malformedRequest("internal: expected \(T.self)") }
        return typed
    }

    /// A required string argument (validation has checked it is there), at `path` inside `args`.
    static func string(_ args: Map, _ path: IndexPathElement...) throws -> String {
        guard let text = args[IndexPath(path)].string else {
            throw AdminError.malformedRequest("argument \(path.map { "\($0)" }.joined(separator: ".")) missing")
        }
        return text
    }

    /// Limits from an input object's `eventsPerSecond`, `bytesPerSecond`, `burstSeconds` (absent or null: none)
    /// and its `dailyBytes`.
    static func limits(_ args: Map, _ input: String) -> (IngestLimits?, Int?) {
        let limits = IngestLimits(eventsPerSecond: args[IndexPath([input, "eventsPerSecond"])].double,
                                  bytesPerSecond: args[IndexPath([input, "bytesPerSecond"])].double,
                                  burstSeconds: args[IndexPath([input, "burstSeconds"])].double)
        let daily = args[IndexPath([input, "dailyBytes"])].double
        return (limits.isEmpty ? nil : limits, daily.map { $0.isFinite && abs($0) < 9e18 ? Int($0) : -1 })
    }

    /// An optional string argument: nil when absent or null.
    static func optionalString(_ args: Map, _ path: IndexPathElement...) -> String? {
        args[IndexPath(path)].string
    }
}

/// An ingest token as the schema shows it: with its last use (epoch milliseconds) and the time its status is for.
struct IngestTokenNode: Sendable {
    var token: IngestToken
    var lastUsedMillis: Int64?
    var nowMillis: Int64
}

/// A parser as the schema shows it; `definition` is nil for built-in parsers.
struct ParserNode: Sendable {
    let name: String
    let isBuiltIn: Bool
    var definition: CustomParserDefinition? = nil

    /// The custom parser's stages as JSON (what `createParser` takes as `sourceCode`); empty for built-ins.
    var sourceCode: String {
        guard let definition else { return "" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(definition.stages)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// The stages `sourceCode` holds: a JSON array of stages, or an object with a `stages` array.
    static func stages(sourceCode: String) throws(AdminError) -> [StageDefinition] {
        struct Wrapped: Decodable { let stages: [StageDefinition] }
        let data = Data(sourceCode.utf8)
        if let stages = try? JSONDecoder().decode([StageDefinition].self, from: data) { return stages }
        if let wrapped = try? JSONDecoder().decode(Wrapped.self, from: data) { return wrapped.stages }
        throw .token(.invalidArgument("sourceCode: expected a JSON array of parser stages (or {\"stages\": [...]}), as in the snapshot's \"parsers\""))
    }
}
