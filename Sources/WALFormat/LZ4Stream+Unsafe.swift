import CLZ4

/// An LZ4 compression state kept across calls. `LZ4_compress_default` clears a fresh 16 KiB state for
/// every call, a large share of the work on small requests; resetting a kept state with
/// `LZ4_resetStream_fast` costs almost nothing and yields the same independent blocks, readable by
/// `LZ4_decompress_safe`. The streaming path is slower on large inputs, though, so from 64 KiB on, where
/// the clearing is negligible, the one-shot call is used. `sluice wal bench` measures both
/// (perf/wal-bench.md).
final class LZ4Stream {
    private let state: UnsafeMutablePointer<LZ4_stream_t>

    static let oneShotBytes = 64 << 10

    init() {
        state = .allocate(capacity: 1)
        LZ4_initStream(state, MemoryLayout<LZ4_stream_t>.size)
    }

    deinit { state.deallocate() }

    /// Compresses `source` into `destination` as one independent block; returns the compressed size, or 0
    /// when it does not fit.
    func compress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) -> Int {
        guard let from = source.baseAddress, let to = destination.baseAddress, !source.isEmpty else { return 0 }
        if source.count >= Self.oneShotBytes {
            return Int(LZ4_compress_default(from.assumingMemoryBound(to: CChar.self), to.assumingMemoryBound(to: CChar.self),
                                            Int32(source.count), Int32(destination.count)))
        }
        LZ4_resetStream_fast(state)
        return Int(LZ4_compress_fast_continue(state, from.assumingMemoryBound(to: CChar.self), to.assumingMemoryBound(to: CChar.self),
                                              Int32(source.count), Int32(destination.count), 1))
    }
}
