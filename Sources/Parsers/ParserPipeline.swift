import EventModel

/// A compiled parser: runs over the last event of a batch, reading its `@rawstring` and adding fields
/// and a timestamp. Compiled once per snapshot load; immutable, so one pipeline is shared by every
/// event loop. Per-thread scratch (``ParseScratch``) holds the buffers, so a parse allocates nothing
/// beyond the arena bytes and fields it adds.
public final class ParserPipeline: Sendable {
    public let name: String
    let stages: [ParserStage]

    init(name: String, stages: [ParserStage] = []) {
        self.name = name
        self.stages = stages
    }

    /// Parses the batch's last event in place. Never throws and never drops the event: a failing stage
    /// removes the fields it had added, marks the event with `@error`, `#error`, `@event_parsed=false`
    /// and `@error_msg`, and the remaining stages are skipped.
    public func parse(_ batch: inout EventBatch) {
        guard !stages.isEmpty, !batch.isEmpty else { return }
        let scratch = ParseScratch.current
        for stage in stages {
            let fieldsBefore = Int(batch.lastEvent.fieldCount)
            if let failure = stage.run(&batch, scratch: scratch) {
                batch.truncateFields(toCount: fieldsBefore)
                batch.markParseFailure(failure)
                return
            }
        }
    }
}
