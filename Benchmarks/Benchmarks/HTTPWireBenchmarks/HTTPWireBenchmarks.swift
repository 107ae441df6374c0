// HTTP wire suite: the per-request work of the event loop before and after the body.
// - parseHead: a typical 9-field structured-ingest request head, parsed into a reused RequestHead (a
//   connection's steady state); time and mallocs per head (1000 heads per measured iteration).
// - ResponseWriter.append: the 200 answer to an ingest request into a reused output buffer, per answer.
// - ChunkedDecoder: a chunked 1000-event body, per body.
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

    // One body per measured iteration (scaling 1): the 1000-event structured body (about 280 KB) sent in 8 KiB
    // chunks and fed as 16 KiB socket reads, decoded into a reused buffer. MB/s = body bytes x throughput.
    let payload = Corpus.structuredBody(events: 1000)
    let chunked = Corpus.chunked(payload, chunkBytes: 8192)
    Benchmark("ChunkedDecoder-structured-body", configuration: SluiceBenchmarkConfiguration.configuration()) { benchmark in
        var decoder = ChunkedDecoder(limits: limits)
        var body = [UInt8]()
        body.reserveCapacity(payload.count)
        chunked.withUnsafeBytes { input in
            benchmark.startMeasurement()
            var offset = 0
            var finished = false
            while offset < input.count {
                let end = min(offset + 16_384, input.count)
                switch decoder.feed(UnsafeRawBufferPointer(rebasing: input[offset..<end]), into: &body) {
                case .needMore(let consumed): offset += consumed
                case .done(let consumed): offset += consumed; finished = true
                case .invalid(let error): fatalError("the chunked body must decode: \(error)")
                }
                if finished { break }
            }
            benchmark.stopMeasurement()
            precondition(finished && body == payload, "the chunked body must decode to the payload")
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
