import IngestFormats

/// Elasticsearch's `filter_path` query parameter for bulk answers: comma-separated dotted paths, each
/// segment a name, a glob with `*`, or `**` (any number of segments); a leading `-` excludes instead.
/// A member is written when some include pattern matches it or one of its parents (no includes: every
/// member) and no exclude pattern does; objects and arrays left empty are dropped, as Elasticsearch does.
///
/// The answer's members are fixed (`took`, `errors`, and per item under its action `status`, `result`,
/// `error.type`, `error.reason`), so the filter is decided once per member and action, never per item.
struct BulkAnswerFilter: Sendable, Equatable {
    var includes: [[String]] = []
    var excludes: [[String]] = []

    /// The filter a query string asks for, or nil when it has no `filter_path` (or only empty ones).
    init?(query: UnsafeRawBufferPointer) {
        for parameter in query.split(separator: UInt8(ascii: "&")) {
            guard let equals = parameter.firstIndex(of: UInt8(ascii: "=")),
                  Self.percentDecoded(parameter[parameter.startIndex..<equals]) == Array("filter_path".utf8) else { continue }
            let value = Self.percentDecoded(parameter[(equals + 1)...])
            for path in value.split(separator: UInt8(ascii: ",")) {
                var text = String(decoding: path, as: UTF8.self).trimmingSpaces()
                let exclude = text.hasPrefix("-")
                if exclude { text.removeFirst() }
                let segments = text.split(separator: ".", omittingEmptySubsequences: true).map(String.init)
                guard !segments.isEmpty else { continue }
                if exclude { excludes.append(segments) } else { includes.append(segments) }
            }
        }
        if includes.isEmpty && excludes.isEmpty { return nil }
    }

    init(includes: [[String]], excludes: [[String]] = []) {
        self.includes = includes
        self.excludes = excludes
    }

    /// What Fluent Bit's `es` output reads, when it sends no `filter_path`: it looks at `errors` alone (and
    /// logs failed items), but reads the answer through a fixed buffer (512 KB by default) and sends a chunk
    /// whose answer does not fit again, whole. So its answers carry `took`, `errors` and only failed items.
    static let errorsAndFailures = BulkAnswerFilter(includes: [["took"], ["errors"], ["items", "*", "error"]])

    /// The filter a request asks for: its `filter_path`, else ``errorsAndFailures`` for a client known to
    /// read no more (by its `User-Agent`), else none.
    static func forRequest(query: UnsafeRawBufferPointer?, userAgent: UnsafeRawBufferPointer?) -> BulkAnswerFilter? {
        if let query, let filter = BulkAnswerFilter(query: query) { return filter }
        let fluentBit: StaticString = "Fluent-Bit"
        if let userAgent, userAgent.count >= fluentBit.utf8CodeUnitCount,
           fluentBit.withUTF8Buffer({ UnsafeRawBufferPointer(rebasing: userAgent[0..<$0.count]).elementsEqual($0) }) {
            return errorsAndFailures
        }
        return nil
    }

    /// Whether the member at `path` (a leaf of the answer) is written.
    func keeps(_ path: [String]) -> Bool {
        if !includes.isEmpty && !includes.contains(where: { Self.matchesPrefix($0, path) }) { return false }
        return !excludes.contains { Self.matchesPrefix($0, path) }
    }

    /// Whether `pattern` matches `path` or one of its parents.
    static func matchesPrefix(_ pattern: [String], _ path: [String]) -> Bool {
        func match(_ p: Int, _ s: Int) -> Bool {
            if p == pattern.count { return true }
            if pattern[p] == "**" { return match(p + 1, s) || (s < path.count && match(p, s + 1)) }
            guard s < path.count, glob(pattern[p], path[s]) else { return false }
            return match(p + 1, s + 1)
        }
        return match(0, 0)
    }

    /// A segment with `*` standing for any run of characters.
    static func glob(_ pattern: String, _ name: String) -> Bool {
        guard pattern.utf8.contains(UInt8(ascii: "*")) else { return pattern == name }
        let pattern = Array(pattern.utf8), name = Array(name.utf8)
        func match(_ p: Int, _ n: Int) -> Bool {
            if p == pattern.count { return n == name.count }
            if pattern[p] == UInt8(ascii: "*") { return match(p + 1, n) || (n < name.count && match(p, n + 1)) }
            return n < name.count && pattern[p] == name[n] && match(p + 1, n + 1)
        }
        return match(0, 0)
    }

    static func percentDecoded<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8 {
        var out: [UInt8] = []
        var iterator = bytes.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) {
                out.append(high << 4 | low)
            } else {
                out.append(byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            }
        }
        return out
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// What one bulk answer writes: decided once from the outcomes and the filter, then applied to every item.
struct BulkAnswerPlan {
    var took = true
    var errors = true
    /// The bytes of a created item, per action (index, create, delete, update); empty when the filter keeps
    /// nothing of it.
    var created: [[UInt8]]
    /// Which members of a refused item are written, per action.
    var refused: [(status: Bool, type: Bool, reason: Bool)]
    /// Whether the answer is filtered (members and containers left empty are then dropped).
    var filtered: Bool

    /// The plans of answers without a filter, made once (an unfiltered answer allocates none).
    static let unfiltered = BulkAnswerPlan(anyRefused: false, filter: nil)
    static let unfilteredWithFailures = BulkAnswerPlan(anyRefused: true, filter: nil)

    /// Created items carry `result` only when some item failed (the clients that read items, such as
    /// elasticsearch-py, read `status` and `error`; the others read only `errors`).
    init(anyRefused: Bool, filter: BulkAnswerFilter?) {
        filtered = filter != nil
        let keep = { (path: [String]) in filter?.keeps(path) ?? true }
        took = keep(["took"])
        errors = keep(["errors"])
        created = []
        refused = []
        for action in BulkAction.allCases {
            let name = action.name
            let status = keep(["items", name, "status"])
            let result = anyRefused && keep(["items", name, "result"])
            var bytes: [UInt8] = []
            if status || result {
                bytes = Array("{\"\(name)\":{".utf8)
                if status { bytes += Array("\"status\":201".utf8) }
                if result { bytes += Array("\(status ? "," : "")\"result\":\"created\"".utf8) }
                bytes += Array("}}".utf8)
            }
            created.append(bytes)
            refused.append((status, keep(["items", name, "error", "type"]), keep(["items", name, "error", "reason"])))
        }
    }
}

extension BulkAction {
    static let allCases: [BulkAction] = [.index, .create, .delete, .update]

    var ordinal: Int {
        switch self {
        case .index: return 0
        case .create: return 1
        case .delete: return 2
        case .update: return 3
        }
    }
}

extension String {
    func trimmingSpaces() -> String {
        var text = Substring(self)
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return String(text)
    }
}
