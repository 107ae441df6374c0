// Ingest decoder suite: IngestDecoder.decode of 1000-event bodies: humio-structured, Splunk HEC (string events,
// sourcetype kv, so the kv parser runs on each) and Elasticsearch _bulk (index actions), appended to a reused
// EventBatch — the gateway's steady state. One measured iteration decodes one body; figures are per event (scaling
// 1000), so throughput is events/s. Expect 0 mallocs: the batch's arena and arrays keep their working size.
import Benchmark
import EventModel
import IngestFormats
import SluiceBenchmarkSupport

let benchmarks: @Sendable () -> Void = {
    let configuration = SluiceBenchmarkConfiguration.configuration(scalingFactor: .kilo)
    let events = BenchmarkScalingFactor.kilo.rawValue
    let context = DecodeContext(ingestMillis: 1_700_000_000_000)

    for (name, format, body) in [("structured", IngestFormat.structured, Corpus.structuredBody(events: events)),
                                 ("hec", IngestFormat.hec, Corpus.hecBody(events: events)),
                                 ("bulk", IngestFormat.elasticBulk, Corpus.bulkBody(events: events))] {
        Benchmark("decode-\(name)-1000-events", configuration: configuration) { benchmark in
            var decoder = IngestDecoder()
            var batch = EventBatch()
            body.withUnsafeBytes { bytes in
                // Outside the measurement: the batch and the decoder's buffers reach their working size.
                for _ in 0..<2 {
                    batch.removeAll()
                    try! decoder.decode(format, body: bytes, context: context, into: &batch)
                }
                precondition(batch.count == events, "the body must decode to \(events) events")
                benchmark.startMeasurement()
                batch.removeAll()
                try! decoder.decode(format, body: bytes, context: context, into: &batch)
                benchmark.stopMeasurement()
            }
            precondition(batch.count == events)
        }
    }
}
