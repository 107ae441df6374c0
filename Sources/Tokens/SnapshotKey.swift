import Parsers

/// Where each part of a snapshot lives in a key-value bucket (docs/fleet.md, "Shared snapshot"): one key per
/// organization, repository, user, API token, ingest token, parser and forwarder, and `meta` for the version
/// and features. Adding or deleting one token touches one key, so a change costs one small write however
/// large the set is.
///
/// Key text: `meta`, `org.N`, `fwd.N`, `parser.N`, `repo.N`, `user.N`, `api.ID`, `token.REPO.NAME`, where each
/// name keeps `A-Z a-z 0-9 _ -` and writes every other byte as `=XX` (two upper-case hex digits), so any
/// name fits NATS's key alphabet and reads back exactly.
public enum SnapshotKey: Hashable, Sendable {
    case meta
    case organization(String)
    case forwarder(String)
    case parser(String)
    case repository(String)
    case user(String)
    case apiToken(String)
    case ingestToken(repository: String, name: String)

    /// Dependency order: a kind only refers to kinds ranked below it, so writing puts in ascending rank and
    /// deletions in descending rank keeps every prefix of a change valid.
    public var rank: Int {
        switch self {
        case .meta: 0
        case .organization: 1
        case .forwarder: 2
        case .parser: 3
        case .repository: 4
        case .user: 5
        case .apiToken: 6
        case .ingestToken: 7
        }
    }

    public var text: String {
        switch self {
        case .meta: "meta"
        case let .organization(name): "org." + Self.escape(name)
        case let .forwarder(name): "fwd." + Self.escape(name)
        case let .parser(name): "parser." + Self.escape(name)
        case let .repository(name): "repo." + Self.escape(name)
        case let .user(name): "user." + Self.escape(name)
        case let .apiToken(id): "api." + Self.escape(id)
        case let .ingestToken(repository, name): "token." + Self.escape(repository) + "." + Self.escape(name)
        }
    }

    public init?(text: String) {
        if text == "meta" { self = .meta; return }
        // Split on the bytes: the key alphabet is ASCII, and a first read parses a million keys.
        let parts = text.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).map { Substring($0) }
        guard parts.count >= 2 else { return nil }
        var names: [String] = []
        for part in parts.dropFirst() {
            guard let name = Self.unescape(part) else { return nil }
            names.append(name)
        }
        switch (parts[0], names.count) {
        case ("org", 1): self = .organization(names[0])
        case ("fwd", 1): self = .forwarder(names[0])
        case ("parser", 1): self = .parser(names[0])
        case ("repo", 1): self = .repository(names[0])
        case ("user", 1): self = .user(names[0])
        case ("api", 1): self = .apiToken(names[0])
        case ("token", 2): self = .ingestToken(repository: names[0], name: names[1])
        default: return nil
        }
    }

    private static let hex = Array("0123456789ABCDEF".utf8)

    static func escape(_ name: String) -> String {
        if name.isEmpty { return "=" }
        var out: [UInt8] = []
        out.reserveCapacity(name.utf8.count)
        for byte in name.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
                out.append(byte)
            default:
                out.append(UInt8(ascii: "="))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 15)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func unescape(_ part: Substring) -> String? {
        if part == "=" { return "" }
        guard !part.isEmpty else { return nil }
        if !part.utf8.contains(UInt8(ascii: "=")) { return String(part) }
        var out: [UInt8] = []
        var bytes = part.utf8.makeIterator()
        func digit(_ byte: UInt8?) -> UInt8? {
            guard let byte, let index = hex.firstIndex(of: byte) else { return nil }
            return UInt8(index)
        }
        while let byte = bytes.next() {
            if byte == UInt8(ascii: "=") {
                guard let high = digit(bytes.next()), let low = digit(bytes.next()) else { return nil }
                out.append(high << 4 | low)
            } else {
                out.append(byte)
            }
        }
        return String(validating: out, as: UTF8.self)
    }
}

