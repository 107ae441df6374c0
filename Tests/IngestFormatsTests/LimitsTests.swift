import Testing
@testable import IngestFormats
import EventModel

struct LimitsTests {
    @Test func anEventOverOneMebibyteIsTruncatedWithAnEllipsis() throws {
        let big = String(repeating: "x", count: (1 << 20) + 500)
        let events = try Harness.decode(.raw, big)
        #expect(events.count == 1)
        #expect(events[0].raw.utf8.count == 1 << 20)
        #expect(events[0].raw.hasSuffix("x..."))
    }

    @Test func truncationDropsFieldsButKeepsTagsAndTime() throws {
        var limits = DecodeLimits()
        limits.maxEventBytes = 40
        let body = #"{"event":"0123456789012345678901234567890123456789012345","index":"main","host":"h","time":1699995600,"timezone":"UTC"}"#
        let events = try Harness.decode(.hec, body, Harness.context(limits: limits))
        #expect(events == [Rendered(raw: "0123456789012345678901234567890123456...", millis: 1_699_995_600_000,
                                    zone: "UTC", fields: ["#repo=main", "#type=kv"])])
    }

    @Test func truncationCutsOnACharacterBoundary() throws {
        var limits = DecodeLimits()
        limits.maxEventBytes = 8
        let events = try Harness.decode(.raw, "aaaa日本語", Harness.context(limits: limits))
        #expect(events.map(\.raw) == ["aaaa..."])
    }

    /// Structured attributes point into the body's copy rather than being stored per event: they still
    /// count. The group's tags, stored once for all its events, do not.
    @Test(arguments: [
        (#"{"a":"0123456789012345678901234567890123456789"}"#, ["#env=prod"]),
        // 22 bytes of attributes: over by 2.
        (#"{"a":"0123456789","b":"0123456789"}"#, ["#env=prod"]),
        (#"{"a":"0123456789","b":"01234567"}"#, ["#env=prod", "a=0123456789", "b=01234567"]),
        (#"{"a":"0123456789","b":true}"#, ["#env=prod", "a=0123456789", "b=true"]),
        (#"{"a":"0123456789","b":{"c":"0123456789"}}"#, ["#env=prod"]),
    ])
    func structuredAttributesCountTowardTheLimit(_ attributes: String, _ kept: [String]) throws {
        var limits = DecodeLimits()
        limits.maxEventBytes = 20
        let body = #"[{"tags":{"env":"prod"},"events":[{"rawstring":"short","attributes":"# + attributes + "}]}]"
        let events = try Harness.decode(.structured, body, Harness.context(limits: limits))
        #expect(events.map(\.fields) == [kept])
        #expect(events.map(\.raw) == [kept.count == 1 ? "short..." : "short"])
    }

    @Test func objectEventsAreMeasuredByTheirLargerPart() throws {
        var limits = DecodeLimits()
        limits.maxEventBytes = 64
        // The raw JSON and its fields are each under the limit, together over it: kept whole.
        let body = #"{"a":"0123456789","b":"0123456789","c":"0123456789"}"#
        let events = try Harness.decode(.json, body, Harness.context(limits: limits))
        #expect(events.first?.raw == body)
        #expect(events.first?.fields.count == 3)
    }

    @Test func moreThanMaxFieldsKeepsTheFirstByName() throws {
        func padded(_ n: Int) -> String { String(repeating: "0", count: 4 - String(n).count) + String(n) }
        var members = (0..<9000).map { "\"f\(padded($0))\":\($0)" }
        members.reverse()
        members.append(##""#repo":"main""##)
        let events = try Harness.decode(.json, "{" + members.joined(separator: ",") + "}")
        #expect(events.count == 1)
        let fields = events[0].fields
        #expect(fields.count == 8000)
        #expect(fields.first == "#repo=main")
        #expect(fields[1] == "f0000=0")
        #expect(fields.last == "f7998=7998")
        #expect(fields.map { $0.split(separator: "=")[0] } == fields.map { $0.split(separator: "=")[0] }.sorted())
    }

    @Test func fewerFieldsKeepTheirOrder() throws {
        var limits = DecodeLimits()
        limits.maxFields = 3
        let events = try Harness.decode(.json, #"{"c":1,"a":2,"b":3}"#, Harness.context(limits: limits))
        #expect(events[0].fields == ["c=1", "a=2", "b=3"])
        let cut = try Harness.decode(.json, #"{"c":1,"a":2,"b":3,"d":4}"#, Harness.context(limits: limits))
        #expect(cut[0].fields == ["a=2", "b=3", "c=1"])
    }
}
