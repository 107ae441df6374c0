import Foundation
import Testing

/// Every ingest endpoint against the real server, then a read-back of what was stored through
/// `sluice wal cat`.
@Suite(.serialized) struct IngestEndpointTests {
    let server: SluiceProcess
    let token: String
    let apiToken: String

    init() throws {
        server = try SluiceProcess(arguments: ["--fsync", "always"])
        let credentials = try server.bootstrapCredentials()
        token = try #require(credentials["ingestToken"])
        apiToken = try #require(credentials["apiToken"])
    }

    func post(_ path: String, _ body: String, headers: [String: String]? = nil) throws -> HTTPAnswer {
        let client = try RawHTTPClient(port: server.port)
        return try client.request("POST", path, headers: headers ?? ["Authorization": "Bearer \(token)"], body: Array(body.utf8))
    }

    /// Events stored in the sandbox repository, as `sluice wal cat` prints them.
    func storedEvents(repository: String = "sandbox") throws -> [[String: Any]] {
        let result = try SluiceProcess.run(["wal", "cat", "--data", server.dataDirectory, "--repo", repository])
        if result.status != 0 && result.stderr.contains("no log for repository") { return [] }
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    @Test func structuredEventsAreStoredAsSent() throws {
        let body = """
            [{"tags":{"host":"web1"},"events":[{"timestamp":"2026-11-28T10:00:00.123456+01:00","attributes":{"status":"200","path":"/x"},"rawstring":"GET /x 200"}]}]
            """
        let answer = try post("/api/v1/ingest/humio-structured", body)
        #expect(answer.status == 200)
        #expect(answer.text == "{}")
        let event = try #require(try storedEvents().last)
        #expect(event["@rawstring"] as? String == "GET /x 200")
        #expect(event["status"] as? String == "200")
        #expect(event["#host"] as? String == "web1")
        #expect((event["@timestamp"] as? NSNumber)?.int64Value == 1_795_856_400_123)
        #expect((event["@timestamp.nanos"] as? NSNumber)?.intValue == 456_000)
        #expect(event["@timezone"] as? String == "+01:00")
    }

    @Test func structuredEventsWithoutRawstringReadAsTheirAttributes() throws {
        let body = """
            [{"tags":{"host":"web2"},"events":[
              {"timestamp":1795856400000,"attributes":{"status":503,"user":{"id":"u1","roles":["a","b"]},"msg":"say \\"hi\\""}},
              {"timestamp":1795856400001,"attributes":{"n":1},"rawstring":null},
              {"timestamp":1795856400002,"attributes":{"n":2},"rawstring":"kept as sent"}]}]
            """
        #expect(try post("/api/v1/ingest/humio-structured", body).status == 200)
        let events = try storedEvents().suffix(3)
        let first = try #require(events.first)
        let raw = try #require(first["@rawstring"] as? String)
        let rendered = try #require(try JSONSerialization.jsonObject(with: Data(raw.utf8)) as? [String: Any], "\(raw)")
        #expect((rendered["status"] as? NSNumber)?.intValue == 503)
        #expect((rendered["user"] as? [String: Any])?["roles"] as? [String] == ["a", "b"])
        #expect(rendered["msg"] as? String == #"say "hi""#)
        #expect(rendered["host"] == nil && rendered["#host"] == nil, "tags are not attributes")
        #expect(first["status"] as? String == "503")
        #expect(first["user.id"] as? String == "u1")
        #expect(first["msg"] as? String == #"say "hi""#)
        #expect(first["#host"] as? String == "web2")
        #expect(events.dropFirst().map { $0["@rawstring"] as? String } == [#"{"n":1}"#, "kept as sent"])
        let verify = try SluiceProcess.run(["wal", "verify", "--data", server.dataDirectory])
        #expect(verify.status == 0, "\(verify.stdout)")
    }

    @Test func aHECRawLineIsParsedAsTheSameLineSentOtherWays() throws {
        let line = #"2026-11-28T10:00:00.250Z level=warn msg="disk low" free=12"#
        let escaped = line.replacingOccurrences(of: "\"", with: "\\\"")
        let splunk = ["Authorization": "Splunk \(token)"]
        #expect(try post("/services/collector/raw", line + "\n", headers: splunk).status == 200)
        #expect(try post("/services/collector/event", #"{"event":"\#(escaped)"}"#, headers: splunk).status == 200)
        #expect(try post("/api/v1/ingest/humio-unstructured", #"[{"messages":["\#(escaped)"]}]"#).status == 200)
        let events = try storedEvents().suffix(3).map { event in event.filter { $0.key != "@ingesttimestamp" } }
        #expect(events.count == 3)
        let raw = try #require(events.first)
        #expect(raw["level"] as? String == "warn")
        #expect(raw["msg"] as? String == "disk low")
        #expect((raw["@timestamp"] as? NSNumber)?.int64Value == 1_795_860_000_250)
        for other in events.dropFirst() {
            #expect(NSDictionary(dictionary: raw).isEqual(to: other), "raw \(raw) vs \(other)")
        }
    }

    @Test func unstructuredMessagesAreParsedWithKv() throws {
        let body = #"[{"fields":{"env":"prod"},"messages":["2026-11-28T10:00:00Z level=warn msg=\"disk low\"","2026-11-28T10:00:01Z level=info"]}]"#
        #expect(try post("/api/v1/ingest/humio-unstructured", body).status == 200)
        let events = try storedEvents().suffix(2)
        #expect(events.map { $0["level"] as? String } == ["warn", "info"])
        #expect(events.first?["msg"] as? String == "disk low")
        #expect(events.allSatisfy { $0["env"] as? String == "prod" })
    }

    @Test func rawBodyIsOneEventAndThePathTokenWorks() throws {
        #expect(try post("/api/v1/ingest/raw", "line one\nline two").status == 200)
        #expect(try post("/api/v1/ingest/raw/\(token)", "via path", headers: [:]).status == 200)
        let events = try storedEvents().suffix(2)
        #expect(events.map { $0["@rawstring"] as? String } == ["line one\nline two", "via path"])
    }

    @Test func hecEventsAndRaw() throws {
        let body = ##"{"time":1795856400.5,"event":"a=1 b=two","host":"h1","source":"s1","fields":{"#env":"prod","k":"v"}} {"event":{"x":"y"}}"##
        let answer = try post("/services/collector/event", body, headers: ["Authorization": "Splunk \(token)"])
        #expect(answer.status == 200)
        #expect(answer.text == #"{"text":"Success","code":0}"#)
        let raw = try post("/services/collector/raw", "first\r\nsecond\n", headers: ["Authorization": "Splunk \(token)"])
        #expect(raw.status == 200)
        let events = try storedEvents().suffix(4)
        let first = events[events.startIndex]
        #expect((first["@timestamp"] as? NSNumber)?.int64Value == 1_795_856_400_500)
        #expect(first["a"] as? String == "1")
        #expect(first["@host"] as? String == "h1")
        #expect(first["#env"] as? String == "prod")
        #expect(events[events.startIndex + 1]["x"] as? String == "y")
        #expect(events.suffix(2).map { $0["@rawstring"] as? String } == ["first", "second"])
    }

    @Test func thousandAccessLogLinesAreParsedStoredAndVerified() throws {
        let lines = (0..<1000).map { index in
            "10.1.\(index % 250).\(index % 7) - - [28/Nov/2026:10:\(String(format: "%02d", index / 60 % 60)):\(String(format: "%02d", index % 60)) +0000] "
                + "\\\"GET /api/items/\(index)?page=\(index % 9) HTTP/1.1\\\" \(200 + index % 3) \(1000 + index) \\\"-\\\" \\\"curl/8.5\\\" 0.0\(index % 10)"
        }
        let body = "[{\"type\":\"accesslog\",\"messages\":[" + lines.map { "\"\($0)\"" }.joined(separator: ",") + "]}]"
        #expect(try post("/api/v1/ingest/humio-unstructured", body).status == 200)
        let events = try storedEvents().suffix(1000)
        #expect(events.count == 1000)
        #expect(events.last?["url"] as? String == "/api/items/999?page=0")
        #expect(events.first?["statuscode"] as? String == "200")
        let verify = try SluiceProcess.run(["wal", "verify", "--data", server.dataDirectory])
        #expect(verify.status == 0, "\(verify.stdout)")
    }

    @Test func elasticBulkAnswersPerItem() throws {
        let body = """
            {"index":{"_index":"sandbox"}}
            {"@timestamp":"2026-11-28T10:00:00Z","message":"one","nested":{"a":1}}
            {"create":{}}
            {"message":"two"}
            {"delete":{"_id":"1"}}

            """
        let answer = try post("/_bulk", body)
        #expect(answer.status == 200)
        #expect(answer.headers["x-elastic-product"] == "Elasticsearch")
        let object = try #require(try answer.json() as? [String: Any])
        #expect(object["errors"] as? Bool == true)
        let items = try #require(object["items"] as? [[String: Any]])
        #expect(items.count == 3)
        #expect((items[0]["index"] as? [String: Any])?["status"] as? Int == 201)
        #expect((items[1]["create"] as? [String: Any])?["status"] as? Int == 201)
        #expect(((items[2]["delete"] as? [String: Any])?["status"] as? Int ?? 0) >= 400)
        let events = try storedEvents().suffix(2)
        #expect(events.map { $0["message"] as? String } == ["one", "two"])
        #expect(events.first?["nested.a"] as? String == "1")
    }

    /// Elasticsearch shippers always name an index; with a repository token it is kept as `#index`.
    @Test func bulkIndexNamesAreKeptAsATagForRepositoryTokens() throws {
        let body = """
            {"index":{"_index":"filebeat-8.11.0-2026.11.29"}}
            {"message":"from filebeat"}

            """
        let answer = try post("/filebeat-8.11.0/_bulk", body)
        #expect(answer.status == 200)
        #expect((try answer.json() as? [String: Any])?["errors"] as? Bool == false)
        let event = try #require(try storedEvents().last)
        #expect(event["message"] as? String == "from filebeat")
        #expect(event["#index"] as? String == "filebeat-8.11.0-2026.11.29")
        #expect(event["#repo"] == nil)
    }

    @Test func elasticHandshakeCarriesTheProductHeader() throws {
        let client = try RawHTTPClient(port: server.port)
        let answer = try client.request("GET", "/")
        #expect(answer.status == 200)
        #expect(answer.headers["x-elastic-product"] == "Elasticsearch")
        #expect(answer.text.contains("\"number\":\"8.11.0\""))
    }

    @Test func credentialsInEveryForm() throws {
        let basicPassword = Data("anything:\(token)".utf8).base64EncodedString()
        let basicUser = Data("\(token):".utf8).base64EncodedString()
        for header in ["Bearer \(token)", "Splunk \(token)", "Bozon \(token)", "Basic \(basicPassword)", "Basic \(basicUser)"] {
            #expect(try post("/api/v1/ingest/raw", "credential form", headers: ["Authorization": header]).status == 200, "\(header.prefix(6))")
        }
    }

    @Test func credentialFailuresAnswerWithoutEchoingTheToken() throws {
        let missing = try post("/services/collector/event", #"{"event":"x"}"#, headers: [:])
        #expect(missing.status == 401)
        #expect(missing.text.contains("\"code\":2"))
        let unknown = try post("/services/collector/event", #"{"event":"x"}"#, headers: ["Authorization": "Splunk not-a-real-token-value"])
        #expect(unknown.status == 403)
        #expect(unknown.text.contains("\"code\":4"))
        #expect(!unknown.text.contains("not-a-real-token-value"))
        let unknownLogScale = try post("/api/v1/ingest/raw", "x", headers: ["Authorization": "Bearer not-a-real-token-value"])
        #expect(unknownLogScale.status == 401)
        let personal = try post("/api/v1/ingest/raw", "x", headers: ["Authorization": "Bearer \(apiToken)"])
        #expect(personal.status == 403)
        #expect(personal.text.contains("personal"))
        #expect(!server.log.contains(token))
    }

    @Test func queryStringTokensAreRefusedAndNeverLogged() throws {
        let client = try RawHTTPClient(port: server.port)
        let answer = try client.request("POST", "/api/v1/ingest/raw?token=\(token)", body: Array("via query".utf8))
        #expect(answer.status == 401)
        #expect(!answer.text.contains(token))
        #expect(try storedEvents().isEmpty)
        #expect(!server.log.contains(token))
    }

    @Test func hecAcknowledgementsAreDisabled() throws {
        let answer = try post("/services/collector/ack", #"{"acks":[0]}"#, headers: ["Authorization": "Splunk \(token)"])
        #expect(answer.status == 400)
        #expect(answer.text == #"{"text":"ACK is disabled","code":14}"#)
    }

    @Test func malformedJSONIsRefusedWithItsOffsetAndNothingIsStored() throws {
        let before = try storedEvents().count
        let answer = try post("/api/v1/ingest/humio-structured", #"[{"events":[{"rawstring":"ok"}]}, {"events": [}]"#)
        #expect(answer.status == 400)
        #expect(answer.text.contains("at byte"))
        let hec = try post("/services/collector", #"{"event":"one"} {"event": oops}"#, headers: ["Authorization": "Splunk \(token)"])
        #expect(hec.status == 400)
        #expect(hec.text.contains("\"code\":6"))
        #expect(hec.text.contains("invalid-event-number"))
        #expect(try storedEvents().count == before)
    }

    @Test func repositoryTokenNamingAnotherIndexIsRefused() throws {
        let answer = try post("/services/collector", #"{"event":"x","index":"other"}"#, headers: ["Authorization": "Splunk \(token)"])
        #expect(answer.status == 400)
        #expect(answer.text.contains("\"code\":7"))
    }

    @Test func gzipBodiesAreDecoded() throws {
        let client = try RawHTTPClient(port: server.port)
        let compressed = try gzip(Array("compressed line".utf8))
        let answer = try client.request("POST", "/api/v1/ingest/raw", headers: ["Authorization": "Bearer \(token)", "Content-Encoding": "gzip"], body: compressed)
        #expect(answer.status == 200)
        #expect(try storedEvents().last?["@rawstring"] as? String == "compressed line")
    }

    @Test func gzipBombStopsAtTheLimitAndStoresNothing() throws {
        // 1 GiB of zeros, about 1 MiB compressed: decoding stops at the 32 MiB limit.
        let bomb = try ChildProcess.runBytes("/bin/sh", ["-c", "head -c 1073741824 /dev/zero | gzip -1"]).stdout
        let client = try RawHTTPClient(port: server.port)
        let answer = try client.request("POST", "/api/v1/ingest/raw", headers: ["Authorization": "Bearer \(token)", "Content-Encoding": "gzip"], body: bomb)
        #expect(answer.status == 413)
        #expect(try storedEvents().isEmpty)
    }

    @Test func zstdBodiesAreDecoded() throws {
        let client = try RawHTTPClient(port: server.port)
        let compressed = try ChildProcess.runBytes("/bin/sh", ["-c", "printf 'zstd line one\\nzstd line two' | zstd -q -c"]).stdout
        let answer = try client.request("POST", "/services/collector/raw", headers: ["Authorization": "Splunk \(token)", "Content-Encoding": "zstd"], body: compressed)
        #expect(answer.status == 200, "\(answer.text)")
        #expect(try storedEvents().suffix(2).map { $0["@rawstring"] as? String } == ["zstd line one", "zstd line two"])
    }

    @Test func zstdBombStopsAtTheLimitAndStoresNothing() throws {
        // 1 GiB of zeros, about 32 KiB of zstd: decoding stops at the 32 MiB limit.
        let bomb = try ChildProcess.runBytes("/bin/sh", ["-c", "head -c 1073741824 /dev/zero | zstd -1 -q -c"]).stdout
        let client = try RawHTTPClient(port: server.port)
        let answer = try client.request("POST", "/api/v1/ingest/raw", headers: ["Authorization": "Bearer \(token)", "Content-Encoding": "zstd"], body: bomb)
        #expect(answer.status == 413)
        #expect(try storedEvents().isEmpty)
    }

    @Test func bodySplitIntoManyWritesWithContinue() throws {
        let client = try RawHTTPClient(port: server.port)
        let body = Array(String(repeating: "x", count: 5000).utf8)
        try client.send("POST /api/v1/ingest/raw HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nExpect: 100-continue\r\nContent-Length: \(body.count)\r\n\r\n")
        #expect(try client.readAnswer().status == 100)
        for start in stride(from: 0, to: body.count, by: 700) {
            try client.send(Array(body[start..<min(start + 700, body.count)]))
        }
        #expect(try client.readAnswer().status == 200)
        #expect((try storedEvents().last?["@rawstring"] as? String)?.count == 5000)
    }

    @Test func metricsCountIngestPerRepositoryAndToken() throws {
        #expect(try post("/api/v1/ingest/raw", "counted").status == 200)
        let client = try RawHTTPClient(port: server.port)
        let metrics = try client.request("GET", "/metrics").text
        #expect(metrics.contains("sluice_ingest_events_total{repository=\"sandbox\""))
        #expect(!metrics.contains(token))
    }
}

/// gzip through the system's `gzip`, so the test does not share code with the server's decoder.
func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
    try ChildProcess.runBytes("/bin/gzip", ["-c"], stdin: bytes).stdout
}
