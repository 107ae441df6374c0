import Dispatch

/// `transform` of every index `0..<count`, computed on Dispatch's pool (as many at once as there are cores)
/// in chunks of `chunk` consecutive indexes, and returned in index order: for decoding a bucket's million
/// values off the event loops. `transform` must be safe to call from several threads at once.
func parallelMap<T>(count: Int, chunk: Int = 4096, _ transform: (Int) -> T) -> [T] {
    guard count > chunk else { return (0..<count).map(transform) }
    return withoutActuallyEscaping(transform) { transform in
        [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            let out = ChunkOutput(buffer: buffer, transform: transform)
            DispatchQueue.concurrentPerform(iterations: (count + chunk - 1) / chunk) { unit in
                for index in unit * chunk..<min(count, (unit + 1) * chunk) { out.fill(index) }
            }
            initialized = count
        }
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
