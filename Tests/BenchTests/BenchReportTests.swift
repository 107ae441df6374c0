import Foundation
import Testing
@testable import Bench

@Suite struct BenchReportTests {
    func sample() -> (BenchResult, BenchConfiguration) {
        var result = BenchResult()
        result.requests = 1500
        result.events = 150_000
        result.bodyBytes = 3_000_000
        result.rawBodyBytes = 9_000_000
        result.seconds = 1.5
        result.cpuSeconds = 0.5
        for _ in 0..<1000 { result.latencies.record(nanos: 2_000_000) }
        for _ in 0..<500 { result.latencies.record(nanos: 8_000_000) }
        result.statusCounts = [200: 1400, 503: 100]
        result.errorCounts = [.closed: 2]
        var configuration = BenchConfiguration(url: BenchURL(host: "h", port: 1, path: ""))
        configuration.batch = 100
        configuration.gzip = true
        return (result, configuration)
    }

    @Test func jsonCarriesTheDocumentedFields() throws {
        let (result, configuration) = sample()
        let text = BenchReport.json(result, configuration: configuration)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["requests"] as? Int == 1500)
        #expect(object["events"] as? Int == 150_000)
        #expect(object["bytes"] as? Int == 3_000_000)
        #expect(object["raw_bytes"] as? Int == 9_000_000)
        #expect(object["seconds"] as? Double == 1.5)
        #expect(object["requests_per_second"] as? Double == 1000)
        #expect(object["events_per_second"] as? Double == 100_000)
        #expect(object["mb_per_second"] as? Double == 2)
        #expect(object["requests_per_cpu_second"] as? Double == 3000)
        #expect(object["status"] as? [String: Int] == ["200": 1400, "503": 100])
        #expect(object["errors"] as? Int == 2)
        #expect(object["error_kinds"] as? [String: Int] == ["closed": 2])
        #expect(object["offered_rate"] is NSNull)
        let latency = try #require(object["latency_ms"] as? [String: Double])
        #expect(Set(latency.keys) == ["p50", "p90", "p99", "p999", "max", "mean"])
        #expect(abs(latency["p50"]! - 2) < 0.01 && abs(latency["p99"]! - 8) < 0.01)
    }

    @Test func summaryNamesEveryFigure() {
        let (result, configuration) = sample()
        let text = BenchReport.summary(result, configuration: configuration)
        for piece in ["1500 in 1.50 s = 1000 req/s", "100000 events/s", "2.0 MB/s (gzip; 9.0 MB before)",
                      "p50 2.00", "p99 8.00", "200: 1400  503: 100", "errors     2 (closed 2)", "closed loop"] {
            #expect(text.contains(piece), "\(piece)")
        }
    }

    @Test(arguments: [(0.0, 3, "0.000"), (1.5, 0, "2"), (2.25, 1, "2.3"), (1234.5678, 2, "1234.57"), (0.0005, 3, "0.001"), (-1.25, 1, "-1.3")])
    func fixedPointFormatting(_ value: Double, _ digits: Int, _ expected: String) {
        #expect(BenchReport.format(value, digits) == expected)
    }
}
