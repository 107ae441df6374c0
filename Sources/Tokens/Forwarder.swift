/// A forwarding target: where repositories listing it in `forwardTo` send their WAL records on
/// (docs/forwarding.md). Secrets (`password`, `token`, `upstreamToken`, `upstreamTokens`) live only in the
/// 0600 snapshot and are masked in every listing.
public struct Forwarder: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case jetstream, http
    }

    /// What one message carries: the events as `sluice wal cat` prints them, or the record's stored bytes.
    public enum Format: String, Codable, Sendable, CaseIterable {
        case ndjson, wal
    }

    public static let defaultSubjectPrefix = "sluice."

    public var name: String
    public var kind: Kind
    public var format: Format
    /// `gzip` or `zstd` compresses each message body (named in its `Content-Encoding` header); nil sends it as is.
    public var compression: String?

    // JetStream
    /// `nats://host:port` URLs.
    public var servers: [String]
    public var stream: String?
    /// Subject of a repository's messages: prefix + repository (default `sluice.`).
    public var subjectPrefix: String?
    public var user: String?
    public var password: String?
    public var token: String?
    /// A NATS `.creds` file (JWT and NKey seed).
    public var credsFile: String?
    /// PEM CA bundle; set, the connection uses TLS.
    public var tlsCA: String?

    // HTTP upstream
    public var url: String?
    /// The upstream ingest token for every repository, unless `upstreamTokens` names one for it.
    public var upstreamToken: String?
    public var upstreamTokens: [String: String]
    /// False accepts any certificate (tests only); default true.
    public var tlsVerify: Bool?

    public init(name: String, kind: Kind, format: Format = .ndjson, compression: String? = nil, servers: [String] = [],
                stream: String? = nil, subjectPrefix: String? = nil, user: String? = nil, password: String? = nil,
                token: String? = nil, credsFile: String? = nil, tlsCA: String? = nil, url: String? = nil,
                upstreamToken: String? = nil, upstreamTokens: [String: String] = [:], tlsVerify: Bool? = nil) {
        self.name = name
        self.kind = kind
        self.format = format
        self.compression = compression
        self.servers = servers
        self.stream = stream
        self.subjectPrefix = subjectPrefix
        self.user = user
        self.password = password
        self.token = token
        self.credsFile = credsFile
        self.tlsCA = tlsCA
        self.url = url
        self.upstreamToken = upstreamToken
        self.upstreamTokens = upstreamTokens
        self.tlsVerify = tlsVerify
    }

    enum CodingKeys: String, CodingKey {
        case name, kind, format, compression, servers, stream, subjectPrefix, user, password, token, credsFile, tlsCA
        case url, upstreamToken, upstreamTokens, tlsVerify
    }

    /// `format` defaults to ndjson; lists and maps may be left out.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(name: try c.decode(String.self, forKey: .name), kind: try c.decode(Kind.self, forKey: .kind),
                  format: try c.decodeIfPresent(Format.self, forKey: .format) ?? .ndjson,
                  compression: try c.decodeIfPresent(String.self, forKey: .compression),
                  servers: try c.decodeIfPresent([String].self, forKey: .servers) ?? [],
                  stream: try c.decodeIfPresent(String.self, forKey: .stream),
                  subjectPrefix: try c.decodeIfPresent(String.self, forKey: .subjectPrefix),
                  user: try c.decodeIfPresent(String.self, forKey: .user),
                  password: try c.decodeIfPresent(String.self, forKey: .password),
                  token: try c.decodeIfPresent(String.self, forKey: .token),
                  credsFile: try c.decodeIfPresent(String.self, forKey: .credsFile),
                  tlsCA: try c.decodeIfPresent(String.self, forKey: .tlsCA),
                  url: try c.decodeIfPresent(String.self, forKey: .url),
                  upstreamToken: try c.decodeIfPresent(String.self, forKey: .upstreamToken),
                  upstreamTokens: try c.decodeIfPresent([String: String].self, forKey: .upstreamTokens) ?? [:],
                  tlsVerify: try c.decodeIfPresent(Bool.self, forKey: .tlsVerify))
    }

    /// The subject prefix in effect.
    public var effectiveSubjectPrefix: String { subjectPrefix ?? Self.defaultSubjectPrefix }

    /// Why this target cannot work as written; nil when it can.
    func problem() -> (field: String, reason: String)? {
        if let problem = Snapshot.nameProblem(name) { return ("name", problem) }
        if name.contains("/") || name == "." || name == ".." { return ("name", "a target name cannot be '.', '..' or contain '/'") }
        if let compression, compression != "gzip", compression != "zstd" { return ("compression", "unknown compression '\(compression)': use gzip or zstd") }
        switch kind {
        case .jetstream:
            if servers.isEmpty { return ("servers", "a jetstream target needs at least one server") }
            for server in servers where !(server.hasPrefix("nats://") || server.hasPrefix("tls://")) {
                return ("servers", "'\(server)' is not a nats:// or tls:// URL")
            }
            guard let stream, !stream.isEmpty else { return ("stream", "a jetstream target needs a stream") }
            if stream.contains(where: { " .*>\t\r\n".contains($0) }) { return ("stream", "a stream name cannot contain spaces, '.', '*' or '>'") }
            if let subjectPrefix, subjectPrefix.contains(where: { " *>\t\r\n".contains($0) }) {
                return ("subjectPrefix", "a subject prefix cannot contain spaces, '*' or '>'")
            }
            if (user == nil) != (password == nil) { return ("user", "user and password go together") }
            if [user != nil, token != nil, credsFile != nil].filter({ $0 }).count > 1 {
                return ("token", "choose one of user/password, token or credsFile")
            }
            if url != nil || upstreamToken != nil || !upstreamTokens.isEmpty { return ("url", "url and upstream tokens belong to http targets") }
        case .http:
            // LogScale's ingest API reads gzip bodies; zstd is for JetStream consumers.
            if let compression, compression != "gzip" { return ("compression", "an http target compresses with gzip only") }
            guard let url, url.hasPrefix("http://") || url.hasPrefix("https://") else {
                return ("url", "an http target needs an http:// or https:// url")
            }
            if upstreamToken == nil && upstreamTokens.isEmpty { return ("upstreamToken", "an http target needs an upstream ingest token") }
            if !servers.isEmpty || stream != nil { return ("servers", "servers and stream belong to jetstream targets") }
        }
        return nil
    }
}

