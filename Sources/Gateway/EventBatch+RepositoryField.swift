import EventModel

extension EventBatch {
    /// Whether any field of any event is named `#repo` (the field ``GatewayHandler/namedRepository(_:event:)``
    /// looks for). One pass over the fields through raw pointers, comparing lengths first: a batch of an
    /// ingest token whose events name no repository is accepted without a per-event walk (which would
    /// cost a retain and release of the fields array per event besides).
    func hasRepositoryField() -> Bool {
        let name: StaticString = "#repo"
        let length = name.utf8CodeUnitCount
        return name.withUTF8Buffer { literal in
            arena.withUnsafeBytes { arena in
                fields.withUnsafeBufferPointer { fields in
                    for field in fields where Int(field.name.count) == length {
                        // Spans lie inside the arena (EventBatch's guarantee).
                        if ShortCompare.equal(arena.baseAddress! + Int(field.name.start), literal.baseAddress!, count: length) { return true }
                    }
                    return false
                }
            }
        }
    }
}
