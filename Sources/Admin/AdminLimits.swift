/// The admin API's request limits, checked before anything is validated or executed, so a hostile
/// request cannot make the server build or walk an arbitrarily large structure:
/// - `maxBodyBytes`: the HTTP body (1 MiB; the gateway answers 413 past it);
/// - `maxDepth`: nested selection sets, counting through fragments (15; the deepest documented query has
///   4, a GraphiQL introspection query 13);
/// - `maxAliases`: aliased fields in the document with fragments expanded where spread (30);
/// - `maxSelections`: fields visited in every operation and fragment definition, plus once more for each
///   place a fragment is spread (2 000); this bounds fragments spread inside each other and the quadratic
///   validation rules (overlapping fields) alike;
/// - `maxNesting`: brackets `{ ( [` open at once in the query text (64), checked on the raw text before
///   parsing, because the parser is recursive and a 1 MiB document of `{a{a{a…` would overflow its stack.
public struct AdminLimits: Sendable, Equatable {
    public var maxBodyBytes: Int
    public var maxDepth: Int
    public var maxAliases: Int
    public var maxSelections: Int
    public var maxNesting: Int

    public init(maxBodyBytes: Int = 1 << 20, maxDepth: Int = 15, maxAliases: Int = 30, maxSelections: Int = 2_000,
                maxNesting: Int = 64) {
        self.maxBodyBytes = maxBodyBytes
        self.maxDepth = maxDepth
        self.maxAliases = maxAliases
        self.maxSelections = maxSelections
        self.maxNesting = maxNesting
    }

    /// Nil when no more than `maxNesting` brackets are open at once in `query`, else the problem. Skips
    /// strings, block strings and comments the way the GraphQL lexer reads them (ending a block string no
    /// later than the lexer would, so brackets are never under-counted); one pass over the bytes.
    public func nestingProblem(in query: String) -> String? {
        var text = query
        return text.withUTF8 { bytes -> String? in
            let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
            var depth = 0
            var i = 0
            while i < bytes.count {
                let byte = bytes[i]
                i += 1
                switch byte {
                case UInt8(ascii: "{"), UInt8(ascii: "("), UInt8(ascii: "["):
                    depth += 1
                    if depth > maxNesting { return "brackets nested deeper than \(maxNesting)" }
                case UInt8(ascii: "}"), UInt8(ascii: ")"), UInt8(ascii: "]"):
                    depth = max(0, depth - 1)
                case UInt8(ascii: "#"):
                    while i < bytes.count, bytes[i] != 0x0A, bytes[i] != 0x0D { i += 1 }
                case quote where i + 1 < bytes.count && bytes[i] == quote && bytes[i + 1] == quote:
                    // A block string: ends at the next `"""` not preceded by a backslash.
                    i += 2
                    var quotes = 0
                    while i < bytes.count {
                        let c = bytes[i]
                        i += 1
                        quotes = c == quote && (quotes > 0 || bytes[i - 2] != backslash) ? quotes + 1 : 0
                        if quotes == 3 { break }
                    }
                case quote:
                    // A one-line string: ends at an unescaped quote or a line break.
                    while i < bytes.count {
                        let c = bytes[i]
                        i += 1
                        if c == backslash { i += 1; continue }
                        if c == quote || c == 0x0A || c == 0x0D { break }
                    }
                default:
                    continue
                }
            }
            return nil
        }
    }
}
