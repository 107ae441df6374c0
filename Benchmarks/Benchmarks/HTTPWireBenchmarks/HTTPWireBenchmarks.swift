// HTTP wire suite: the per-request work of the event loop before and after the body.
// - parseHead: a typical 9-field structured-ingest request head, parsed into a reused RequestHead (a
//   connection's steady state); time and mallocs per head (1000 heads per measured iteration).
// - ResponseWriter.append: the 200 answer to an ingest request into a reused output buffer, per answer.
// Expect 0 mallocs: both reuse their storage, and the committed thresholds fail the check on any allocation.
import Benchmark
import HTTPWire
import SluiceBenchmarkSupport

let benchmarks: @Sendable () -> Void = {
    let configuration = SluiceBenchmarkConfiguration.configuration(scalingFactor: .kilo)
    let request = Corpus.ingestRequestHead
    let limits = HTTPLimits()

    Benchmark("parseHead-ingest-request", configuration: configuration) { benchmark in
        var head = RequestHead()
        request.withUnsafeBytes { bytes in
            // Outside the measurement: the head's field storage reaches its working size, as on a connection.
            guard case .complete = RequestParser.parseHead(bytes, limits: limits, into: &head) else {
                fatalError("the benchmark request head must parse")
            }
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(RequestParser.parseHead(bytes, limits: limits, into: &head))
            }
            benchmark.stopMeasurement()
        }
    }

    Benchmark("ResponseWriter.append-200", configuration: configuration) { benchmark in
        var out = [UInt8]()
        out.reserveCapacity(256)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            out.removeAll(keepingCapacity: true)
            ResponseWriter.append(status: 200, body: "{}", keepAlive: true, into: &out)
            blackHole(out.count)
        }
        benchmark.stopMeasurement()
    }
}
