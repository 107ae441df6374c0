import JSONStream

/// One admin mutation, as the `humio-audit` repository records it: who (a user or an API token's
/// name, never a token value), which operation, which repository and token name, and whether it
/// succeeded or was refused and why.
public struct AuditEvent: Sendable, Equatable {
    public enum Result: String, Sendable {
        case success, refused
    }

    public var actor: String
    public var actorKind: String
    public var operation: String
    public var repository: String?
    public var tokenName: String?
    public var result: Result
    public var error: String?
    /// What the caller said about the change (`deleteSearchDomain`'s `deleteMessage`).
    public var message: String?

    public init(actor: String, actorKind: String, operation: String, repository: String?, tokenName: String?,
                result: Result, error: String?) {
        self.actor = actor
        self.actorKind = actorKind
        self.operation = operation
        self.repository = repository
        self.tokenName = tokenName
        self.result = result
        self.error = error
    }

    /// The event's fields in a fixed order, absent values left out.
    public var fields: [(name: String, value: String)] {
        var fields: [(String, String)] = [("actor", actor), ("actorKind", actorKind), ("operation", operation)]
        if let repository { fields.append(("repository", repository)) }
        if let tokenName { fields.append(("tokenName", tokenName)) }
        fields.append(("result", result.rawValue))
        if let error { fields.append(("error", error)) }
        if let message { fields.append(("message", message)) }
        return fields
    }

    /// The raw string: the fields as one JSON object.
    public var jsonLine: String {
        var out = "{"
        for (index, field) in fields.enumerated() {
            if index > 0 { out += "," }
            out += JSONText.quoted(field.name) + ":" + JSONText.quoted(field.value)
        }
        return out + "}"
    }
}

/// Where audit events go. `record` returns once the event is stored (or its failure logged), so the
/// answer to a mutation is sent after its audit event.
public protocol AuditSink: Sendable {
    func record(_ event: AuditEvent) async
}

enum JSONText {
    /// `text` as a JSON string literal (``JSONStringWriter``).
    static func quoted(_ text: String) -> String {
        var out: [UInt8] = []
        JSONStringWriter.append(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
