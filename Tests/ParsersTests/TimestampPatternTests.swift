import Testing
@testable import Parsers

private func millis(_ iso: String) -> Int64 {
    Array(iso.utf8).withUnsafeBytes { TimestampParser.iso8601($0)!.millis }
}

@Suite struct TimestampPatternTests {
    @Test(arguments: [
        ("yyyy-MM-dd'T'HH:mm:ss[.SSSSSSSSS]XXXXX", "2024-01-15T10:00:00.5+01:00", "2024-01-15T09:00:00.5Z", nil),
        ("yyyy-MM-dd'T'HH:mm:ss[.SSSSSSSSS]XXXXX", "2024-01-15T10:00:00Z", "2024-01-15T10:00:00Z", nil),
        ("dd/MMM/yyyy:HH:mm:ss Z", "15/Jan/2024:10:00:00 -0700", "2024-01-15T17:00:00Z", nil),
        ("EEE MMM d HH:mm:ss yyyy", "Mon Jan 5 10:00:00 2024", "2024-01-05T10:00:00Z", nil),
        ("EEEE, MMMM dd, yyyy h:mm:ss a", "Thursday, February 29, 2024 1:05:09 PM", "2024-02-29T13:05:09Z", nil),
        ("EEEE, MMMM dd, yyyy h:mm:ss a", "Thursday, February 29, 2024 12:05:09 am", "2024-02-29T00:05:09Z", nil),
        ("yyyyMMddHHmmssSSS", "20240115100000123", "2024-01-15T10:00:00.123Z", nil),
        ("yy-M-d H:m:s", "24-1-5 7:8:9", "2024-01-05T07:08:09Z", nil),
        ("MMM dd HH:mm:ss", "Nov 28 10:00:00", "2026-11-28T10:00:00Z", nil),
        ("yyyy-MM-dd HH:mm:ss", "2024-07-01 12:00:00", "2024-07-01T10:00:00Z", "Europe/Berlin"),
        ("yyyy-MM-dd HH:mm:ss", "2024-01-01 12:00:00", "2024-01-01T11:00:00Z", "Europe/Berlin"),
        ("yyyy-MM-dd HH:mm:ss", "2024-03-10 12:00:00", "2024-03-10T16:00:00Z", "America/New_York"),
        ("yyyy-MM-dd HH:mm:ss XXX", "2024-07-01 12:00:00 +00:00", "2024-07-01T12:00:00Z", "Europe/Berlin"),
        ("yyyy-MM-dd HH:mm:ss", "2024-07-01 12:00:00", "2024-07-01T14:30:00Z", "-02:30"),
        ("yyyy-MM-dd HH:mm:ss z", "2024-07-01 12:00:00 UTC", "2024-07-01T12:00:00Z", "Europe/Berlin"),
        ("yyyy-MM-dd HH:mm:ss.SSS O", "2024-07-01 12:00:00.250 GMT+02:00", "2024-07-01T10:00:00.250Z", nil),
        ("''yyyy''", "'2024'", "2024-01-01T00:00:00Z", nil),
    ] as [(String, String, String, String?)])
    func patterns(_ format: String, _ text: String, _ expected: String, _ zone: String?) throws {
        let rules = try zone.map { try TimeZoneRules.resolve($0) } ?? .utc
        let compiled = try TimestampFormat.compile(format, zone: rules)
        let parsed = try #require(Array(text.utf8).withUnsafeBytes { compiled.parse($0, referenceMillis: ParsedEvent.ingestMillis) })
        #expect(parsed.millis == millis(expected))
    }

    @Test(arguments: [
        ("yyyy-MM-dd", "2024-02-30"), ("yyyy-MM-dd", "2024-1-05"), ("HH:mm", "25:00"), ("yyyy-MM-dd", "2024-01-05 extra"),
        ("h:mm a", "13:00 PM"), ("MMM", "Foo"), ("yyyy'T'", "2024X"),
    ])
    func patternRejects(_ format: String, _ text: String) throws {
        let compiled = try TimestampFormat.compile(format, zone: .utc)
        #expect(Array(text.utf8).withUnsafeBytes { compiled.parse($0, referenceMillis: 0) } == nil)
    }

    @Test(arguments: ["yyyy-MM-dd'T", "yyyy[MM", "yyyy]", "yyyy-QQ", "GGGG yyyy"])
    func badPatterns(_ format: String) {
        #expect(throws: TimestampPattern.PatternError.self) { try TimestampFormat.compile(format, zone: .utc) }
    }

    @Test func zoneRules() throws {
        let newYork = try TimeZoneRules.resolve("America/New_York")
        #expect(newYork.offset(atUTC: millis("2024-01-15T12:00:00Z") / 1000) == -5 * 3600)
        #expect(newYork.offset(atUTC: millis("2024-07-15T12:00:00Z") / 1000) == -4 * 3600)
        // 02:30 on the spring-forward day does not exist; 01:30 on the fall-back day exists twice.
        #expect(newYork.offset(forLocal: millis("2024-03-10T02:30:00Z") / 1000) == -5 * 3600)
        #expect(newYork.offset(forLocal: millis("2024-11-03T01:30:00Z") / 1000) == -4 * 3600)
        #expect(try TimeZoneRules.resolve("Asia/Kolkata").offset(atUTC: 1_700_000_000) == 19_800)
        #expect(try TimeZoneRules.resolve("UTC+2").offset(atUTC: 0) == 7200)
        #expect(try TimeZoneRules.resolve("-0530").offset(atUTC: 0) == -19_800)
        #expect(try TimeZoneRules.resolve("Z") == .fixed(name: "Z", offsetSeconds: 0))
        for bad in ["Mars/Olympus", "../etc/passwd", "/etc/localtime", "", "+99:00"] {
            #expect(throws: TimeZoneError.self) { try TimeZoneRules.resolve(bad) }
        }
    }

