// WAL suite: WALRecordEncoder.encode of a 1000-event batch (the events of the structured ingest body, with
// their parsed fields and timestamps): layout plus LZ4 compression into a reused scratch, then the record's
// own exact-size buffer. Figures per event (scaling 1000). Expect 1 malloc per record (the record's bytes),
// none per event. Disk writes and fsync are `sluice wal bench` (perf/wal-bench.md).
import Benchmark
import EventModel
import IngestFormats
import SluiceBenchmarkSupport
import WAL

let benchmarks: @Sendable () -> Void = {
    let configuration = SluiceBenchmarkConfiguration.configuration(scalingFactor: .kilo)
    let events = BenchmarkScalingFactor.kilo.rawValue

    Benchmark("encode-1000-event-batch", configuration: configuration) { benchmark in
        var batch = EventBatch()
        var decoder = IngestDecoder()
        Corpus.structuredBody(events: events).withUnsafeBytes { body in
            try! decoder.decode(.structured, body: body, context: DecodeContext(ingestMillis: 1_700_000_000_000),
                                into: &batch)
        }
        precondition(batch.count == events, "the batch must hold \(events) events")
        var encoder = WALRecordEncoder()
        let warm = try! encoder.encode(batch)  // outside the measurement: the scratch buffers reach their size
        precondition(warm.eventCount == events && warm.bytes.count < warm.uncompressedBytes)
        benchmark.startMeasurement()
        let record = try! encoder.encode(batch)
        benchmark.stopMeasurement()
        blackHole(record.bytes.count)
    }
}
