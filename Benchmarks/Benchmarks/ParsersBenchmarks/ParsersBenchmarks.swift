// Parser suite: the kv, json, accesslog and syslog-utc built-in pipelines over 1000 reproducible lines (logfmt,
// Kubernetes-style JSON, nginx combined, RFC 3164 sshd; the lines of perf/ParsersBench), each line copied into the
// batch and parsed as a decoder does it; figures per event (scaling 1000). And one ISO-8601 timestamp parse, over
// 1024 distinct strings with 6-digit fractions and Z/+02:00/-0530 offsets, per parse. Expect 0 mallocs.
import Benchmark
import EventModel
import Parsers
import SluiceBenchmarkSupport

let benchmarks: @Sendable () -> Void = {
    let configuration = SluiceBenchmarkConfiguration.configuration(scalingFactor: .kilo)
    let registry = ParserRegistry.builtins

    for kind in Corpus.LineKind.allCases {
        let lines = Corpus.lines(kind, count: BenchmarkScalingFactor.kilo.rawValue)
        let pipeline = registry.pipeline(named: kind.parserName)!
        Benchmark("parse-\(kind.parserName)-line", configuration: configuration) { benchmark in
            var batch = EventBatch(reservingArena: 1 << 20, events: lines.count, fields: 32 * lines.count)
            let scratch = ParseScratch()
            func parseAll() {
                batch.removeAll()
                for line in lines {
                    line.withUnsafeBytes { _ = batch.beginEvent(rawstring: $0, ingestMillis: 1_795_910_400_000) }
                    pipeline.parse(&batch, scratch: scratch)
                }
            }
            parseAll()  // outside the measurement: the parse scratch reaches its working size
            precondition(batch.count == lines.count && batch.lastEvent.fieldCount >= 8,
                         "every \(kind.rawValue) line must parse into fields")
            benchmark.startMeasurement()
            parseAll()
            benchmark.stopMeasurement()
        }
    }

    let timestamps = Corpus.iso8601Timestamps(count: 1024)
    Benchmark("parse-ISO-8601-timestamp", configuration: configuration) { benchmark in
        var checksum: Int64 = 0
        for index in benchmark.scaledIterations {
            timestamps[index & 1023].withUnsafeBytes { checksum &+= TimestampParser.iso8601($0)?.millis ?? 0 }
        }
        blackHole(checksum)
    }
}
