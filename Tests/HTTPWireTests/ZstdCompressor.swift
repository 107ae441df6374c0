import CZstd

/// Test helper: libzstd's streaming compressor, producing zstd frames (optionally with a chosen window).
final class ZstdCompressor {
    private let context: OpaquePointer
    private var output: [UInt8] = []

    init(level: Int32 = 3, windowLog: Int32? = nil) {
        context = ZSTD_createCCtx()!
        precondition(ZSTD_isError(ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level)) == 0)
        if let windowLog {
            precondition(ZSTD_isError(ZSTD_CCtx_setParameter(context, ZSTD_c_windowLog, windowLog)) == 0)
        }
    }

    deinit { ZSTD_freeCCtx(context) }

    func write(_ bytes: [UInt8]) { run(bytes, ZSTD_e_continue) }

    func finish() -> [UInt8] {
        run([], ZSTD_e_end)
        return output
    }

    private func run(_ bytes: [UInt8], _ directive: ZSTD_EndDirective) {
        var scratch = [UInt8](repeating: 0, count: 64 * 1024)
        bytes.withUnsafeBytes { input in
            var source = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
            while true {
                var left = 0
                let produced: Int = scratch.withUnsafeMutableBytes { out in
                    var target = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: 0)
                    left = ZSTD_compressStream2(context, &target, &source, directive)
                    precondition(ZSTD_isError(left) == 0)
                    return target.pos
                }
                output.append(contentsOf: scratch[0..<produced])
                let done = directive == ZSTD_e_end ? left == 0 : source.pos == source.size
                if done { break }
            }
        }
    }

    /// One frame with its content size in the header (what a compressor given the whole body at once writes),
    /// so the decoder needs no window larger than the content.
    static func compressWhole(_ bytes: [UInt8], level: Int32 = 3) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: ZSTD_compressBound(bytes.count))
        let size = output.withUnsafeMutableBytes { out in
            bytes.withUnsafeBytes { ZSTD_compress(out.baseAddress, out.count, $0.baseAddress, $0.count, level) }
        }
        precondition(ZSTD_isError(size) == 0)
        return Array(output[0..<size])
    }

    static func compress(_ bytes: [UInt8]) -> [UInt8] {
        let compressor = ZstdCompressor()
        compressor.write(bytes)
        return compressor.finish()
    }
}
