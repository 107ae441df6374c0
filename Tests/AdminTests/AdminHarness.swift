import Admin
import Foundation
import Logging
import Synchronization
import Tokens

/// Collects audit events in memory.
final class RecordingAuditSink: AuditSink {
    let events = Mutex<[AuditEvent]>([])
    func record(_ event: AuditEvent) async { events.withLock { $0.append(event) } }
    var recorded: [AuditEvent] { events.withLock { $0 } }
}

/// Every kind of caller the permission matrix covers.
enum Caller: String, CaseIterable, Sendable, CustomStringConvertible {
    case root, manager, plainUser, orgManager, orgPlain, systemManager, ingest, none, garbage
    var description: String { rawValue }
}

/// An admin API over a bootstrapped data folder in a temporary directory, with one credential per
/// `Caller`: root `admin`, user `alice` holding `ChangeIngestTokens` on `web`, user `bob` holding none,
/// organization tokens with and without `ChangeIngestTokens`, a system token with it, and `web`'s
/// ingest token.
final class AdminHarness: @unchecked Sendable {
    let path: String
    let store: TokenStore
    let audit = RecordingAuditSink()
    let api: AdminAPI
    private(set) var credentials: [Caller: String] = [:]

    init(limits: AdminLimits = AdminLimits()) throws {
        var template = Array((NSTemporaryDirectory() + "/sluice-admin-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = String(cString: template.withUnsafeBufferPointer { $0.baseAddress! })
        let boot = try TokenStore.bootstrap(dataDirectory: path)!
        store = try TokenStore(dataDirectory: path, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        api = AdminAPI(tokens: store, audit: audit, limits: limits, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        credentials[.root] = boot.apiToken
        credentials[.none] = nil
        credentials[.garbage] = "nosuch~" + String(repeating: "x", count: 43)
        try store.edit { (snapshot: inout Snapshot) throws(TokenError) in
            let web = try snapshot.addRepository(name: "web")
            credentials[.ingest] = web
            try snapshot.addRepository(name: "other")
            try snapshot.addUser(name: "alice")
            try snapshot.addUser(name: "bob")
            let alice = snapshot.users.firstIndex { $0.name == "alice" }!
            snapshot.users[alice].permissions = ["web": [Snapshot.Permission.changeIngestTokens]]
            credentials[.manager] = try snapshot.addAPIToken(kind: .personal, name: "alice-token", user: "alice")
            credentials[.plainUser] = try snapshot.addAPIToken(kind: .personal, name: "bob-token", user: "bob")
            credentials[.orgManager] = try snapshot.addAPIToken(kind: .organization, name: "ops", organization: "default",
                                                                permissions: [Snapshot.Permission.changeIngestTokens])
            credentials[.orgPlain] = try snapshot.addAPIToken(kind: .organization, name: "shipper", organization: "default",
                                                              permissions: [Snapshot.Permission.ingestWithinOrganization])
            credentials[.systemManager] = try snapshot.addAPIToken(kind: .system, name: "cluster",
                                                                   permissions: [Snapshot.Permission.changeIngestTokens])
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// The principal the gateway would find for `token`.
    func principal(_ token: String?) -> Principal? {
        guard var token else { return nil }
        return token.withUTF8 { store.lookup(UnsafeRawBufferPointer($0)) }
    }

    /// Posts `{"query", "variables", "operationName"}` as `caller`.
    func run(_ query: String, variables: [String: Any] = [:], operationName: String? = nil, as caller: Caller = .root) async throws -> Answer {
        var request: [String: Any] = ["query": query, "variables": variables]
        if let operationName { request["operationName"] = operationName }
        return try await post(Array(JSONSerialization.data(withJSONObject: request)), as: caller)
    }

    func post(_ body: [UInt8], as caller: Caller = .root) async throws -> Answer {
        let token = credentials[caller]
        let response = await api.execute(body: body, principal: principal(token), credential: token.map { TokenDigest(hashing: $0) })
        return try Answer(response)
    }

    func tokenValue(repository: String, name: String) -> String? {
        store.snapshot.ingestTokens.first { $0.repository == repository && $0.name == name }?.token
    }
}

/// A decoded answer.
struct Answer {
    let status: Int
    let object: [String: Any]
    let text: String

    init(_ response: AdminResponse) throws {
        status = response.status
        text = String(decoding: response.body, as: UTF8.self)
        object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] ?? [:]
    }

    var data: [String: Any]? { object["data"] as? [String: Any] }
    var errors: [[String: Any]] { object["errors"] as? [[String: Any]] ?? [] }
    var messages: [String] { errors.compactMap { $0["message"] as? String } }

    /// The value at a path of keys below `data`.
    func value(_ path: String...) -> Any? {
        var current: Any? = data
        for key in path { current = (current as? [String: Any])?[key] }
        return current
    }
}
