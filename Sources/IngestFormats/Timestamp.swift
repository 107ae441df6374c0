import Parsers

/// A point in time read from an event: epoch milliseconds, the sub-millisecond part (-1 when the source
/// had none) and, for ISO-8601 text, where its zone designator sits in the text (nil for `Z` or none).
struct Timestamp: Equatable {
    var millis: Int64
    var nanos: Int32
    var zone: Range<Int>? = nil

    /// Why the time cannot be stored as given, relative to the ingest time, if it cannot.
    func problem(ingestMillis: Int64) -> StaticString? {
        TimestampSanity.problem(millis: millis, ingestMillis: ingestMillis)
    }
}

extension Timestamp {
    /// Reads an epoch number (JSON number syntax, or the same text inside a string) by the Sluice rule
    /// (``TimestampParser/epochNumber(_:)``, the one reader the parsers use too). Nil when it is not such
    /// a number or overflows.
    static func epoch(_ text: UnsafeRawBufferPointer) -> Timestamp? {
        TimestampParser.epochNumber(text).map { Timestamp(millis: $0.millis, nanos: $0.nanos) }
    }
}
