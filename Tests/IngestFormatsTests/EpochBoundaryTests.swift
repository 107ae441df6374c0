import Testing
@testable import IngestFormats

/// One number is one time whatever path it took: every endpoint's numeric timestamp and the `json`
/// parser's `@timestamp` read epoch numbers by the Sluice rule (below 10^11 seconds, below 10^14
/// milliseconds, below 10^17 microseconds, else nanoseconds) and apply the same sane range.
struct EpochBoundaryTests {
    /// A number, and the time stored for it with ingest at 2023-11-14 (nil: ingest time with `@error`).
    static let boundaries: [(String, Int64?)] = [
        ("1700000000", 1_700_000_000_000),
        ("99999999999", nil),  // seconds: the year 5138
        ("100000000000", 100_000_000_000),  // milliseconds: 1973
        ("99999999999999", nil),  // milliseconds: the year 5138
        ("100000000000000", 100_000_000_000),  // microseconds
        ("99999999999999999", nil),  // microseconds: the year 5138
        ("100000000000000000", 100_000_000_000),  // nanoseconds
        ("1700000000000000000", 1_700_000_000_000),
        ("-1", nil),  // negative: before 1971 whatever the unit
        ("-1700000000000", nil),
        ("1.7e12", 1_700_000_000_000),
        ("1e14", 100_000_000_000),
    ]

    /// Each endpoint carrying a numeric time, and the `json` parser behind two of them.
    static let paths: [(String, IngestFormat, @Sendable (String) -> String, String?)] = [
        ("structured timestamp", .structured, { #"[{"events":[{"timestamp":\#($0),"rawstring":"x"}]}]"# }, nil),
        ("structured timestamp as text", .structured, { #"[{"events":[{"timestamp":"\#($0)","rawstring":"x"}]}]"# }, nil),
        ("json @timestamp", .json, { #"{"@timestamp":\#($0)}"# }, nil),
        ("HEC time", .hec, { #"{"event":"x","time":\#($0)}"# }, nil),
        ("bulk @timestamp", .elasticBulk, { "{\"index\":{}}\n{\"@timestamp\":\($0)}\n" }, nil),
        ("raw through the json parser", .raw, { #"{"@timestamp":\#($0)}"# }, "json"),
        ("unstructured through the json parser", .unstructured, { #"[{"messages":["{\"@timestamp\":\#($0)}"]}]"# }, "json"),
    ]

    @Test(arguments: boundaries)
    func everyPathStoresTheSameTime(_ number: String, _ expected: Int64?) throws {
        for (name, format, body, parser) in Self.paths {
            let context = Harness.context(token: parser)
            let events = try Harness.decode(format, body(number), context)
            let event = try #require(events.first, "\(name)")
            #expect(event.millis == expected ?? Harness.ingest, "\(name): \(number)")
            #expect(event.fields.contains("@error=true") == (expected == nil), "\(name): \(number) \(event)")
        }
    }
}
