import Testing
@testable import Parsers

private func iso(_ text: String) -> ParsedTimestamp? {
    Array(text.utf8).withUnsafeBytes { TimestampParser.iso8601($0) }
}

@Suite struct TimestampParserTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let text: String
        let millis: Int64
        let nanos: Int32
        let zone: String
        var testDescription: String { text }
    }

    @Test(arguments: [
        Case(text: "2024-02-29T12:34:56.789Z", millis: 1_709_210_096_789, nanos: -1, zone: "Z"),
        Case(text: "2023-11-14T22:13:20Z", millis: 1_700_000_000_000, nanos: -1, zone: "Z"),
        Case(text: "2023-11-14T22:13:20z", millis: 1_700_000_000_000, nanos: -1, zone: "z"),
        Case(text: "2023-11-14 22:13:20", millis: 1_700_000_000_000, nanos: -1, zone: ""),
        Case(text: "2023-11-14t22:13:20+00:00", millis: 1_700_000_000_000, nanos: -1, zone: "+00:00"),
        Case(text: "2024-03-10T01:02:03.123456789+02:00", millis: 1_710_025_323_123, nanos: 456_789, zone: "+02:00"),
        Case(text: "2024-03-10T01:02:03.1234567891234+0200", millis: 1_710_025_323_123, nanos: 456_789, zone: "+0200"),
        Case(text: "2024-03-10T01:02:03,5+02", millis: 1_710_025_323_500, nanos: -1, zone: "+02"),
        Case(text: "2024-03-10T01:02:03.1234+02:00", millis: 1_710_025_323_123, nanos: 400_000, zone: "+02:00"),
        Case(text: "2024-06-01T10:00:00-05:30", millis: 1_717_255_800_000, nanos: -1, zone: "-05:30"),
        Case(text: "2024-06-01T10:00-05:30", millis: 1_717_255_800_000, nanos: -1, zone: "-05:30"),
        Case(text: "1969-12-31T23:59:59.5Z", millis: -500, nanos: -1, zone: "Z"),
        Case(text: "2000-01-01T00:00:00Z", millis: 946_684_800_000, nanos: -1, zone: "Z"),
        Case(text: "2100-02-28T23:59:59Z", millis: 4_107_542_399_000, nanos: -1, zone: "Z"),
        Case(text: "2024-12-31T23:59:60Z", millis: 1_735_689_600_000, nanos: -1, zone: "Z"),
        Case(text: "2026-11-29", millis: 1_795_910_400_000, nanos: -1, zone: ""),
    ])
    func iso8601(_ c: Case) throws {
        let parsed = try #require(iso(c.text))
        #expect(parsed.millis == c.millis)
        #expect(parsed.nanos == c.nanos)
        #expect(parsed.end == c.text.utf8.count)
        let zone = String(decoding: Array(c.text.utf8)[parsed.zoneStart..<(parsed.zoneStart + parsed.zoneCount)], as: UTF8.self)
        #expect(zone == c.zone)
    }

    @Test(arguments: [
        "", "2024", "2024-13-01T00:00:00Z", "2023-02-29T00:00:00Z", "2100-02-29", "2024-04-31T00:00:00Z",
        "2024-01-01T24:00:00Z", "2024-01-01T12:60:00Z", "2024-01-01T12:00:61Z", "2024-01-01X12:00:00Z",
        "2024-01-01T1:00:00Z", "2024/01/01 12:00:00", "20240101T120000Z", "2024-01-01T12:00:00+25:00",
        "2024-01-011", "2024-01-01T12:00:00.Z5",
    ])
    func iso8601Rejects(_ text: String) {
        let parsed = iso(text)
        #expect(parsed == nil || parsed!.end < text.utf8.count, "\(text) is not a whole ISO-8601 timestamp")
    }

    @Test func leapYears() {
        for year in [1600, 2000, 2004, 2024, 2400] { #expect(CivilTime.isLeapYear(year)) }
        for year in [1700, 1900, 2023, 2100] { #expect(!CivilTime.isLeapYear(year)) }
        // Day numbers round-trip across four centuries, including every Feb 29.
        for days in stride(from: -200_000, through: 200_000, by: 7) {
            let civil = CivilTime.civilFromDays(days)
            #expect(CivilTime.daysFromCivil(year: civil.year, month: civil.month, day: civil.day) == days)
        }
        #expect(CivilTime.daysFromCivil(year: 1970, month: 1, day: 1) == 0)
        #expect(CivilTime.daysFromCivil(year: 2024, month: 3, day: 1) - CivilTime.daysFromCivil(year: 2024, month: 2, day: 28) == 2)
    }

    @Test(arguments: [
        ("10/Oct/2000:13:55:36 -0700", 971_211_336_000, "-0700"),
        ("29/Feb/2024:00:00:00 +0000", 1_709_164_800_000, "+0000"),
        ("01/jan/2026:01:00:00 +0100", 1_767_225_600_000, "+0100"),
        ("31/Dec/1999:23:59:59", 946_684_799_000, ""),
    ] as [(String, Int64, String)])
    func accessLogDate(_ text: String, _ millis: Int64, _ zone: String) throws {
        let parsed = try #require(Array(text.utf8).withUnsafeBytes { TimestampParser.accessLog($0) })
        #expect(parsed.millis == millis)
        #expect(parsed.end == text.utf8.count)
        #expect(parsed.zoneCount == zone.utf8.count)
    }

    @Test(arguments: ["10/Foo/2000:13:55:36 -0700", "30/Feb/2024:00:00:00 +0000", "1/Oct/2000:13:55:36 -0700", "10/Oct/2000 13:55:36"])
    func accessLogDateRejects(_ text: String) {
        #expect(Array(text.utf8).withUnsafeBytes { TimestampParser.accessLog($0) } == nil)
    }

    /// Reference: 2026-11-29T00:00:00Z.
    @Test(arguments: [
        ("Nov 28 23:00:00", "2026-11-28T23:00:00Z"),
        ("Nov 29 23:59:59", "2026-11-29T23:59:59Z"),   // less than a day ahead: this year
        ("Nov 30 00:00:01", "2025-11-30T00:00:01Z"),   // more than a day ahead: last year
        ("Dec 31 23:59:59", "2025-12-31T23:59:59Z"),
        ("Jan  5 10:00:00", "2026-01-05T10:00:00Z"),
        ("Jan 5 10:00:00", "2026-01-05T10:00:00Z"),
        ("Feb 29 12:00:00", "2024-02-29T12:00:00Z"),   // only leap years have it
        ("Mar 01 08:09:10.250", "2026-03-01T08:09:10.250Z"),
    ])
    func rfc3164YearInference(_ text: String, _ expected: String) throws {
        let parsed = try #require(Array(text.utf8).withUnsafeBytes {
            TimestampParser.rfc3164($0, referenceMillis: ParsedEvent.ingestMillis)
        })
        #expect(parsed.millis == iso(expected)!.millis)
        #expect(parsed.end == text.utf8.count)
    }

    @Test(arguments: [
        ("1700000000", TimestampParser.EpochUnit.seconds, 1_700_000_000_000, -1),
        ("1700000000.123456", .seconds, 1_700_000_000_123, 456_000),
        ("1700000000.5", .seconds, 1_700_000_000_500, -1),
        ("1700000000123", .milliseconds, 1_700_000_000_123, -1),
        ("1700000000123.25", .milliseconds, 1_700_000_000_123, 250_000),
        ("1700000000123456789", .nanoseconds, 1_700_000_000_123, 456_789),
        ("1700000000123456", .microseconds, 1_700_000_000_123, 456_000),
        ("1700000000", .automatic, 1_700_000_000_000, -1),
        ("1700000000123", .automatic, 1_700_000_000_123, -1),
        ("1700000000123456789", .automatic, 1_700_000_000_123, 456_789),
        ("-1.5", .seconds, -1500, -1),
        // The Sluice rule goes by magnitude, not by digits: leading zeros do not change the unit.
        ("0000000000000000001700000000", .automatic, 1_700_000_000_000, -1),
        ("99999999999", .automatic, 99_999_999_999_000, -1),
        ("100000000000", .automatic, 100_000_000_000, -1),
        ("99999999999999", .automatic, 99_999_999_999_999, -1),
        ("100000000000000", .automatic, 100_000_000_000, 0),
        ("99999999999999999", .automatic, 99_999_999_999_999, 999_000),
        ("100000000000000000", .automatic, 100_000_000_000, 0),
    ] as [(String, TimestampParser.EpochUnit, Int64, Int32)])
    func epoch(_ text: String, _ unit: TimestampParser.EpochUnit, _ millis: Int64, _ nanos: Int32) throws {
        let parsed = try #require(Array(text.utf8).withUnsafeBytes { TimestampParser.epoch($0, unit: unit) })
        #expect(parsed.millis == millis)
        #expect(parsed.nanos == nanos)
        #expect(parsed.end == text.utf8.count)
    }

    @Test(arguments: [
        ("1.7e9", 1_700_000_000_000), ("1.7E12", 1_700_000_000_000), ("1e14", 100_000_000_000), ("-1e3", -1_000_000),
    ] as [(String, Int64)])
    func epochNumberReadsExponents(_ text: String, _ millis: Int64) throws {
        let parsed = try #require(Array(text.utf8).withUnsafeBytes { TimestampParser.epochNumber($0) })
        #expect(parsed.millis == millis)
        #expect(parsed.end == text.utf8.count)
    }

    @Test(arguments: ["", "e5", "1e", "1e+", "1e400", "1.5.5", "1e5x", "x1e5", "1.e5"])
    func epochNumberRejects(_ text: String) {
        #expect(Array(text.utf8).withUnsafeBytes { TimestampParser.epochNumber($0) } == nil)
    }

    @Test(arguments: ["", "-", "abc", "99999999999999999999"])
    func epochRejects(_ text: String) {
        #expect(Array(text.utf8).withUnsafeBytes { TimestampParser.epoch($0, unit: .seconds) } == nil)
    }

    @Test(arguments: [
        ("2024-01-15T10:00:00Z INFO started", "2024-01-15T10:00:00Z"),
        ("[2024-01-15 10:00:00.123] INFO", "2024-01-15T10:00:00.123Z"),
        ("level=info ts=2024-01-15T10:00:00+01:00 msg=x", "2024-01-15T09:00:00Z"),
        ("127.0.0.1 - - [15/Jan/2024:10:00:00 +0000] \"GET / HTTP/1.1\"", "2024-01-15T10:00:00Z"),
        ("<34>Jan 15 10:00:00 host app: hi", "2026-01-15T10:00:00Z"),
        ("E 1705312800 something", "2024-01-15T10:00:00Z"),
        ("at 1705312800123 ms", "2024-01-15T10:00:00.123Z"),
    ])
    func find(_ line: String, _ expected: String) throws {
        let parsed = try #require(Array(line.utf8).withUnsafeBytes {
            TimestampParser.find($0, referenceMillis: ParsedEvent.ingestMillis)
        })
        #expect(parsed.millis == iso(expected)!.millis)
    }

    @Test(arguments: ["no time here", "id 12345 count 678", ""])
    func findNothing(_ line: String) {
        #expect(Array(line.utf8).withUnsafeBytes { TimestampParser.find($0, referenceMillis: ParsedEvent.ingestMillis) } == nil)
    }
}

