import CZstd

/// Zstandard frames (RFC 8878) for `compression: "zstd"` targets: one context reused for every message
/// body, written into a caller's reused buffer, so compressing allocates only while that buffer grows.
public final class ZstdCompressor {
    private let context: OpaquePointer
    private let level: Int32

    public init(level: Int32 = 3) {
        context = ZSTD_createCCtx()
        self.level = level
    }

    deinit { ZSTD_freeCCtx(context) }

    /// Replaces `output` with one frame (content size included) holding `input`; zstd's reason on failure.
    public func compress(_ input: [UInt8], into output: inout [UInt8]) -> String? {
        let bound = ZSTD_compressBound(input.count)
        if output.count < bound { output.append(contentsOf: repeatElement(0, count: bound - output.count)) }
        let produced = output.withUnsafeMutableBytes { target in
            input.withUnsafeBytes { source in
                ZSTD_compressCCtx(context, target.baseAddress, target.count, source.baseAddress, source.count, level)
            }
        }
        if ZSTD_isError(produced) != 0 { return String(cString: ZSTD_getErrorName(produced)) }
        output.removeLast(output.count - produced)
        return nil
    }
}