/// One key's content: the part of the snapshot it holds.
public enum SnapshotElement: Sendable, Equatable {
    case meta(version: Int, features: [String])
    case organization(Organization)
    case forwarder(Forwarder)
    case parser(CustomParserDefinition)
    case repository(Repository)
    case user(User)
    case apiToken(APIToken)
    case ingestToken(IngestToken)

    public var key: SnapshotKey {
        switch self {
        case .meta: .meta
        case let .organization(value): .organization(value.name)
        case let .forwarder(value): .forwarder(value.name)
        case let .parser(value): .parser(value.name)
        case let .repository(value): .repository(value.name)
        case let .user(value): .user(value.name)
        case let .apiToken(value): .apiToken(value.id)
        case let .ingestToken(value): .ingestToken(repository: value.repository, name: value.name)
        }
    }

    /// The value stored under ``key``: a snapshot document (`SnapshotCodec`'s format) holding this part only.
    public func encoded() -> [UInt8] {
        var snapshot = Snapshot()
        switch self {
        case let .meta(version, features):
            snapshot.version = version
            snapshot.features = features
        case let .organization(value): snapshot.organizations = [value]
        case let .forwarder(value): snapshot.forwarders = [value]
        case let .parser(value): snapshot.parsers = [value]
        case let .repository(value): snapshot.repositories = [value]
        case let .user(value): snapshot.users = [value]
        case let .apiToken(value): snapshot.apiTokens = [value]
        case let .ingestToken(value): snapshot.ingestTokens = [value]
        }
        return SnapshotCodec.encode(snapshot)
    }

    /// Decodes the value of `key`; refuses a value that is not a snapshot document holding exactly the part
    /// the key names.
    public static func decode(_ bytes: ArraySlice<UInt8>, key: SnapshotKey, keyText: String, source: String) throws(TokenError) -> SnapshotElement {
        let snapshot = try SnapshotCodec.decode(Array(bytes), file: source + "/" + keyText)
        let element: SnapshotElement?
        let parts = snapshot.organizations.count + snapshot.forwarders.count + snapshot.parsers.count + snapshot.repositories.count
            + snapshot.users.count + snapshot.apiTokens.count + snapshot.ingestTokens.count
        switch key {
        case .meta: element = parts == 0 ? .meta(version: snapshot.version, features: snapshot.features) : nil
        case .organization: element = parts == 1 ? snapshot.organizations.first.map(SnapshotElement.organization) : nil
        case .forwarder: element = parts == 1 ? snapshot.forwarders.first.map(SnapshotElement.forwarder) : nil
        case .parser: element = parts == 1 ? snapshot.parsers.first.map(SnapshotElement.parser) : nil
        case .repository: element = parts == 1 ? snapshot.repositories.first.map(SnapshotElement.repository) : nil
        case .user: element = parts == 1 ? snapshot.users.first.map(SnapshotElement.user) : nil
        case .apiToken: element = parts == 1 ? snapshot.apiTokens.first.map(SnapshotElement.apiToken) : nil
        case .ingestToken: element = parts == 1 ? snapshot.ingestTokens.first.map(SnapshotElement.ingestToken) : nil
        }
        guard let element, element.key == key else {
            throw .invalidSnapshot(file: source, path: keyText, reason: "the value does not hold exactly the part its key names")
        }
        return element
    }
}

/// A bucket value: a part of the snapshot, or a deletion (empty), optionally tagged as one of `count` keys a
/// single change wrote (`#batch ID COUNT` and a newline before the part), so watchers apply them together.
public struct SnapshotValue: Sendable, Equatable {
    public var batch: (id: String, count: Int)?
    public var body: ArraySlice<UInt8>

    public static func == (lhs: SnapshotValue, rhs: SnapshotValue) -> Bool {
        lhs.batch?.id == rhs.batch?.id && lhs.batch?.count == rhs.batch?.count && lhs.body == rhs.body
    }

    public var isDeletion: Bool { body.isEmpty }

    public init(batch: (id: String, count: Int)?, body: ArraySlice<UInt8>) {
        self.batch = batch
        self.body = body
    }

