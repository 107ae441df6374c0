import Foundation
import Parsers

extension SnapshotCodec {
    /// The snapshot as JSON: fields in a fixed order, one list entry per line, optional fields left out
    /// when absent, ending in a newline.
    static func encode(_ snapshot: Snapshot) -> [UInt8] {
        var out = JSONWriter()
        out.raw("{\n  \"version\": \(snapshot.version)")
        out.list("organizations", snapshot.organizations) { out, organization in
            out.field("name", organization.name, first: true)
        }
        out.list("repositories", snapshot.repositories) { out, repository in
            out.field("name", repository.name, first: true)
            out.field("organization", repository.organization)
            out.field("kind", repository.kind.rawValue)
            out.field("id", repository.id)
            out.field("description", repository.description)
            for setting in Repository.RetentionSetting.allCases { out.field(setting.rawValue, number: repository[retention: setting]) }
            if !repository.forwardTo.isEmpty {
                out.raw(", \"forwardTo\": ")
                out.strings(repository.forwardTo)
            }
            out.limits(repository.limits, dailyBytes: repository.dailyBytes)
            if let blocked = repository.ingestBlocked { out.raw(", \"ingestBlocked\": \(blocked)") }
            out.field("ingestBlockedMessage", repository.ingestBlockedMessage)
        }
        out.list("users", snapshot.users) { out, user in
            out.field("name", user.name, first: true)
            out.raw(", \"root\": \(user.root)")
            if !user.permissions.isEmpty {
                out.raw(", \"permissions\": {")
                for (i, repository) in user.permissions.keys.sorted().enumerated() {
                    if i > 0 { out.raw(", ") }
                    out.string(repository)
                    out.raw(": ")
                    out.strings(user.permissions[repository] ?? [])
                }
                out.raw("}")
            }
        }
        out.list("apiTokens", snapshot.apiTokens) { out, token in
            out.field("id", token.id, first: true)
            out.field("name", token.name)
            out.field("kind", token.kind.rawValue)
            out.field("user", token.user)
            out.field("organization", token.organization)
            out.raw(", \"permissions\": ")
            out.strings(token.permissions)
            out.field("token", token.token)
            out.field("tokenSha256", token.tokenSha256)
        }
        out.list("ingestTokens", snapshot.ingestTokens) { out, token in
            out.field("name", token.name, first: true)
            out.field("repository", token.repository)
            out.field("parser", token.parser)
            out.field("token", token.token)
            out.field("tokenSha256", token.tokenSha256)
            if let custom = token.custom { out.raw(", \"custom\": \(custom)") }
            out.limits(token.limits, dailyBytes: token.dailyBytes)
            out.field("createdAt", token.createdAt.map(RFC3339.format(millis:)))
            out.field("expiresAt", token.expiresAt.map(RFC3339.format(millis:)))
            out.field("previousTokenSha256", token.previousTokenSha256)
            out.field("previousExpiresAt", token.previousExpiresAt.map(RFC3339.format(millis:)))
            if let acks = token.hecAcknowledgements { out.raw(", \"hecAcknowledgements\": \(acks)") }
        }
        out.raw(",\n  \"parsers\": [")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for (i, parser) in snapshot.parsers.enumerated() {
            out.raw(i == 0 ? "\n    " : ",\n    ")
            // Plain strings, booleans and arrays: encoding cannot fail.
            out.bytes.append(contentsOf: try! encoder.encode(parser))
        }
        out.raw(snapshot.parsers.isEmpty ? "]" : "\n  ]")
        out.raw(",\n  \"features\": ")
        out.strings(snapshot.features)
        if !snapshot.forwarders.isEmpty {
            out.list("forwarders", snapshot.forwarders) { out, target in
                out.field("name", target.name, first: true)
                out.field("kind", target.kind.rawValue)
                out.field("format", target.format.rawValue)
                out.field("compression", target.compression)
                if !target.servers.isEmpty {
                    out.raw(", \"servers\": ")
                    out.strings(target.servers)
                }
                out.field("stream", target.stream)
                out.field("subjectPrefix", target.subjectPrefix)
                out.field("user", target.user)
                out.field("password", target.password)
                out.field("token", target.token)
                out.field("credsFile", target.credsFile)
                out.field("tlsCA", target.tlsCA)
                out.field("url", target.url)
                out.field("upstreamToken", target.upstreamToken)
                if !target.upstreamTokens.isEmpty {
                    out.raw(", \"upstreamTokens\": {")
                    for (i, repository) in target.upstreamTokens.keys.sorted().enumerated() {
                        if i > 0 { out.raw(", ") }
                        out.string(repository)
                        out.raw(": ")
                        out.string(target.upstreamTokens[repository] ?? "")
                    }
                    out.raw("}")
                }
                if let verify = target.tlsVerify { out.raw(", \"tlsVerify\": \(verify)") }
            }
        }
        out.raw("\n}\n")
        return out.bytes
    }
}

extension JSONWriter {
    /// `, "limits": {…}` and `, "dailyBytes": n`, each only when set; whole numbers without a fraction.
    mutating func limits(_ limits: IngestLimits?, dailyBytes: Int?) {
        if let limits {
            raw(", \"limits\": {")
            var first = true
            for (key, value) in [("eventsPerSecond", limits.eventsPerSecond), ("bytesPerSecond", limits.bytesPerSecond),
                                 ("burstSeconds", limits.burstSeconds)] {
                guard let value else { continue }
                if !first { raw(", ") }
                first = false
                string(key)
                raw(": ")
                raw(IngestLimits.text(value))
            }
            raw("}")
        }
        if let dailyBytes { raw(", \"dailyBytes\": \(dailyBytes)") }
    }
}

extension IngestLimits {
    /// A rate as JSON and command-line text: whole numbers without a fraction (`1000`, not `1000.0`).
    public static func text(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }
}
