import Testing
@testable import HTTPWire

@Suite struct BodyInflaterTests {
    static let formats: [(ZlibCompressor.Format, ContentCoding)] = [(.gzip, .gzip), (.zlib, .deflate), (.raw, .deflate)]

    /// Inflates `compressed` fed in pieces of `pieceSize` bytes, then finishes.
    func inflate(
        _ compressed: [UInt8], coding: ContentCoding, pieceSize: Int, limit: Int = 32 << 20,
        inflater: BodyInflater = BodyInflater()
    ) -> (Result<Void, HTTPError>, [UInt8]) {
        var output: [UInt8] = []
        var start = 0
        while start < compressed.count {
            let end = min(start + pieceSize, compressed.count)
            let result = compressed[start..<end].withUnsafeBytes {
                inflater.inflate($0, coding: coding, limit: limit, into: &output)
            }
            if case .failure = result { return (result, output) }
            start = end
        }
        return (inflater.finish(), output)
    }

    @Test(arguments: [0, 1, 100, 70_000], [1, 7, 4096, Int.max])
    func roundTripsEveryFormatInAnySplit(payloadSize: Int, pieceSize: Int) {
        let payload = testPayload(count: payloadSize)
        for (format, coding) in Self.formats {
            let (result, output) = inflate(ZlibCompressor.compress(payload, format), coding: coding, pieceSize: pieceSize)
            #expect(throws: Never.self) { try result.get() }
            #expect(output == payload, "\(format) in pieces of \(pieceSize)")
        }
    }

    @Test func oneInflaterServesManyBodies() {
        let inflater = BodyInflater()
        for round in 0..<3 {
            for (format, coding) in Self.formats {
                inflater.reset()
                let payload = testPayload(count: 5000, seed: UInt64(round))
                let (result, output) = inflate(
                    ZlibCompressor.compress(payload, format), coding: coding, pieceSize: 1000, inflater: inflater)
                #expect(throws: Never.self) { try result.get() }
                #expect(output == payload)
                #expect(inflater.decodedBytes == payload.count)
            }
        }
    }

    @Test func concatenatedGzipMembersAreOneBody() {
        let a = testPayload(count: 3000, seed: 1)
        let b = testPayload(count: 2000, seed: 2)
        let both = ZlibCompressor.compress(a, .gzip) + ZlibCompressor.compress(b, .gzip)
        for pieceSize in [1, 13, Int.max] {
            let (result, output) = inflate(both, coding: .gzip, pieceSize: pieceSize)
            #expect(throws: Never.self) { try result.get() }
            #expect(output == a + b)
        }
    }

    @Test func limitCountsDecodedBytes() {
        let payload = testPayload(count: 10_000)
        for (format, coding) in Self.formats {
            let compressed = ZlibCompressor.compress(payload, format)
            let (atLimit, _) = inflate(compressed, coding: coding, pieceSize: 100, limit: payload.count)
            #expect(throws: Never.self) { try atLimit.get() }
            let (over, output) = inflate(compressed, coding: coding, pieceSize: 100, limit: payload.count - 1)
            #expect(over.error == .payloadTooLarge)
            #expect(output.count <= payload.count - 1)
        }
    }

    /// 100 MiB of zeros compress to about 100 KB; decoding stops at the 32 MiB limit with 413.
    @Test func gzipBombStopsAtTheLimit() {
        let compressor = ZlibCompressor(.gzip, level: 9)
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        for _ in 0..<100 { compressor.write(zeros) }
        let bomb = compressor.finish()
        #expect(bomb.count < 200_000)

        let limit = 32 << 20
        let inflater = BodyInflater()
        var output: [UInt8] = []
        var result: Result<Void, HTTPError> = .success(())
        var fed = 0
        while fed < bomb.count {
            let end = min(fed + 16 * 1024, bomb.count)
            result = bomb[fed..<end].withUnsafeBytes { inflater.inflate($0, coding: .gzip, limit: limit, into: &output) }
            fed = end
            if case .failure = result { break }
        }
        #expect(result.error == .payloadTooLarge)
        #expect(output.count <= limit)
        #expect(inflater.decodedBytes <= limit)
        #expect(fed < bomb.count, "stopped before reading the whole bomb")
        // Every later call answers the same error without decoding more.
        let again = bomb.withUnsafeBytes { inflater.inflate($0, coding: .gzip, limit: limit, into: &output) }
        #expect(again.error == .payloadTooLarge)
        #expect(output.count <= limit)
    }