    @Test func tzifRejectsGarbage() {
        #expect(throws: TimeZoneError.invalidFile) { try TimeZoneRules.parseTZif(Array("not a tzif file at all, really".utf8), name: "x") }
        var truncated = Array("TZif2".utf8) + [UInt8](repeating: 0, count: 39)
        truncated[35] = 200  // timecnt without the data
        truncated[39] = 1
        #expect(throws: TimeZoneError.invalidFile) { try TimeZoneRules.parseTZif(truncated, name: "x") }
    }
}

@Suite struct PosixTimeZoneRuleTests {
    private func millis(_ iso: String) -> Int64 {
        Array(iso.utf8).withUnsafeBytes { TimestampParser.iso8601($0)!.millis }
    }

    @Test(arguments: [
        ("EST5EDT,M3.2.0,M11.1.0", "2050-01-15T12:00:00Z", -5 * 3600),
        ("EST5EDT,M3.2.0,M11.1.0", "2050-07-01T12:00:00Z", -4 * 3600),
        ("EST5EDT,M3.2.0,M11.1.0", "2050-03-13T06:59:59Z", -5 * 3600),  // second Sunday of March 2050 is the 13th, 02:00 EST
        ("EST5EDT,M3.2.0,M11.1.0", "2050-03-13T07:00:00Z", -4 * 3600),
        ("EST5EDT,M3.2.0,M11.1.0", "2050-11-06T05:59:59Z", -4 * 3600),  // first Sunday of November, 02:00 EDT
        ("EST5EDT,M3.2.0,M11.1.0", "2050-11-06T06:00:00Z", -5 * 3600),
        ("CET-1CEST,M3.5.0,M10.5.0/3", "2050-03-27T00:59:59Z", 3600),   // last Sunday of March 2050 is the 27th
        ("CET-1CEST,M3.5.0,M10.5.0/3", "2050-03-27T01:00:00Z", 7200),
        ("AEST-10AEDT,M10.1.0,M4.1.0/3", "2050-01-15T00:00:00Z", 11 * 3600),  // southern hemisphere
        ("AEST-10AEDT,M10.1.0,M4.1.0/3", "2050-07-01T00:00:00Z", 10 * 3600),
        ("IST-2IDT,M3.4.4/26,M10.5.0", "2050-06-01T00:00:00Z", 3 * 3600),  // hour 26 (v3+)
        ("<+0530>-5:30", "2050-06-01T00:00:00Z", 19_800),
        ("<-03>3", "2050-06-01T00:00:00Z", -3 * 3600),
        ("XST3XDT,J60,300", "2050-06-01T00:00:00Z", -2 * 3600),
    ] as [(String, String, Int)])
    func offsets(_ rule: String, _ instant: String, _ offset: Int) throws {
        let parsed = try #require(PosixTimeZoneRule(Array(rule.utf8)))
        #expect(parsed.offset(atUTC: millis(instant) / 1000) == offset)
    }

    @Test(arguments: ["", "X5", "EST", "EST5EDT,M13.1.0,M11.1.0", "EST5EDT,M3.2.0", "EST5EDT,M3.2.0,M11.1.0x", "<EST5"])
    func rejects(_ rule: String) {
        #expect(PosixTimeZoneRule(Array(rule.utf8)) == nil)
    }

    /// Past the system files' last listed transition the footer rule answers.
    @Test func zonesFollowTheirRuleAfterTheLastTransition() throws {
        let newYork = try TimeZoneRules.resolve("America/New_York")
        #expect(newYork.footer != nil)
        #expect(newYork.offset(atUTC: millis("2050-07-01T12:00:00Z") / 1000) == -4 * 3600)
        #expect(newYork.offset(atUTC: millis("2050-01-15T12:00:00Z") / 1000) == -5 * 3600)
        #expect(newYork.offset(forLocal: millis("2050-07-01T12:00:00Z") / 1000) == -4 * 3600)
        let sydney = try TimeZoneRules.resolve("Australia/Sydney")
        #expect(sydney.offset(atUTC: millis("2050-01-15T00:00:00Z") / 1000) == 11 * 3600)
        #expect(sydney.offset(atUTC: millis("2050-07-01T00:00:00Z") / 1000) == 10 * 3600)
        #expect(try TimeZoneRules.resolve("Asia/Tokyo").offset(atUTC: millis("2050-07-01T00:00:00Z") / 1000) == 9 * 3600)
    }
}

extension PosixTimeZoneRuleTests {
    /// Found by the Timestamp fuzz target: `GMG300` was read as a 300-hour offset.
    @Test(arguments: ["GMG300", "EST25", "EST5EDT,M3.2.0/168,M11.1.0", "EST5:60"])
    func rejectsOutOfRangeClocks(_ rule: String) {
        #expect(PosixTimeZoneRule(Array(rule.utf8)) == nil)
    }
}