    public init(parsing bytes: [UInt8]) {
        let prefix = Array("#batch ".utf8)
        guard bytes.starts(with: prefix), let newline = bytes.firstIndex(of: 10) else {
            self.init(batch: nil, body: bytes[...])
            return
        }
        let fields = bytes[prefix.count..<newline].split(separator: 32)
        if fields.count == 2, let count = Int(String(decoding: fields[1], as: UTF8.self)), count > 0 {
            self.init(batch: (String(decoding: fields[0], as: UTF8.self), count), body: bytes[(newline + 1)...])
        } else {
            self.init(batch: nil, body: bytes[...])
        }
    }

    public var bytes: [UInt8] {
        guard let batch else { return Array(body) }
        return Array("#batch \(batch.id) \(batch.count)\n".utf8) + body
    }
}

extension Snapshot {
    /// Every part of the snapshot, in dependency order (``SnapshotKey/rank``).
    public var elements: [SnapshotElement] {
        var out: [SnapshotElement] = [.meta(version: version, features: features)]
        out.reserveCapacity(1 + organizations.count + forwarders.count + parsers.count + repositories.count + users.count
            + apiTokens.count + ingestTokens.count)
        out += organizations.map { .organization($0) }
        out += forwarders.map { .forwarder($0) }
        out += parsers.map { .parser($0) }
        out += repositories.map { .repository($0) }
        out += users.map { .user($0) }
        out += apiTokens.map { .apiToken($0) }
        out += ingestTokens.map { .ingestToken($0) }
        return out
    }

    /// Sets the part `key` names to `element`, or removes it when `element` is nil.
    public mutating func set(_ key: SnapshotKey, to element: SnapshotElement?) {
        func replace<E>(_ list: inout [E], _ value: E?, matching: (E) -> Bool) {
            if let index = list.firstIndex(where: matching) {
                if let value { list[index] = value } else { list.remove(at: index) }
            } else if let value {
                list.append(value)
            }
        }
        switch (key, element) {
        case let (.meta, .meta(version, features)?):
            self.version = version
            self.features = features
        case (.meta, _):
            features = []
        case let (.organization(name), element):
            guard case let .organization(value)? = element else { return replace(&organizations, nil) { $0.name == name } }
            replace(&organizations, value) { $0.name == name }
        case let (.forwarder(name), element):
            guard case let .forwarder(value)? = element else { return replace(&forwarders, nil) { $0.name == name } }
            replace(&forwarders, value) { $0.name == name }
        case let (.parser(name), element):
            guard case let .parser(value)? = element else { return replace(&parsers, nil) { $0.name == name } }
            replace(&parsers, value) { $0.name == name }
        case let (.repository(name), element):
            guard case let .repository(value)? = element else { return replace(&repositories, nil) { $0.name == name } }
            replace(&repositories, value) { $0.name == name }
        case let (.user(name), element):
            guard case let .user(value)? = element else { return replace(&users, nil) { $0.name == name } }
            replace(&users, value) { $0.name == name }
        case let (.apiToken(id), element):
            guard case let .apiToken(value)? = element else { return replace(&apiTokens, nil) { $0.id == id } }
            replace(&apiTokens, value) { $0.id == id }
        case let (.ingestToken(repository, name), element):
            guard case let .ingestToken(value)? = element else {
                return replace(&ingestTokens, nil) { $0.name == name && $0.repository == repository }
            }
            replace(&ingestTokens, value) { $0.name == name && $0.repository == repository }
        }
    }

