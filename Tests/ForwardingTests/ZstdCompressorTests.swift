import CZstd
import Forwarding
import Testing

@Suite struct ZstdCompressorTests {
    func decompress(_ frame: [UInt8]) -> [UInt8]? {
        let size = frame.withUnsafeBytes { ZSTD_getFrameContentSize($0.baseAddress, $0.count) }
        guard size < (1 << 32) else { return nil }
        var out = [UInt8](repeating: 0, count: Int(size))
        let produced = out.withUnsafeMutableBytes { target in
            frame.withUnsafeBytes { ZSTD_decompress(target.baseAddress, target.count, $0.baseAddress, $0.count) }
        }
        return ZSTD_isError(produced) != 0 ? nil : Array(out.prefix(produced))
    }

    @Test func framesRoundTripThroughOneReusedContextAndBuffer() {
        let compressor = ZstdCompressor()
        var output: [UInt8] = []
        let large = Array(String(repeating: "{\"@rawstring\":\"GET /index.html 200\"}\n", count: 5000).utf8)
        for input in [large, [], Array("short".utf8), large] {
            #expect(compressor.compress(input, into: &output) == nil)
            #expect(decompress(output) == input)
        }
        #expect(compressor.compress(large, into: &output) == nil)
        #expect(output.count < large.count / 10, "repetitive NDJSON compresses")
    }
}
