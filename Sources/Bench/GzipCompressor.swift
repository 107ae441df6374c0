import CZlib

/// One-shot gzip (RFC 1952) of a buffer with zlib, for pre-built `--gzip` request bodies and gzip forwarding targets.
public enum GzipCompressor {
    public static func compress(_ input: [UInt8], level: Int32 = 6) throws(BenchError) -> [UInt8] {
        var stream = z_stream()
        guard deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
                            Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .system(call: "deflateInit2", errno: 0)
        }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 32)
        let produced: Int32 = input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
                stream.avail_in = UInt32(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = UInt32(target.count)
                let code = deflate(&stream, Z_FINISH)
                return code == Z_STREAM_END ? Int32(target.count) - Int32(stream.avail_out) : -1
            }
        }
        guard produced >= 0 else { throw .system(call: "deflate", errno: 0) }
        output.removeLast(output.count - Int(produced))
        return output
    }
}
