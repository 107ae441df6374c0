import CZlib

/// Test helper: zlib's deflate as a stream, producing gzip, zlib-wrapped or raw deflate bytes.
final class ZlibCompressor {
    enum Format {
        case gzip, zlib, raw

        var windowBits: Int32 {
            switch self {
            case .gzip: 15 + 16
            case .zlib: 15
            case .raw: -15
            }
        }
    }

    private let stream: UnsafeMutablePointer<z_stream>
    private var output: [UInt8] = []

    init(_ format: Format, level: Int32 = 6) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let rc = deflateInit2_(
            stream, level, Z_DEFLATED, format.windowBits, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
            Int32(MemoryLayout<z_stream>.size))
        precondition(rc == Z_OK)
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    func write(_ bytes: [UInt8]) { run(bytes, flush: Z_NO_FLUSH) }

    func finish() -> [UInt8] {
        run([], flush: Z_FINISH)
        return output
    }

    private func run(_ bytes: [UInt8], flush: Int32) {
        var scratch = [UInt8](repeating: 0, count: 64 * 1024)
        bytes.withUnsafeBufferPointer { input in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.pointee.avail_in = UInt32(input.count)
            while true {
                let produced: Int = scratch.withUnsafeMutableBufferPointer { out in
                    stream.pointee.next_out = out.baseAddress
                    stream.pointee.avail_out = UInt32(out.count)
                    let rc = deflate(stream, flush)
                    precondition(rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR)
                    return out.count - Int(stream.pointee.avail_out)
                }
                output.append(contentsOf: scratch[0..<produced])
                if stream.pointee.avail_out != 0 && stream.pointee.avail_in == 0 { break }
            }
        }
    }

    static func compress(_ bytes: [UInt8], _ format: Format) -> [UInt8] {
        let compressor = ZlibCompressor(format)
        compressor.write(bytes)
        return compressor.finish()
    }
}
