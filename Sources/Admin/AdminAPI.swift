import Foundation
import GraphQL
import Logging
import Tokens

/// An answer of the admin API: HTTP status and JSON body (the GraphQL envelope
/// `{"data": ..., "errors": [{"message", "locations", "path"}]}`).
public struct AdminResponse: Sendable, Equatable {
    public var status: Int
    public var body: [UInt8]

    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }
}

/// The admin API (`POST /graphql`) without HTTP: a JSON body and the authenticated principal in, an
/// `AdminResponse` out. Guarantees:
/// - no or an unknown credential → 401, an ingest token → 403, before the body is looked at;
/// - a body over `limits.maxBodyBytes` → 413; a body that is not `{"query", "variables", "operationName"}`
///   JSON, a query nested too deeply to parse safely, a syntax error, a document over the depth, alias or
///   size limits, or one that fails validation → 400 with `errors`, and nothing executed;
/// - a missing or wrongly typed variable, or an unknown `operationName` → 400 with `errors`, nothing executed;
/// - otherwise 200 with the `data` key (`null` when an error reached the root) and, for refused fields
///   (permissions, failed edits), `errors` entries carrying the field's `path` and `locations`;
/// - every mutation, applied or refused, is recorded through the `AuditSink` before the answer, and an
///   applied one serves (is in the reloaded token set) before the answer.
/// Execution is `async` because the GraphQL executor is; run it on a dedicated executor
/// (`AdminWorkerPool`) so the blocking snapshot writes never occupy an event loop or the shared pool.
public final class AdminAPI: Sendable {
    public let tokens: TokenStore
    public let limits: AdminLimits
    public let storage: RepositoryStorage
    private let audit: any AuditSink
    private let schema: GraphQLSchema
    private let logger: Logger

    public init(tokens: TokenStore, audit: any AuditSink, limits: AdminLimits = AdminLimits(),
                storage: RepositoryStorage = RepositoryStorage(), logger: Logger) {
        self.tokens = tokens
        self.audit = audit
        self.limits = limits
        self.storage = storage
        self.logger = logger
        do {
            schema = try AdminSchema.make()
        } catch {
            // The schema is a constant of this module: failing to build it is a programming error.
            preconditionFailure("admin GraphQL schema does not build: \(error)")
        }
        let problems = validateSchema(schema: schema)
        precondition(problems.isEmpty, "admin GraphQL schema is invalid: \(problems)")
    }

    /// Executes one GraphQL request. `credential` is the SHA-256 of the token as sent; it identifies an
    /// organization or system API token's entry (and so its permission list) exactly.
    public func execute(body: [UInt8], principal: Principal?, credential: TokenDigest? = nil) async -> AdminResponse {
        if let refusal = refusal(principal: principal, bodyBytes: body.count) { return refusal }
        guard let principal, let caller = AdminCaller(principal: principal, credential: credential, snapshot: tokens.serving.catalog) else {
            return Self.errors(status: 403, [GraphQLError(message: Self.ingestTokenRefusal)])
        }
        let request: GraphQLRequest
        do {
            request = try JSONDecoder().decode(GraphQLRequest.self, from: Data(body))
        } catch {
            return Self.errors(status: 400, [GraphQLError(message: AdminError.malformedRequest("expected a JSON object with a \"query\" string").description)])
        }
        if let problem = limits.nestingProblem(in: request.query) {
            return Self.errors(status: 400, [GraphQLError(message: AdminError.tooComplex(problem).description)])
        }
        let document: Document
        do {
            document = try parse(source: Source(body: request.query, name: "GraphQL request"))
        } catch let error as GraphQLError {
            return Self.errors(status: 400, [error])
        } catch {
            return Self.errors(status: 400, [GraphQLError(message: "\(error)")])
        }
        if let problem = limits.problem(in: document) {
            return Self.errors(status: 400, [GraphQLError(message: AdminError.tooComplex(problem).description)])
        }
        let invalid = validate(schema: schema, ast: document)
        guard invalid.isEmpty else { return Self.errors(status: 400, invalid) }

        let operations = AdminOperations(tokens: tokens, audit: audit, caller: caller, storage: storage)
        let result: GraphQLResult
        do {
            result = try await GraphQL.execute(schema: schema, documentAST: document, rootValue: (), context: operations,
                                               variableValues: request.variables, operationName: request.operationName)
        } catch let error as GraphQLError {
            return Self.errors(status: 400, [error])
        } catch {
            logger.error("admin request failed", metadata: ["actor": "\(caller.actor)", "error": "\(error)"])
            return Self.errors(status: 500, [GraphQLError(message: "internal error")])
        }
        logger.debug("admin request", metadata: ["actor": "\(caller.actor)", "errors": "\(result.errors.count)"])
        return Self.answer(executed: result)
    }

    /// The answer for a request refused before its body is read: 401 (no or unknown credential), 403
    /// (ingest token) or 413 (body over the limit); nil when it may go on. Pure and cheap, so an event loop
    /// can call it and answer at once instead of handing the request to the worker pool.
    public func refusal(principal: Principal?, bodyBytes: Int) -> AdminResponse? {
        switch decideAdmin(principal: principal) {
        case .allow: break
        case .reject(.unknownCredential): return Self.errors(status: 401, [GraphQLError(message: "unknown or missing token")])
        case .reject(.ingestToken): return Self.errors(status: 403, [GraphQLError(message: Self.ingestTokenRefusal)])
        }
        guard bodyBytes <= limits.maxBodyBytes else {
            return Self.errors(status: 413, [GraphQLError(message: AdminError.bodyTooLarge(limit: limits.maxBodyBytes).description)])
        }
        return nil
    }

    /// The answer for an executed request. The executor reports a request it could not start (a missing or
    /// wrongly typed variable, an unknown operation name) as a result without `data` whose errors carry no
    /// `path`: that is a request error, 400 without `data`. Otherwise execution ran, and the answer is 200
    /// with the `data` key present, `null` when a field error reached the root.
    static func answer(executed result: GraphQLResult) -> AdminResponse {
        if result.data == nil, !result.errors.isEmpty, result.errors.allSatisfy({ $0.path.elements.isEmpty }) {
            return encode(status: 400, result)
        }
        var result = result
        if result.data == nil { result.data = .null }
        return encode(status: 200, result)
    }

    static let ingestTokenRefusal = "ingest tokens cannot use the admin API"

    static func errors(status: Int, _ errors: [GraphQLError]) -> AdminResponse {
        encode(status: status, GraphQLResult(errors: errors))
    }

    static func encode(status: Int, _ result: GraphQLResult) -> AdminResponse {
        do {
            return AdminResponse(status: status, body: [UInt8](try GraphQLJSONEncoder().encode(result)))
        } catch {
            return AdminResponse(status: 500, body: Array("{\"errors\":[{\"message\":\"could not encode the answer\"}]}".utf8))
        }
    }
}