    @Test(arguments: [ContentCoding.gzip, .deflate])
    func truncatedStreamIsRefusedAtFinish(_ coding: ContentCoding) {
        let compressed = ZlibCompressor.compress(testPayload(count: 5000), coding == .gzip ? .gzip : .raw)
        let (result, _) = inflate(Array(compressed.dropLast(3)), coding: coding, pieceSize: 512)
        #expect(result.error == .badRequest(coding == .gzip ? "invalid gzip body" : "invalid deflate body"))
    }

    @Test(arguments: [
        ("not gzip at all", [UInt8]("hello, this is plain text"), ContentCoding.gzip),
        ("not deflate at all", [UInt8]([0xFF, 0xFF, 0xFF, 0xFF, 0xFF]), ContentCoding.deflate),
        ("gzip sent as deflate", ZlibCompressor.compress([UInt8]("abc"), .gzip), ContentCoding.deflate),
        ("trailing garbage after deflate", ZlibCompressor.compress([UInt8]("abc"), .zlib) + [1, 2, 3], .deflate),
        ("trailing garbage after gzip", ZlibCompressor.compress([UInt8]("abc"), .gzip) + [1, 2, 3], .gzip),
        ("one byte of deflate", [UInt8]([0x78]), ContentCoding.deflate),
    ])
    func malformedStreamIsBadRequest(_ name: String, _ bytes: [UInt8], _ coding: ContentCoding) {
        for pieceSize in [1, Int.max] {
            let (result, _) = inflate(bytes, coding: coding, pieceSize: pieceSize)
            guard case .failure(let error) = result else {
                Issue.record("\(name): accepted")
                continue
            }
            #expect(error.status == 400, "\(name)")
        }
    }

    @Test(arguments: [0, 1, 100, 70_000, 300_000], [1, 7, 4096, Int.max])
    func zstdRoundTripsInAnySplit(payloadSize: Int, pieceSize: Int) {
        let payload = testPayload(count: payloadSize)
        let (result, output) = inflate(ZstdCompressor.compress(payload), coding: .zstd, pieceSize: pieceSize)
        #expect(throws: Never.self) { try result.get() }
        #expect(output == payload, "in pieces of \(pieceSize)")
    }

    @Test func concatenatedZstdFramesAreOneBodyAndTheContextServesManyBodies() {
        let a = testPayload(count: 3000, seed: 1)
        let b = testPayload(count: 2000, seed: 2)
        let both = ZstdCompressor.compress(a) + ZstdCompressor.compress(b)
        let inflater = BodyInflater()
        for pieceSize in [1, 13, Int.max] {
            inflater.reset()
            let (result, output) = inflate(both, coding: .zstd, pieceSize: pieceSize, inflater: inflater)
            #expect(throws: Never.self) { try result.get() }
            #expect(output == a + b)
            #expect(inflater.decodedBytes == a.count + b.count)
        }
    }

    @Test func zstdLimitCountsDecodedBytes() {
        let payload = testPayload(count: 10_000)
        let compressed = ZstdCompressor.compress(payload)
        let (atLimit, _) = inflate(compressed, coding: .zstd, pieceSize: 100, limit: payload.count)
        #expect(throws: Never.self) { try atLimit.get() }
        let (over, output) = inflate(compressed, coding: .zstd, pieceSize: 100, limit: payload.count - 1)
        #expect(over.error == .payloadTooLarge)
        #expect(output.count <= payload.count - 1)
    }

    /// 1 GiB of zeros compress to about 32 KB of zstd; decoding stops at the 32 MiB limit with 413, long
    /// before the input ends.
    @Test func zstdBombStopsAtTheLimit() {
        let compressor = ZstdCompressor(level: 3)
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        for _ in 0..<1024 { compressor.write(zeros) }
        let bomb = compressor.finish()
        #expect(bomb.count < 200_000)

        let limit = 32 << 20
        let inflater = BodyInflater()
        var output: [UInt8] = []
        var result: Result<Void, HTTPError> = .success(())
        var fed = 0
        while fed < bomb.count {
            let end = min(fed + 1024, bomb.count)
            result = bomb[fed..<end].withUnsafeBytes { inflater.inflate($0, coding: .zstd, limit: limit, into: &output) }
            fed = end
            if case .failure = result { break }
        }
        #expect(result.error == .payloadTooLarge)
        #expect(output.count <= limit)
        #expect(inflater.decodedBytes <= limit)
        #expect(fed < bomb.count, "stopped before reading the whole bomb")
        let again = bomb.withUnsafeBytes { inflater.inflate($0, coding: .zstd, limit: limit, into: &output) }
        #expect(again.error == .payloadTooLarge)
        #expect(output.count <= limit)
    }