/// One target as `sluice forwarders list` shows it: secrets masked unless asked for.
public struct ForwarderRow: Codable, Sendable, Equatable {
    public var name: String
    public var kind: Forwarder.Kind
    public var format: Forwarder.Format
    /// Servers (jetstream) or url (http).
    public var destination: String
    /// Stream (jetstream) or empty.
    public var stream: String
    /// How it authenticates, secrets masked.
    public var auth: String
    /// The repositories forwarding to it.
    public var repositories: [String]
}

extension Snapshot {
    public func forwarder(named name: String) -> Forwarder? {
        forwarders.first { $0.name == name }
    }

    public func forwarderRows(showSecrets: Bool) -> [ForwarderRow] {
        forwarders.map { target in
            var auth = "none"
            if let user = target.user { auth = "user \(user), password " + Self.display(token: target.password, sha256: nil, showSecrets: showSecrets) }
            if let token = target.token { auth = "token " + Self.display(token: token, sha256: nil, showSecrets: showSecrets) }
            if let creds = target.credsFile { auth = "creds \(creds)" }
            if let token = target.upstreamToken { auth = "upstream token " + Self.display(token: token, sha256: nil, showSecrets: showSecrets) }
            if !target.upstreamTokens.isEmpty {
                auth += (auth == "none" ? "" : "; ") + "\(target.upstreamTokens.count) per-repository tokens"
            }
            return ForwarderRow(name: target.name, kind: target.kind, format: target.format,
                                destination: target.kind == .jetstream ? target.servers.joined(separator: ",") : (target.url ?? ""),
                                stream: target.stream ?? "", auth: auth,
                                repositories: repositories.filter { $0.forwardTo.contains(target.name) }.map(\.name))
        }
    }

    /// Adds a target (refused when the name is taken); the caller's edit validates the whole snapshot.
    public mutating func addForwarder(_ target: Forwarder) throws(TokenError) {
        guard forwarder(named: target.name) == nil else { throw .conflict("forwarder '\(target.name)' already exists") }
        forwarders.append(target)
    }

    /// Removes a target and every repository's reference to it.
    public mutating func removeForwarder(named name: String) throws(TokenError) {
        guard forwarder(named: name) != nil else { throw .notFound("forwarder '\(name)' does not exist") }
        forwarders.removeAll { $0.name == name }
        for index in repositories.indices { repositories[index].forwardTo.removeAll { $0 == name } }
    }

    /// Sets the targets `repository` forwards to.
    public mutating func setForwardTo(repository: String, targets: [String]) throws(TokenError) {
        guard let index = repositories.firstIndex(where: { $0.name == repository }) else {
            throw .notFound("repository '\(repository)' does not exist")
        }
        repositories[index].forwardTo = targets
    }
}
