import Testing
@testable import IngestFormats

struct TimestampTests {
    static func read(_ text: String, _ parse: (UnsafeRawBufferPointer) -> Timestamp?) -> Timestamp? {
        Array(text.utf8).withUnsafeBytes(parse)
    }

    @Test(arguments: [
        ("1970-01-01T00:00:00Z", Timestamp(millis: 0, nanos: -1)),
        ("2023-11-14T22:13:20Z", Timestamp(millis: 1_700_000_000_000, nanos: -1)),
        ("2023-11-14t22:13:20z", Timestamp(millis: 1_700_000_000_000, nanos: -1)),
        ("2023-11-14 22:13:20", Timestamp(millis: 1_700_000_000_000, nanos: -1)),
        ("2023-11-14T22:13:20.1Z", Timestamp(millis: 1_700_000_000_100, nanos: -1)),
        ("2023-11-14T22:13:20,123Z", Timestamp(millis: 1_700_000_000_123, nanos: -1)),
        ("2023-11-14T22:13:20.1234Z", Timestamp(millis: 1_700_000_000_123, nanos: 400_000)),
        ("2023-11-14T22:13:20.123456789123Z", Timestamp(millis: 1_700_000_000_123, nanos: 456_789)),
        ("2023-11-14T23:13:20+01:00", Timestamp(millis: 1_700_000_000_000, nanos: -1, zone: 19..<25)),
        ("2023-11-14T17:43:20-0430", Timestamp(millis: 1_700_000_000_000, nanos: -1, zone: 19..<24)),
        ("2023-11-15T00:13:20+02", Timestamp(millis: 1_700_000_000_000, nanos: -1, zone: 19..<22)),
        ("2023-11-14T22:13Z", Timestamp(millis: 1_699_999_980_000, nanos: -1)),
        ("2023-11-14", Timestamp(millis: 1_699_920_000_000, nanos: -1)),
        ("2024-02-29T00:00:00Z", Timestamp(millis: 1_709_164_800_000, nanos: -1)),
        // A leap second rolls into the next second, as the parsers read it (one ISO-8601 reader for both).
        ("2016-12-31T23:59:60Z", Timestamp(millis: 1_483_228_800_000, nanos: -1)),
        ("1969-12-31T23:59:59Z", Timestamp(millis: -1000, nanos: -1)),
    ])
    func readsISO8601(_ text: String, _ expected: Timestamp) {
        #expect(Self.read(text, Timestamp.iso8601) == expected)
    }

    @Test(arguments: [
        "", "2023", "2023-11", "2023-13-01", "2023-02-29", "2023-04-31", "2023-11-14T24:00:00Z", "2023-11-14T22:60",
        "2023-11-14T22:13:20.Z", "2023-11-14T22:13:20+1", "2023-11-14T22:13:20+25:00", "2023-11-14T22:13:20Zjunk",
        "23-11-14", "2023/11/14", "1700000000", "now",
    ])
    func refusesWhatIsNotISO8601(_ text: String) {
        #expect(Self.read(text, Timestamp.iso8601) == nil)
    }

    @Test(arguments: [
        ("1700000000", Timestamp(millis: 1_700_000_000_000, nanos: -1)),
        ("1700000000.5", Timestamp(millis: 1_700_000_000_500, nanos: -1)),
        ("1700000000.1234567", Timestamp(millis: 1_700_000_000_123, nanos: 456_700)),
        ("99999999999", Timestamp(millis: 99_999_999_999_000, nanos: -1)),
        ("100000000000", Timestamp(millis: 100_000_000_000, nanos: -1)),
        ("1700000000000", Timestamp(millis: 1_700_000_000_000, nanos: -1)),
        ("1700000000000.25", Timestamp(millis: 1_700_000_000_000, nanos: 250_000)),
        ("1700000000000001", Timestamp(millis: 1_700_000_000_000, nanos: 1000)),
        ("1700000000000000001", Timestamp(millis: 1_700_000_000_000, nanos: 1)),
        ("1.7e9", Timestamp(millis: 1_700_000_000_000, nanos: -1)),
        ("1.7E12", Timestamp(millis: 1_700_000_000_000, nanos: -1)),
        ("0", Timestamp(millis: 0, nanos: -1)),
        ("-5", Timestamp(millis: -5000, nanos: -1)),
        ("100000000000000", Timestamp(millis: 100_000_000_000, nanos: 0)),
        ("100000000000000000", Timestamp(millis: 100_000_000_000, nanos: 0)),
        // Past 18 digits the reader checks for overflow: the largest Int64 still reads, leading zeros too.
        ("9223372036854775807", Timestamp(millis: 9_223_372_036_854, nanos: 775_807)),
        ("0000000000000000001700000000", Timestamp(millis: 1_700_000_000_000, nanos: -1)),
    ])
    func readsEpochNumbersByMagnitude(_ text: String, _ expected: Timestamp) {
        #expect(Self.read(text, Timestamp.epoch) == expected)
    }

    @Test(arguments: ["", "-", "abc", "1.", ".5", "12x", "1e", "1e+", "1e400", "99999999999999999999", "9223372036854775808", "1.5.5", "1e5x"])
    func refusesWhatIsNotAnEpochNumber(_ text: String) {
        #expect(Self.read(text, Timestamp.epoch) == nil)
    }

    @Test(arguments: [
        (Int64(31_535_999_999), "timestamp before 1971; ingest time used" as String?),
        (31_536_000_000, nil),
        (1_700_000_000_000 + 86_400_000, nil),
        (1_700_000_000_000 + 86_400_001, "timestamp more than a day in the future; ingest time used"),
    ])
    func judgesTheSaneRange(_ millis: Int64, _ problem: String?) {
        let found = Timestamp(millis: millis, nanos: -1).problem(ingestMillis: 1_700_000_000_000).map { "\($0)" }
        #expect(found == problem)
    }
}
