import GraphQL

extension AdminLimits {
    /// Nil when `document` is within the limits, else the limit it exceeds. Fragment cycles (which
    /// validation refuses later) are not followed.
    public func problem(in document: Document) -> String? {
        var fragments: [String: FragmentDefinition] = [:]
        for case let fragment as FragmentDefinition in document.definitions {
            fragments[fragment.name.value] = fragment
        }
        var walk = Walk(limits: self, fragments: fragments)
        for definition in document.definitions {
            let set: SelectionSet
            switch definition {
            case let operation as OperationDefinition: set = operation.selectionSet
            case let fragment as FragmentDefinition:
                // Walked on its own too, so an unused fragment still counts; aliases count where spread.
                set = fragment.selectionSet
                walk.spreading.insert(fragment.name.value)
                defer { walk.spreading.remove(fragment.name.value) }
                let aliases = walk.aliases
                if let problem = walk.visit(set, depth: 1) { return problem }
                walk.aliases = aliases
                continue
            default: continue
            }
            if let problem = walk.visit(set, depth: 1) { return problem }
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
