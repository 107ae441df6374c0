import EventModel

/// A compiled parser: runs over the last event of a batch, reading its `@rawstring` and adding fields
/// and a timestamp. Compiled once per snapshot load; immutable, so one pipeline is shared by every
/// event loop. Per-thread scratch (``ParseScratch``) holds the buffers, so a parse allocates nothing
/// beyond the arena bytes and fields it adds.
public final class ParserPipeline: Sendable {
    public let name: String
    let stages: [ParserStage]
    /// The same stages, run in place (see ``StageList``).
    private let stageList: StageList

    init(name: String, stages: [ParserStage] = []) {
        self.name = name
        self.stages = stages
        stageList = StageList(stages)
    }

    /// Parses the batch's last event in place. Never throws and never drops the event: a failing stage
    /// removes the fields it had added and puts back the time it had set, marks the event with `@error`, `#error`, `@event_parsed=false`
    /// and `@error_msg`, and the remaining stages are skipped. A timestamp the pipeline sets before 1971
    /// or more than a day after the ingest time is replaced by the ingest time, with `@error=true` and
    /// `@error_msg` saying so (the event model's rule).
    public func parse(_ batch: inout EventBatch) {
        guard stageList.count > 0, !batch.isEmpty else { return }
        ParseScratch.withCurrent { parse(&batch, scratch: $0) }
    }

    private func parse(_ batch: inout EventBatch, scratch: ParseScratch) {
        let before = batch.lastEvent
        // The first stage starts from `before` (one call into EventModel less per event).
        var beforeStage = before
        for index in 0..<stageList.count {
            if index > 0 { beforeStage = batch.lastEvent }
            if let failure = stageList.run(index, &batch, scratch: scratch) {
                batch.truncateFields(toCount: Int(beforeStage.fieldCount))
                batch.setTimestamp(millis: beforeStage.timestampMillis, nanos: beforeStage.timestampNanos)
                batch.setTimezone(beforeStage.timezone)
                batch.markParseFailure(failure)
                return
            }
        }
        let after = batch.lastEvent
        if after.timestampMillis != before.timestampMillis || after.timestampNanos != before.timestampNanos,
           let problem = TimestampSanity.problem(millis: after.timestampMillis, ingestMillis: after.ingestMillis) {
            batch.resetTimestamp(to: before, reason: problem)
        }
    }

    /// A pipeline for a parser name that matches nothing: the event is kept unparsed with `@error_msg`
    /// saying so (the spec's Sluice rule for unknown parser names).
    public static let unknownParser = ParserPipeline(name: "", stages: [.fail("no parser with this name")])
}

extension EventBatch {
    /// Puts back the time the event had before the pipeline ran and records why.
    fileprivate mutating func resetTimestamp(to before: Event, reason: StaticString) {
        setTimestamp(millis: before.ingestMillis, nanos: -1)
        setTimezone(.empty)
        setField("@error", value: store("true"))
        setField("@error_msg", value: store(reason))
    }
}
