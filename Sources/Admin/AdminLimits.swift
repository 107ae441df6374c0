import GraphQL

/// The admin API's request limits, checked before anything is validated or executed, so a hostile
/// request cannot make the server build or walk an arbitrarily large structure:
/// - `maxBodyBytes`: the HTTP body (1 MiB; the gateway answers 413 past it);
/// - `maxDepth`: nested selection sets, counting through fragments (15; the deepest documented query has
///   4, a GraphiQL introspection query 13);
/// - `maxAliases`: aliased fields in the document with fragments expanded where spread (30);
/// - `maxSelections`: fields visited with fragments expanded where spread (5 000), which bounds the cost of
///   fragments spread many times inside each other.
public struct AdminLimits: Sendable, Equatable {
    public var maxBodyBytes: Int
    public var maxDepth: Int
    public var maxAliases: Int
    public var maxSelections: Int

    public init(maxBodyBytes: Int = 1 << 20, maxDepth: Int = 15, maxAliases: Int = 30, maxSelections: Int = 5_000) {
        self.maxBodyBytes = maxBodyBytes
        self.maxDepth = maxDepth
        self.maxAliases = maxAliases
        self.maxSelections = maxSelections
    }

    /// Nil when `document` is within the limits, else the limit it exceeds. Fragment cycles (which
    /// validation refuses later) are not followed.
    public func problem(in document: Document) -> String? {
        var fragments: [String: FragmentDefinition] = [:]
        for case let fragment as FragmentDefinition in document.definitions {
            fragments[fragment.name.value] = fragment
        }
        var walk = Walk(limits: self, fragments: fragments)
        for case let operation as OperationDefinition in document.definitions {
            if let problem = walk.visit(operation.selectionSet, depth: 1) { return problem }
        }
        return nil
    }

    private struct Walk {
        let limits: AdminLimits
        let fragments: [String: FragmentDefinition]
        var aliases = 0
        var selections = 0
        var spreading: Set<String> = []

        mutating func visit(_ set: SelectionSet, depth: Int) -> String? {
            if depth > limits.maxDepth { return "depth exceeds \(limits.maxDepth)" }
            for selection in set.selections {
                switch selection {
                case let field as Field:
                    selections += 1
                    if selections > limits.maxSelections { return "more than \(limits.maxSelections) selected fields" }
                    if field.alias != nil {
                        aliases += 1
                        if aliases > limits.maxAliases { return "more than \(limits.maxAliases) aliases" }
                    }
                    if let inner = field.selectionSet, let problem = visit(inner, depth: depth + 1) { return problem }
                case let inline as InlineFragment:
                    if let problem = visit(inline.selectionSet, depth: depth) { return problem }
                case let spread as FragmentSpread:
                    let name = spread.name.value
                    guard let fragment = fragments[name], spreading.insert(name).inserted else { continue }
                    defer { spreading.remove(name) }
                    if let problem = visit(fragment.selectionSet, depth: depth) { return problem }
                default:
                    continue
                }
            }
            return nil
        }
    }
}