    /// Sets each part `changes` name, in order (nil removes it): a few one by one, many through a position
    /// table per list touched, so reading a whole bucket costs one pass rather than a search per key.
    /// `uniqueKeys`: no key appears twice in `changes`, so a list that is empty takes its parts as they come.
    public mutating func apply(_ changes: [(key: SnapshotKey, element: SnapshotElement?)], uniqueKeys: Bool = false) {
        guard changes.count > 16 else {
            for change in changes { set(change.key, to: change.element) }
            return
        }
        var byRank = [Int: [(key: SnapshotKey, element: SnapshotElement?)]]()
        for change in changes { byRank[change.key.rank, default: []].append(change) }
        func merge<E>(_ list: inout [E], _ rank: Int, _ key: (E) -> SnapshotKey, _ unwrap: (SnapshotElement) -> E?) {
            guard let items = byRank[rank] else { return }
            if uniqueKeys && list.isEmpty {
                list.reserveCapacity(items.count)
                for item in items { if let element = item.element, let value = unwrap(element) { list.append(value) } }
                return
            }
            var position = [SnapshotKey: Int](minimumCapacity: list.count + items.count)
            for (i, element) in list.enumerated() { position[key(element)] = i }
            var removed = Set<Int>()
            for item in items {
                if let element = item.element, let value = unwrap(element) {
                    if let i = position[item.key] {
                        list[i] = value
                        removed.remove(i)
                    } else {
                        position[item.key] = list.count
                        list.append(value)
                    }
                } else if let i = position[item.key] {
                    removed.insert(i)
                }
            }
            if !removed.isEmpty { list = list.enumerated().filter { !removed.contains($0.offset) }.map(\.element) }
        }
        for change in byRank[0] ?? [] { set(change.key, to: change.element) }
        merge(&organizations, 1, { .organization($0.name) }) { if case let .organization(v) = $0 { v } else { nil } }
        merge(&forwarders, 2, { .forwarder($0.name) }) { if case let .forwarder(v) = $0 { v } else { nil } }
        merge(&parsers, 3, { .parser($0.name) }) { if case let .parser(v) = $0 { v } else { nil } }
        merge(&repositories, 4, { .repository($0.name) }) { if case let .repository(v) = $0 { v } else { nil } }
        merge(&users, 5, { .user($0.name) }) { if case let .user(v) = $0 { v } else { nil } }
        merge(&apiTokens, 6, { .apiToken($0.id) }) { if case let .apiToken(v) = $0 { v } else { nil } }
        merge(&ingestTokens, 7, { .ingestToken(repository: $0.repository, name: $0.name) }) { if case let .ingestToken(v) = $0 { v } else { nil } }
    }

    /// The key writes that turn `self` into `new`: puts in dependency order, then deletions (nil) in reverse
    /// dependency order. Lists are compared past their common beginning and end first, so one token added to
    /// or removed from a large set costs one pass of comparisons.
    public func changes(to new: Snapshot) -> [(key: SnapshotKey, element: SnapshotElement?)] {
        var puts: [(SnapshotKey, SnapshotElement?)] = []
        var deletes: [(SnapshotKey, SnapshotElement?)] = []
        func diff<E: Equatable>(_ old: [E], _ new: [E], _ wrap: (E) -> SnapshotElement) {
            var start = 0
            while start < old.count, start < new.count, old[start] == new[start] { start += 1 }
            var oldEnd = old.count, newEnd = new.count
            while oldEnd > start, newEnd > start, old[oldEnd - 1] == new[newEnd - 1] {
                oldEnd -= 1
                newEnd -= 1
            }
            var remaining = [SnapshotKey: E]()
            for element in old[start..<oldEnd] { remaining[wrap(element).key] = element }
            for element in new[start..<newEnd] {
                let wrapped = wrap(element)
                if remaining.removeValue(forKey: wrapped.key) != element { puts.append((wrapped.key, wrapped)) }
            }
            for element in old[start..<oldEnd] where remaining[wrap(element).key] != nil {
                deletes.append((wrap(element).key, nil))
            }
        }
        if version != new.version || features != new.features {
            puts.append((.meta, .meta(version: new.version, features: new.features)))
        }
        diff(organizations, new.organizations) { .organization($0) }
        diff(forwarders, new.forwarders) { .forwarder($0) }
        diff(parsers, new.parsers) { .parser($0) }
        diff(repositories, new.repositories) { .repository($0) }
        diff(users, new.users) { .user($0) }
        diff(apiTokens, new.apiTokens) { .apiToken($0) }
        diff(ingestTokens, new.ingestTokens) { .ingestToken($0) }
        return puts.map { (key: $0.0, element: $0.1) } + deletes.reversed().map { (key: $0.0, element: $0.1) }
    }
}
