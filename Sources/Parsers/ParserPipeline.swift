import EventModel

/// A compiled parser: runs over the last event of a batch, reading its `@rawstring` and adding fields
/// and a timestamp. Compiled once per snapshot load; safe to share between event loops.
public final class ParserPipeline: Sendable {
    public let name: String

    init(name: String) {
        self.name = name
    }

    /// Parses the batch's last event in place. Never throws and never drops the event: a failing stage
    /// marks the event with `@error`, `#error`, `@event_parsed=false` and `@error_msg`.
    public func parse(_ batch: inout EventBatch) {
        // `none`: nothing parsed. The Parsers work replaces this with the stage list.
    }
}