/// The complete-form fast reader against the general one: same answer whenever it answers, and it does
/// answer for the common complete forms.
@Suite struct ISO8601CompleteFormTests {
    @Test(arguments: [
        ("2024-02-29T12:34:56.789Z", true), ("2023-11-14 22:13:20", true), ("2023-11-14t22:13:20+00:00", true),
        ("2024-03-10T01:02:03.1234567891234+0200", true), ("2024-12-31T23:59:60Z", true), ("x 2024-06-01T10:00:00-05:30 y", true),
        ("2024-06-01T10:00-05:30", false), ("2026-11-29", false), ("2023-02-29T00:00:00Z", false), ("2024-01-01T24:00:00Z", false),
        ("2024-01-01T12:00:61Z", false), ("2024-01-01X12:00:00Z", false), ("2024-01-01T12:00:00+25:00", true),
        ("2024-01-01T12:00:001", false), ("2024-01-01T12:00:00.Z5", true), ("0000-01-01T00:00:00Z", true),
        // Around the `.SSSZ` shortcut: three digits and `Z`/`z` take it, anything else the digit loop.
        ("2026-11-28T10:00:59.999z", true), ("2026-11-28T10:00:00.000Z x", true), ("2026-11-28T10:00:07.12Z", true),
        ("2026-11-28T10:00:07.1234Z", true), ("2026-11-28T10:00:07.123+01:00", true), ("2026-11-28T10:00:07.123", true),
        ("2026-11-28T10:00:07,123Z", true), ("2026-11-28T10:00:60.500Z", true),
    ])
    func agreesWithTheGeneralReader(_ text: String, _ answers: Bool) {
        let bytes = Array(text.utf8)
        for start in 0..<min(3, bytes.count) {
            bytes.withUnsafeBytes { s in
                let complete = TimestampParser.iso8601Complete(s, from: start)
                if let complete { #expect(complete == TimestampParser.iso8601General(s, from: start)) }
                if start == (text.hasPrefix("x ") ? 2 : 0) { #expect((complete != nil) == answers) }
            }
        }
    }
}

/// The minute-cached reader against the uncached one, over sequences that hit, miss and replace the cache.
@Suite struct ISO8601MinuteCacheTests {
    static let sequences: [[String]] = [
        ["2024-02-29T12:34:56.789Z", "2024-02-29T12:34:57.001Z", "2024-02-29T12:34:60Z", "2024-02-29T12:35:00Z"],
        ["2023-11-14 22:13:20", "2023-11-14 22:13:59.123456789+02:00", "2023-11-14 22:13:61", "2023-11-14 22:13:2x"],
        // A valid minute, then texts sharing it whose seconds are not the complete form (the general reader decides).
        ["2024-01-01T12:00:00Z", "2024-01-01T12:00", "2024-01-01T12:00-05:30", "2024-01-01T12:00:00,5", "2024-01-01T12:00:5"],
        // Invalid minutes must never be cached: the same bytes stay refused.
        ["2023-02-29T00:00:00Z", "2023-02-29T00:00:01Z", "2024-01-01T24:00:00Z", "2024-01-01T24:00:00Z"],
        ["2024-06-01T10:00:00-05:30", "x 2024-06-01T10:00:01Z", "2024-06-01T10:00:02.5Z", "", "2024-06-01T10:00:03Z"],
    ]

    @Test(arguments: sequences)
    func sameAnswersAsTheUncachedReader(_ texts: [String]) {
        var cache = ISO8601MinuteCache()
        for text in texts {
            let bytes = Array(text.utf8)
            for start in 0..<max(1, min(3, bytes.count)) {
                bytes.withUnsafeBytes { s in
                    #expect(TimestampParser.iso8601(s, from: start, cache: &cache) == TimestampParser.iso8601(s, from: start),
                            "\(text) from \(start)")
                }
            }
        }
    }

    /// The inline reader of the cached minute: the whole reader's milliseconds for exactly the 24-byte
    /// `...ss.SSSZ` form of the cached minute, nil for everything else.
    @Test(arguments: [
        ("2024-02-29T12:34:56.789Z", true), ("2024-02-29T12:34:00.000z", true), ("2024-02-29T12:34:60.999Z", true),
        ("2024-02-29T12:35:56.789Z", false), ("2024-02-29T12:34:61.000Z", false), ("2024-02-29T12:34:56.78Z", false),
        ("2024-02-29T12:34:56.7890Z", false), ("2024-02-29T12:34:56.789+", false), ("2024-02-29T12:34:56,789Z", false),
        ("2024-02-29T12:34:5x.789Z", false), ("2024-02-29T12:34:56.7x9Z", false), ("2024-02-29T12:34:56.789Z ", false),
    ])
    func inlineReaderOfTheCachedMinute(_ text: String, _ answers: Bool) {
        var cache = ISO8601MinuteCache()
        #expect(Array("2024-02-29T12:34:00Z".utf8).withUnsafeBytes { cache.millis(ofCachedMinute: $0) } == nil)
        _ = Array("2024-02-29T12:34:00Z".utf8).withUnsafeBytes { TimestampParser.iso8601($0, cache: &cache) }
        Array(text.utf8).withUnsafeBytes { s in
            let millis = cache.millis(ofCachedMinute: s)
            #expect((millis != nil) == answers)
            if let millis { #expect(TimestampParser.iso8601(s).map(\.millis) == millis) }
        }
    }
}

/// Calendar helpers.
@Suite struct CivilTimeTests {
    /// The hashed month lookup answers what a plain search of the twelve names answers, for every triple of
    /// letters in either case and a few other bytes.
    @Test func monthNamesAgainstAPlainSearch() {
        let names = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"].map { Array($0.utf8) }
        let bytes: [UInt8] = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0 @\u{7F}".utf8) + [0x00, 0xC3, 0xFF]
        var mismatches = 0
        for b0 in bytes {
            for b1 in bytes {
                for b2 in bytes {
                    let lowered = [b0 | 0x20, b1 | 0x20, b2 | 0x20]
                    let expected = (names.firstIndex(of: lowered) ?? -1) + 1
                    if CivilTime.month(b0, b1, b2) != expected { mismatches += 1 }
                }
            }
        }
        #expect(mismatches == 0)
        #expect(CivilTime.month(UInt8(ascii: "D"), UInt8(ascii: "e"), UInt8(ascii: "C")) == 12)
    }
}