    @Test func zstdWindowAboveEightMiBIsRefusedBeforeItIsReserved() {
        let compressor = ZstdCompressor(level: 3, windowLog: 27)
        compressor.write(testPayload(count: 1 << 20))
        let (result, output) = inflate(compressor.finish(), coding: .zstd, pieceSize: 64 * 1024)
        #expect(result.error == .badRequest("zstd window larger than 8 MiB"))
        #expect(output.isEmpty)

        let accepted = ZstdCompressor(level: 3, windowLog: 23)
        let payload = testPayload(count: 1 << 20)
        accepted.write(payload)
        let inflater = BodyInflater()
        let (ok, decoded) = inflate(accepted.finish(), coding: .zstd, pieceSize: 64 * 1024, inflater: inflater)
        #expect(throws: Never.self) { try ok.get() }
        #expect(decoded == payload)
        // The 8 MiB window is given back with its body; a small single-segment frame's context is kept.
        #expect(inflater.zstdContextBytes == 0)
        inflater.reset()
        let small = testPayload(count: 5000)
        let (again, smallOutput) = inflate(ZstdCompressor.compressWhole(small), coding: .zstd, pieceSize: Int.max, inflater: inflater)
        #expect(throws: Never.self) { try again.get() }
        #expect(smallOutput == small)
        #expect(inflater.zstdContextBytes > 0 && inflater.zstdContextBytes <= BodyInflater.zstdKeptContextBytes)
    }

    @Test func malformedTruncatedOrTrailingZstdIsBadRequest() {
        let compressed = ZstdCompressor.compress(testPayload(count: 5000))
        let cases: [(String, [UInt8])] = [
            ("truncated", Array(compressed.dropLast(3))),
            ("not zstd at all", [UInt8]("hello, this is plain text")),
            ("trailing garbage", compressed + [1, 2, 3]),
            ("gzip sent as zstd", ZlibCompressor.compress([UInt8]("abc"), .gzip)),
        ]
        for (name, bytes) in cases {
            for pieceSize in [1, Int.max] {
                let (result, _) = inflate(bytes, coding: .zstd, pieceSize: pieceSize)
                #expect(result.error == .badRequest("invalid zstd body"), "\(name) in pieces of \(pieceSize)")
            }
        }
    }

    @Test(arguments: [ContentCoding.identity, .gzip, .deflate, .zstd])
    func emptyBodyDecodesToNothing(_ coding: ContentCoding) {
        let (result, output) = inflate([], coding: coding, pieceSize: 1)
        #expect(result.error == nil && output.isEmpty)
    }

    @Test func corruptedGzipIsBadRequest() {
        var compressed = ZlibCompressor.compress(testPayload(count: 5000), .gzip)
        compressed[compressed.count - 6] ^= 0xFF  // the CRC32 of the trailer
        let (result, _) = inflate(compressed, coding: .gzip, pieceSize: Int.max)
        #expect(result.error == .badRequest("invalid gzip body"))
    }

    @Test func identityPassesThroughWithTheLimit() {
        let inflater = BodyInflater()
        var output: [UInt8] = []
        let bytes = [UInt8]("0123456789")
        let first = bytes.withUnsafeBytes { inflater.inflate($0, coding: .identity, limit: 15, into: &output) }
        let second = bytes.withUnsafeBytes { inflater.inflate($0, coding: .identity, limit: 15, into: &output) }
        #expect(first.error == nil && second.error == .payloadTooLarge)
        #expect(output == bytes)
        #expect(inflater.finish().error == .payloadTooLarge)
    }
}

extension Result where Success == Void, Failure == HTTPError {
    /// The error, or nil on success.
    var error: HTTPError? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
