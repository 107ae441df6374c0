import CLZ4

/// Plain LZ4 block compression and decompression of a buffer: the reference `sluice wal bench` measures the
/// WAL encoder and reader against in the same run (issue 4's performance targets are relative to LZ4).
///
/// Guarantees: no state; each call compresses or decompresses the whole input once.
public enum LZ4Reference {
    /// Compressed size of `input` with `LZ4_compress_default` (acceleration 1, like `lz4 -1`), written to `output`.
    public static func compress(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) -> Int {
        let bound = Int(LZ4_compressBound(Int32(input.count)))
        if output.count < bound { output = [UInt8](repeating: 0, count: bound) }
        guard let source = input.baseAddress else { return 0 }
        return output.withUnsafeMutableBytes { out in
            Int(LZ4_compress_default(source.assumingMemoryBound(to: CChar.self), out.baseAddress!.assumingMemoryBound(to: CChar.self),
                                     Int32(input.count), Int32(bound)))
        }
    }

    /// Decompresses `compressed` (an LZ4 block of `originalSize` bytes) into `output`; returns the size or -1.
    public static func decompress(_ compressed: UnsafeRawBufferPointer, originalSize: Int, into output: inout [UInt8]) -> Int {
        if output.count < originalSize { output = [UInt8](repeating: 0, count: originalSize) }
        guard let source = compressed.baseAddress else { return -1 }
        return output.withUnsafeMutableBytes { out in
            Int(LZ4_decompress_safe(source.assumingMemoryBound(to: CChar.self), out.baseAddress!.assumingMemoryBound(to: CChar.self),
                                    Int32(compressed.count), Int32(originalSize)))
        }
    }
}
