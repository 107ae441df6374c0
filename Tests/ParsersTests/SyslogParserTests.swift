import Testing
@testable import Parsers

@Suite struct SyslogParserTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let line: String
        let fields: [String: String]
        let time: String?
        var testDescription: String { String(line.prefix(60)) }
    }

    @Test(arguments: [
        // RFC 5424 with structured data and BOM
        Case(line: "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"] \u{FEFF}An application event log entry...",
             fields: ["priority": "165", "facility": "local4", "severity": "notice", "host": "mymachine.example.com", "app": "evntslog",
                      "msgid": "ID47", "exampleSDID@32473.iut": "3", "exampleSDID@32473.eventSource": "Application",
                      "exampleSDID@32473.eventID": "1011", "message": "An application event log entry..."],
             time: "2003-10-11T22:14:15.003Z"),
        Case(line: #"<34>1 2024-01-15T10:00:00.123456+01:00 host1 su 77 - [a x="q\"uote\]d"][b y="2"] user=root tty=pts/0"#,
             fields: ["priority": "34", "facility": "auth", "severity": "crit", "host": "host1", "app": "su", "pid": "77",
                      "a.x": #"q"uote]d"#, "b.y": "2", "message": "user=root tty=pts/0", "user": "root", "tty": "pts/0"],
             time: "2024-01-15T09:00:00.123Z"),
        Case(line: "<14>1 - - - - - -", fields: ["priority": "14", "facility": "user", "severity": "info"], time: nil),
        // RFC 3164: sshd, postfix
        Case(line: "<38>Jan 15 10:00:00 bastion sshd[4242]: Accepted publickey for deploy from 203.0.113.9 port 51234 ssh2",
             fields: ["priority": "38", "facility": "auth", "severity": "info", "host": "bastion", "app": "sshd", "pid": "4242",
                      "message": "Accepted publickey for deploy from 203.0.113.9 port 51234 ssh2"],
             time: "2026-01-15T10:00:00Z"),
        Case(line: "Jan  5 03:04:05 mail postfix/smtpd[1234]: NOQUEUE: reject: RCPT from unknown[198.51.100.2]: 554 5.7.1; from=<a@b.c> to=<d@e.f> proto=ESMTP helo=<x>",
             fields: ["host": "mail", "app": "postfix/smtpd", "pid": "1234",
                      "message": "NOQUEUE: reject: RCPT from unknown[198.51.100.2]: 554 5.7.1; from=<a@b.c> to=<d@e.f> proto=ESMTP helo=<x>",
                      "from": "<a@b.c>", "to": "<d@e.f>", "proto": "ESMTP", "helo": "<x>"],
             time: "2026-01-05T03:04:05Z"),
        Case(line: "Dec 31 23:59:59 host kernel: [12345.678] eth0: link up", fields: ["host": "host", "app": "kernel", "message": "[12345.678] eth0: link up"],
             time: "2025-12-31T23:59:59Z"),
        // no host, tag only: the message may then supply one
        Case(line: "<13>Nov 28 12:00:00 cron[99]: job host=other ran",
             fields: ["priority": "13", "facility": "user", "severity": "notice", "app": "cron", "pid": "99", "message": "job host=other ran",
                      "host": "other"],
             time: "2026-11-28T12:00:00Z"),
        // rsyslog high-precision timestamp
        Case(line: "2024-01-15T10:00:00.5+00:00 web1 nginx: GET /",
             fields: ["host": "web1", "app": "nginx", "message": "GET /"], time: "2024-01-15T10:00:00.5Z"),
    ])
    func syslog(_ c: Case) throws {
        let registry = try ParserRegistry.compile([], localZone: .utc)
        let event = ParsedEvent.run(registry.pipeline(named: "syslog")!, Array(c.line.utf8))
        #expect(!event.failed, "\(event["@error_msg"] ?? "")")
        #expect(Dictionary(event.fields, uniquingKeysWith: { a, _ in a }) == c.fields)
        let expected = c.time.map { t in Array(t.utf8).withUnsafeBytes { TimestampParser.iso8601($0)!.millis } } ?? ParsedEvent.ingestMillis
        #expect(event.timestampMillis == expected)
    }

    @Test func rfc3164InConfiguredZone() throws {
        let berlin = try TimeZoneRules.resolve("Europe/Berlin")
        let registry = try ParserRegistry.compile([], localZone: berlin)
        let summer = ParsedEvent.run(registry.pipeline(named: "syslog")!, Array("Jul  1 12:00:00 h app: x".utf8))
        #expect(summer.timestampMillis == 1_782_900_000_000)  // 2026-07-01T10:00:00Z
        let winter = ParsedEvent.run(registry.pipeline(named: "syslog")!, Array("Jan  1 12:00:00 h app: x".utf8))
        #expect(winter.timestampMillis == 1_767_265_200_000)  // 2026-01-01T11:00:00Z
        let utc = ParsedEvent.run(registry.pipeline(named: "syslog-utc")!, Array("Jan  1 12:00:00 h app: x".utf8))
        #expect(utc.timestampMillis == 1_767_268_800_000)
    }

    @Test(arguments: [
        ("syslog", "<999>1 - - - - - -", "syslog: invalid priority"),
        ("syslog", "hello world", "syslog: not a syslog line"),
        ("syslog", "<13>garbage", "syslog: invalid timestamp"),
        ("syslog", "<13>1 2024-13-01T00:00:00Z h a - - - m", "syslog: invalid RFC 5424 timestamp"),
        ("syslog", #"<13>1 - h a - - [id x="unterminated] m"#, "syslog: invalid structured data"),
        ("syslog-utc", "<13>1 2024-01-01T00:00:00Z h a - - - m", "syslog: invalid timestamp"),
    ])
    func failures(_ parser: String, _ line: String, _ reason: String) {
        let event = ParsedEvent.run(parser, line)
        #expect(event.failed)
        #expect(event["@error_msg"] == reason)
        #expect(event.fields.count == 4)
    }
}
