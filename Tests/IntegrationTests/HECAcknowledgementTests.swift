import Foundation
import Testing

/// Splunk HEC indexer acknowledgements against the real binary: a client that posts on a channel and polls
/// `/services/collector/ack` the way Splunk's shippers do (Vector, the OTel splunkhec exporter), the
/// channel rules, per-token switching in the snapshot, and that no id turns true wrongly across a SIGKILL.
@Suite(.serialized) struct HECAcknowledgementTests {
    /// A shipper on one channel: posts, keeps the `ackId`s, polls until they are true.
    struct AckShipper {
        let port: UInt16
        let token: String
        let channel: String
        let client: RawHTTPClient

        init(port: UInt16, token: String, channel: String = UUID().uuidString) throws {
            self.port = port
            self.token = token
            self.channel = channel
            client = try RawHTTPClient(port: port)
        }

        func post(_ events: [String], channelInQuery: Bool = false) throws -> HTTPAnswer {
            let body = events.map { #"{"event":"\#($0)"}"# }.joined()
            var headers = ["Authorization": "Splunk \(token)"]
            if !channelInQuery { headers["X-Splunk-Request-Channel"] = channel }
            let path = channelInQuery ? "/services/collector/event?channel=\(channel)" : "/services/collector/event"
            return try client.request("POST", path, headers: headers, body: Array(body.utf8))
        }

        func ackId(_ answer: HTTPAnswer) throws -> UInt64 {
            let object = try #require(try answer.json() as? [String: Any], "\(answer.text)")
            #expect(object["code"] as? Int == 0 && object["text"] as? String == "Success", "\(answer.text)")
            return try #require((object["ackId"] as? NSNumber)?.uint64Value, "\(answer.text)")
        }

        func query(_ ids: [UInt64], client: RawHTTPClient? = nil) throws -> [UInt64: Bool] {
            let body = Array(#"{"acks":[\#(ids.map(String.init).joined(separator: ","))]}"#.utf8)
            let answer = try (client ?? self.client).request("POST", "/services/collector/ack",
                                                               headers: ["Authorization": "Splunk \(token)", "X-Splunk-Request-Channel": channel], body: body)
            #expect(answer.status == 200, "\(answer.text)")
            let acks = try #require((try answer.json() as? [String: Any])?["acks"] as? [String: Bool], "\(answer.text)")
            return Dictionary(uniqueKeysWithValues: acks.map { (UInt64($0.key)!, $0.value) })
        }

        /// Polls every 100 ms (on a connection of its own, as pollers do) until every id was reported true once.
        func pollUntilTrue(_ ids: [UInt64], seconds: Double = 20) throws {
            let poller = try RawHTTPClient(port: port)
            var waiting = Set(ids)
            let deadline = Date().addingTimeInterval(seconds)
            while !waiting.isEmpty, Date() < deadline {
                for (id, durable) in try query(Array(waiting), client: poller) where durable { waiting.remove(id) }
                if !waiting.isEmpty { usleep(100_000) }
            }
            #expect(waiting.isEmpty, "ids never acknowledged: \(waiting.sorted())")
        }
    }

    static func hecBody(_ answer: HTTPAnswer) -> (code: Int?, text: String?) {
        let object = (try? answer.json()) as? [String: Any]
        return (object?["code"] as? Int, object?["text"] as? String)
    }

    @Test func aShipperPollsUntilEveryAckIsTrueAndTheEventsAreStored() throws {
        let server = try SluiceProcess(arguments: ["--hec-acks", "--fsync", "always"])
        defer { _ = server.stop() }
        let token = try #require(try server.bootstrapCredentials()["ingestToken"])
        let shipper = try AckShipper(port: server.port, token: token)
        var ids: [UInt64] = []
        for batch in 0..<30 {
            let answer = try shipper.post((0..<10).map { "ack-\(batch)-\($0)" }, channelInQuery: batch % 3 == 0)
            #expect(answer.status == 200, "\(answer.text)")
            ids.append(try shipper.ackId(answer))
        }
        #expect(ids == ids.sorted() && Set(ids).count == ids.count, "ackIds increase on a channel: \(ids)")
        try shipper.pollUntilTrue(ids)
        // Reported once: a second query of the same ids answers false.
        #expect(try shipper.query(ids).values.allSatisfy { !$0 })
        #expect(server.stop() == 0)
        let stored = Set(try StoredEvents.read(dataDirectory: server.dataDirectory, repository: "sandbox").map(\.rawstring))
        #expect(stored.count == 300 && stored.contains("ack-29-9"))
    }

    @Test func aRequestWithoutAChannelIsRefusedWithCode10() throws {
        let server = try SluiceProcess(arguments: ["--hec-acks"])
        defer { _ = server.stop() }
        let token = try #require(try server.bootstrapCredentials()["ingestToken"])
        let client = try RawHTTPClient(port: server.port)
        let missing = try client.request("POST", "/services/collector/event", headers: ["Authorization": "Splunk \(token)"],
                                         body: Array(#"{"event":"x"}"#.utf8))
        #expect(missing.status == 400)
        #expect(Self.hecBody(missing) == (10, "Data channel is missing"))
        let invalid = try client.request("POST", "/services/collector/event", headers: ["Authorization": "Splunk \(token)", "X-Splunk-Request-Channel": "a b"],
                                         body: Array(#"{"event":"x"}"#.utf8))
        #expect(invalid.status == 400 && Self.hecBody(invalid).code == 11)
        let poll = try client.request("POST", "/services/collector/ack", headers: ["Authorization": "Splunk \(token)"], body: Array(#"{"acks":[0]}"#.utf8))
        #expect(poll.status == 400 && Self.hecBody(poll).code == 10)
        let garbage = try client.request("POST", "/services/collector/ack", headers: ["Authorization": "Splunk \(token)", "X-Splunk-Request-Channel": "c"],
                                         body: Array(#"{"acks":"0"}"#.utf8))
        #expect(garbage.status == 400 && Self.hecBody(garbage).code == 6)
        // The LogScale endpoints are not HEC and need no channel.
        let raw = try client.request("POST", "/api/v1/ingest/raw", headers: ["Authorization": "Bearer \(token)"], body: Array("x".utf8))
        #expect(raw.status == 200)
        #expect(server.stop() == 0)
        #expect(try StoredEvents.read(dataDirectory: server.dataDirectory, repository: "sandbox").map(\.rawstring) == ["x"])
    }

    @Test func onlyTokensMarkedInTheSnapshotUseAcknowledgements() throws {
        let data = SluiceProcess.makeDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let first = try SluiceProcess(dataDirectory: data)
        let token = try #require(try first.bootstrapCredentials()["ingestToken"])
        let client = try RawHTTPClient(port: first.port)
        // Without the field: answered at once, no ackId, and the ack endpoint says acknowledgements are off.
        let plain = try client.request("POST", "/services/collector/event", headers: ["Authorization": "Splunk \(token)"], body: Array(#"{"event":"plain"}"#.utf8))
        #expect(plain.status == 200 && plain.text == #"{"text":"Success","code":0}"#)
        let disabled = try client.request("POST", "/services/collector/ack", headers: ["Authorization": "Splunk \(token)", "X-Splunk-Request-Channel": "c"],
                                          body: Array(#"{"acks":[0]}"#.utf8))
        #expect(disabled.status == 400 && Self.hecBody(disabled) == (14, "ACK is disabled"))
        #expect(first.stop() == 0)

        // Mark the bootstrap token in the snapshot file and start again.
        let path = data + "/tokens.json"
        var text = try String(contentsOfFile: path, encoding: .utf8)
        let tokenField = "\"token\": \"\(token)\""
        #expect(text.contains(tokenField), "the snapshot stores the token as \(tokenField)")
        text = text.replacingOccurrences(of: tokenField, with: tokenField + ", \"hecAcknowledgements\": true")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let second = try SluiceProcess(dataDirectory: data)
        defer { _ = second.stop() }
        let shipper = try AckShipper(port: second.port, token: token)
        let answer = try shipper.post(["acked"])
        try shipper.pollUntilTrue([try shipper.ackId(answer)])
        // Kept when the snapshot is written back (a token listing rewrites nothing, but the codec round-trips it).
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains("\"hecAcknowledgements\": true"))
    }

    /// Requests in flight when the gateway is killed: every id reported true has its events in the WAL after
    /// the restart, and the ids from before the kill answer false afterwards (never true), also once the
    /// restarted gateway acknowledges new requests on the same channel.
    @Test func acksStayFalseAcrossASIGKILLAndEveryTrueOneIsStored() throws {
        let data = SluiceProcess.makeDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let channel = UUID().uuidString
        let server = try SluiceProcess(dataDirectory: data, arguments: ["--hec-acks", "--fsync", "always"])
        let token = try #require(try server.bootstrapCredentials()["ingestToken"])
        let shipper = try AckShipper(port: server.port, token: token, channel: channel)
        var markers: [UInt64: String] = [:]
        var reportedTrue = Set<UInt64>()
        for batch in 0..<200 {
            let marker = "kill-\(batch)"
            let answer = try shipper.post([marker, marker + "-b"])
            #expect(answer.status == 200, "\(answer.text)")
            markers[try shipper.ackId(answer)] = marker
            if batch % 20 == 19 {
                for (id, durable) in try shipper.query(Array(markers.keys)) where durable { reportedTrue.insert(id) }
            }
        }
        // The last posts are still on their way when the kill comes (or not: either way nothing may lie).
        server.kill9()
        let restarted = try SluiceProcess(dataDirectory: data, arguments: ["--hec-acks", "--fsync", "always"])
        defer { _ = restarted.stop() }
        let again = try AckShipper(port: restarted.port, token: token, channel: channel)
        let fresh = try again.ackId(try again.post(["after-restart"]))
        #expect(markers[fresh] == nil, "an id from before the restart was handed out again")
        try again.pollUntilTrue([fresh])
        let old = Array(markers.keys)
        #expect(try again.query(old).values.allSatisfy { !$0 }, "an id from before the kill answered true")
        #expect(restarted.stop() == 0)
        let stored = Set(try StoredEvents.read(dataDirectory: data, repository: "sandbox").map(\.rawstring))
        #expect(!reportedTrue.isEmpty)
        for id in reportedTrue { #expect(stored.contains(markers[id]!), "ack \(id) was true but \(markers[id]!) is not stored") }
    }
}
