import Testing
@testable import Gateway

@Suite struct HECAckTableTests {
    func issued(_ table: inout HECAckTable, _ channel: String, at now: Int64 = 0) throws -> UInt64 {
        try table.issue(channel: channel, nowMillis: now).get()
    }

    @Test func idsIncreasePerChannelAndAreNeverReused() throws {
        var table = HECAckTable(firstId: 500)
        let a0 = try issued(&table, "a"), a1 = try issued(&table, "a"), b0 = try issued(&table, "b"), a2 = try issued(&table, "a")
        #expect(a0 == 500 && a1 > a0 && a2 > a1)
        #expect(Set([a0, a1, a2, b0]).count == 4)
        #expect(table.pendingTotal == 4 && table.channelCount == 2)
    }

    @Test func anIdIsTrueOnlyOnceDurableAndReportedOnce() throws {
        var table = HECAckTable()
        let id = try issued(&table, "c")
        #expect(table.query(channel: "c", ids: [id], nowMillis: 1).map(\.durable) == [false])
        table.settle(channel: "c", id: id, durable: true)
        // Listed twice in one query: true both times; then forgotten.
        #expect(table.query(channel: "c", ids: [id, id], nowMillis: 2).map(\.durable) == [true, true])
        #expect(table.query(channel: "c", ids: [id], nowMillis: 3).map(\.durable) == [false])
        #expect(table.pendingTotal == 0)
    }

    @Test func aFailedRequestNeverTurnsTrue() throws {
        var table = HECAckTable()
        let failed = try issued(&table, "c"), good = try issued(&table, "c")
        table.settle(channel: "c", id: failed, durable: false)
        // A late or repeated settle of a forgotten id does not bring it back.
        table.settle(channel: "c", id: failed, durable: true)
        table.settle(channel: "c", id: good, durable: true)
        let answers = table.query(channel: "c", ids: [failed, good], nowMillis: 1)
        #expect(answers.map(\.durable) == [false, true])
        #expect(table.pendingTotal == 0)
    }

    @Test func idsOfAnotherChannelOrUnknownOnesAnswerFalse() throws {
        var table = HECAckTable()
        let id = try issued(&table, "a")
        table.settle(channel: "a", id: id, durable: true)
        #expect(table.query(channel: "b", ids: [id], nowMillis: 1).map(\.durable) == [false])
        #expect(table.query(channel: "a", ids: [id + 7], nowMillis: 1).map(\.durable) == [false])
        #expect(table.query(channel: "a", ids: [id], nowMillis: 1).map(\.durable) == [true])
    }

    @Test func perChannelAndTotalLimitsRefuseUntilReported() throws {
        var limits = HECAckTable.Limits()
        limits.maxPendingPerChannel = 2
        limits.maxPendingTotal = 3
        limits.maxChannels = 3
        var table = HECAckTable(limits: limits)
        let a0 = try issued(&table, "a")
        _ = try issued(&table, "a")
        #expect(table.issue(channel: "a", nowMillis: 0) == .failure(.channelFull))
        _ = try issued(&table, "b")
        #expect(table.issue(channel: "c", nowMillis: 0) == .failure(.tableFull))
        // Durable but not yet reported still counts; reporting frees the room.
        table.settle(channel: "a", id: a0, durable: true)
        #expect(table.issue(channel: "c", nowMillis: 0) == .failure(.tableFull))
        _ = table.query(channel: "a", ids: [a0], nowMillis: 0)
        #expect((try? issued(&table, "a")) != nil)
        #expect(table.pendingTotal == 3)
    }

    @Test func channelCountIsLimited() throws {
        var limits = HECAckTable.Limits()
        limits.maxChannels = 1
        var table = HECAckTable(limits: limits)
        _ = try issued(&table, "a")
        #expect(table.issue(channel: "b", nowMillis: 0) == .failure(.tooManyChannels))
        #expect((try? issued(&table, "a")) != nil)
    }

    @Test func idleChannelsExpireWithTheirIds() throws {
        var limits = HECAckTable.Limits()
        limits.idleMillis = 1000
        var table = HECAckTable(limits: limits)
        let old = try issued(&table, "old", at: 0)
        _ = try issued(&table, "busy", at: 0)
        // A poll keeps a channel alive as a post does.
        _ = table.query(channel: "busy", ids: [], nowMillis: 900)
        #expect(table.expire(nowMillis: 1000) == 1)
        #expect(table.channelCount == 1 && table.pendingTotal == 1)
        // A settle after the expiry is ignored; the id answers false.
        table.settle(channel: "old", id: old, durable: true)
        #expect(table.query(channel: "old", ids: [old], nowMillis: 1001).map(\.durable) == [false])
        // The channel comes back on its next post, with a new id.
        #expect(try issued(&table, "old", at: 1002) > old)
    }
}

@Suite struct HECAcknowledgementsTests {
    func channel(header: String?, query: String?) -> HECAcknowledgements.ChannelLookup {
        func with(_ text: String?, _ body: (UnsafeRawBufferPointer?) -> HECAcknowledgements.ChannelLookup) -> HECAcknowledgements.ChannelLookup {
            guard let text else { return body(nil) }
            return Array(text.utf8).withUnsafeBytes { body($0) }
        }
        return with(header) { header in with(query) { HECAcknowledgements.channel(header: header, query: $0) } }
    }

    @Test func theChannelComesFromTheHeaderOrTheQuery() {
        let guid = "0A6D7D4B-7C3B-4F2A-9E3C-1B2C3D4E5F60"
        #expect(channel(header: guid, query: nil) == .found(guid))
        #expect(channel(header: nil, query: "a=1&channel=\(guid)") == .found(guid))
        #expect(channel(header: nil, query: "a=1") == .missing)
        #expect(channel(header: nil, query: nil) == .missing)
        #expect(channel(header: nil, query: "channel=") == .missing)
        #expect(channel(header: "bad channel", query: nil) == .invalid)
        #expect(channel(header: String(repeating: "a", count: 129), query: nil) == .invalid)
    }

    @Test func queriedIdsAreReadFromTheAcksArray() {
        func ids(_ text: String) -> [UInt64]? { Array(text.utf8).withUnsafeBytes { HECAcknowledgements.queriedIds($0) } }
        #expect(ids(#"{"acks":[0,1,2]}"#) == [0, 1, 2])
        #expect(ids(#"{"other":{"x":1},"acks":[]}"#) == [])
        #expect(ids(#"{"acks":[-1]}"#) == nil)
        #expect(ids(#"{"acks":["1"]}"#) == nil)
        #expect(ids(#"{"nope":1}"#) == nil)
        #expect(ids("not json") == nil)
    }

    @Test func theAnswerBodyIsSplunks() {
        let body = HECAcknowledgements.answerBody([(0, true), (17, false)])
        #expect(String(decoding: body, as: UTF8.self) == #"{"acks":{"0":true,"17":false}}"#)
    }
}
