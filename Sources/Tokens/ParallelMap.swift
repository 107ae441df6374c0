import Dispatch

/// `transform` of every index `0..<count`, computed on Dispatch's pool (as many at once as there are cores)
/// in chunks of `chunk` consecutive indexes, and returned in index order: for decoding a bucket's million
/// values off the event loops. `transform` must be safe to call from several threads at once.
func parallelMap<T>(count: Int, chunk: Int = 4096, _ transform: (Int) -> T) -> [T] {
    guard count > chunk else { return (0..<count).map(transform) }
    return withoutActuallyEscaping(transform) { transform in
        [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            let out = ChunkOutput(buffer: buffer, transform: transform)
            forEachChunk(count: count, chunk: chunk) { range in
                for index in range { out.fill(index) }
            }
            initialized = count
        }
    }
}

/// Calls `body` with `0..<count` cut into consecutive ranges of `chunk` indexes, the ranges on Dispatch's pool
/// (as many at once as there are cores), or one after another on this thread when `parallel` is false or
/// there is only one. Returns when every range is done. `body` must be safe to call from several threads at
/// once, each call touching only its own range.
func forEachChunk(count: Int, chunk: Int, parallel: Bool = true, _ body: (Range<Int>) -> Void) {
    let chunks = (count + chunk - 1) / chunk
    withoutActuallyEscaping(body) { body in
        let units = ChunkUnits(count: count, chunk: chunk, body: body)
        if parallel && chunks > 1 {
            DispatchQueue.concurrentPerform(iterations: chunks) { units.run($0) }
        } else {
            for unit in 0..<chunks { units.run(unit) }
        }
    }
}

/// `forEachChunk`'s units of work, shared by the threads that run them (their ranges do not overlap).
private struct ChunkUnits: @unchecked Sendable {
    let count: Int
    let chunk: Int
    let body: (Range<Int>) -> Void

    func run(_ unit: Int) {
        body(unit * chunk..<min(count, (unit + 1) * chunk))
    }
}

/// Where the chunks write: each index is initialized by exactly one unit, and every unit ends before the
/// array is used.
private struct ChunkOutput<T>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<T>
    let transform: (Int) -> T

    func fill(_ index: Int) {
        (buffer.baseAddress! + index).initialize(to: transform(index))
    }
}
