import EventModel
import Testing
@testable import WAL
@testable import WALFormat

struct WALRecordCodecTests {
    static let cases: [(String, [SampleEvent])] = [
        ("one plain event", [SampleEvent(timestamp: 1_700_000_000_123, ingest: 1_700_000_000_200, rawstring: Array("hello".utf8))]),
        ("empty rawstring, timezone and fields", [SampleEvent(timestamp: 0, ingest: 0, rawstring: [])]),
        ("empty field names and values", [SampleEvent(timestamp: 5, ingest: 4, rawstring: [1], fields: [([], []), (Array("#".utf8), [])])]),
        ("binary bytes everywhere", [SampleEvent(timestamp: -1, nanos: 999_999, ingest: 7, timezone: [0, 0xFF, 0x80],
                                                 rawstring: (0...255).map { UInt8($0) }, fields: [([0xC3, 0x28], [0, 10, 13, 0xFE])])]),
        ("extreme timestamps", [SampleEvent(timestamp: .min, nanos: 0, ingest: .max, rawstring: Array("a".utf8)),
                                SampleEvent(timestamp: .max, nanos: 1, ingest: .min, timezone: Array("+02:00".utf8), rawstring: Array("b".utf8))]),
        ("1 MiB rawstring", [SampleEvent(timestamp: 10, ingest: 11, rawstring: (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) })]),
        ("1000 log lines", logLines("codec", count: 1000)),
    ]

    @Test(arguments: cases)
    func roundTrip(_ name: String, _ samples: [SampleEvent]) throws {
        var encoder = WALRecordEncoder()
        let record = try encoder.encode(EventBatch(samples: samples))
        #expect(record.eventCount == samples.count)
        var decoder = WALRecordDecoder()
        var batch = EventBatch()
        let result = record.bytes.withUnsafeBytes { decoder.decode($0, into: &batch) }
        guard case .complete(let header) = result else {
            Issue.record("\(name): \(result)")
            return
        }
        #expect(header.recordLength == record.bytes.count)
        #expect(header.minTimestamp == samples.map(\.timestamp).min())
        #expect(header.maxTimestamp == samples.map(\.timestamp).max())
        #expect(batch.samples == samples)
    }

    @Test func compressesRepetitiveLines() throws {
        var encoder = WALRecordEncoder()
        let record = try encoder.encode(EventBatch(samples: logLines("ratio", count: 1000)))
        #expect(record.bytes.count * 3 < record.uncompressedBytes)
        #expect(record.bytes[20] & 1 == 1)
    }

    @Test func incompressiblePayloadIsStoredRaw() throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let noise = (0..<4096).map { _ -> UInt8 in
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
        var encoder = WALRecordEncoder()
        let samples = [SampleEvent(timestamp: 1, ingest: 1, rawstring: noise)]
        let record = try encoder.encode(EventBatch(samples: samples))
        #expect(record.bytes[20] & 1 == 0)
        var decoder = WALRecordDecoder()
        var batch = EventBatch()
        let result = record.bytes.withUnsafeBytes { decoder.decode($0, into: &batch) }
        #expect(batch.samples == samples, "\(result)")
    }

    /// One short event is stored without LZ4 (it would find almost nothing to match); a long single event
    /// or several events are compressed. Every choice decodes to the same events.
    @Test(arguments: [(1, 100, false), (1, 480, false), (1, 600, true), (2, 100, true), (10, 100, true)])
    func smallSingleEventsAreStoredRaw(_ events: Int, _ length: Int, _ compressed: Bool) throws {
        let line = Array(String(repeating: "GET /api/v1/orders HTTP/1.1 200 ", count: 40).utf8.prefix(length))
        let samples = (0..<events).map { SampleEvent(timestamp: Int64($0), ingest: 9, rawstring: line) }
        var encoder = WALRecordEncoder()
        let record = try encoder.encode(EventBatch(samples: samples))
        #expect(record.bytes[20] & 1 == (compressed ? 1 : 0))
        #expect(compressed ? record.bytes.count < record.uncompressedBytes : record.bytes.count == record.uncompressedBytes + 48)
        var decoder = WALRecordDecoder()
        var batch = EventBatch()
        _ = record.bytes.withUnsafeBytes { decoder.decode($0, into: &batch) }
        #expect(batch.samples == samples)
    }

    @Test func everyPrefixNeedsMore() throws {
        var encoder = WALRecordEncoder()
        let record = try encoder.encode(EventBatch(samples: logLines("prefix", count: 3)))
        var decoder = WALRecordDecoder()
        for length in 0..<record.bytes.count {
            var batch = EventBatch()
            let result = record.bytes[0..<length].withUnsafeBytes { decoder.decode($0, into: &batch) }
            guard case .needMore(let total) = result else {
                Issue.record("prefix \(length): \(result)")
                return
            }
            #expect(total > length)
            #expect(batch.isEmpty)
        }
    }

    @Test func everyFlippedByteIsRejectedAndLeavesTheBatchAlone() throws {
        var encoder = WALRecordEncoder()
        let record = try encoder.encode(EventBatch(samples: logLines("flip", count: 4)))
        var decoder = WALRecordDecoder()
        let existing = logLines("existing", count: 2)
        for index in 0..<record.bytes.count {
            var damaged = record.bytes
            damaged[index] ^= 0x20
            var batch = EventBatch(samples: existing)
            let result = damaged.withUnsafeBytes { decoder.decode($0, into: &batch) }
            switch result {
            case .complete: Issue.record("flipped byte \(index) accepted")
            case .invalid, .needMore: break
            }
            #expect(batch.samples == existing)
        }
    }

    @Test func encoderReusesScratchAcrossBatches() throws {
        var encoder = WALRecordEncoder()
        var decoder = WALRecordDecoder()
        for round in 0..<5 {
            let samples = logLines("round\(round)", count: 10 + round * 50)
            let record = try encoder.encode(EventBatch(samples: samples))
            var batch = EventBatch()
            _ = record.bytes.withUnsafeBytes { decoder.decode($0, into: &batch) }
            #expect(batch.samples == samples)
        }
    }

    /// Records decoded one after the other into one batch that already holds events: each record's
    /// events and fields follow the earlier ones (the decoder's prepared events must chain their fields).
    @Test(arguments: [1, 3, 200])
    func recordsAppendToABatchThatHoldsEvents(_ count: Int) throws {
        var encoder = WALRecordEncoder()
        var decoder = WALRecordDecoder()
        var expected = logLines("before", count: 2)
        var batch = EventBatch(samples: expected)
        for round in 0..<3 {
            let samples = logLines("append\(round)", count: count + round)
            let record = try encoder.encode(EventBatch(samples: samples))
            let result = record.bytes.withUnsafeBytes { decoder.decode($0, into: &batch) }
            guard case .complete = result else {
                Issue.record("round \(round): \(result)")
                return
            }
            expected += samples
        }
        #expect(batch.samples == expected)
    }

    /// Damage behind a valid checksum (a stored, uncompressed layout with each byte changed and the
    /// checksum repaired) either decodes to some events or is rejected with the batch left exactly as it was.
    @Test(arguments: [UInt8(0x01), 0x80, 0xFF])
    func damagedLayoutWithValidChecksumLeavesTheBatchAlone(_ mask: UInt8) throws {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        let noise = (0..<64).map { _ -> UInt8 in
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
        let samples = [SampleEvent(timestamp: 3, ingest: 4, rawstring: noise, fields: [(Array("host".utf8), Array("web-1".utf8))]),
                       SampleEvent(timestamp: 9, nanos: 7, ingest: 2, timezone: Array("Z".utf8), rawstring: Array(noise.reversed()))]
        var encoder = WALRecordEncoder()
        let record = try encoder.encode(EventBatch(samples: samples))
        try #require(record.bytes[20] & 1 == 0, "the layout is stored raw")
        var decoder = WALRecordDecoder()
        let existing = logLines("existing", count: 2)
        var rejected = 0
        for index in WALFormat.recordHeaderSize..<record.bytes.count {
            var damaged = record.bytes
            damaged[index] ^= mask
            damaged.withUnsafeMutableBytes { bytes in
                let payload = UnsafeRawBufferPointer(rebasing: bytes[WALFormat.recordHeaderSize...])
                let crc = WALRecordHeader.checksum(payloadCRC: WALRecordHeader.payloadChecksum(payload), header: UnsafeRawBufferPointer(bytes))
                bytes.storeLE(crc, at: 4)
            }
            var batch = EventBatch(samples: existing)
            switch damaged.withUnsafeBytes({ decoder.decode($0, into: &batch) }) {
            case .complete:
                #expect(batch.count == existing.count + samples.count)
                #expect(Array(batch.samples.prefix(existing.count)) == existing)
            case .invalid:
                rejected += 1
                #expect(batch.samples == existing)
                #expect(batch.arenaCount == EventBatch(samples: existing).arenaCount)
            case .needMore(let total):
                Issue.record("byte \(index): needs \(total) of a whole record")
            }
        }
        #expect(rejected > 0)
    }
}

/// The encoder's scratch buffers follow ``ScratchRetention``: kept while large batches keep coming, given
/// back after 16 small ones, and the records stay the same throughout.
@Suite struct WALEncoderScratchTests {
    @Test func largeBatchScratchIsGivenBackAfterSmallOnes() throws {
        var encoder = WALRecordEncoder()
        let large = EventBatch(samples: logLines("large", count: 40_000))
        let small = EventBatch(samples: logLines("small", count: 10))
        var reference = WALRecordEncoder()
        let smallRecord = try reference.encode(small)
        let largeRecord = try reference.encode(large)
        _ = try encoder.encode(large)
        let grown = encoder.scratchCapacity
        #expect(grown > 4 << 20, "the large batch needs more than the retention limit")
        _ = try encoder.encode(large)
        #expect(encoder.scratchCapacity == grown)
        for round in 1...16 {
            let record = try encoder.encode(small)
            #expect(record.bytes == smallRecord.bytes)
            if round < 16 { #expect(encoder.scratchCapacity == grown, "round \(round)") }
        }
        #expect(encoder.scratchCapacity < 1 << 20)
        let layout = encoder.withLastLayout { Array($0) }
        var fresh = WALRecordEncoder()
        _ = try fresh.encode(small)
        #expect(layout == fresh.withLastLayout { Array($0) }, "the last layout survives the release")
        #expect(try encoder.encode(large).bytes == largeRecord.bytes)
    }

    @Test func anIdleThreadsScratchIsGivenBackAtOnce() throws {
        var encoder = WALRecordEncoder()
        let large = EventBatch(samples: logLines("large", count: 80_000))
        let record = try encoder.encode(large)
        #expect(encoder.withLastLayout { $0.count } > 4 << 20, "the layout alone is over the limit")
        encoder.releaseLargeScratch()
        #expect(encoder.scratchCapacity == 0, "the last layout was over the limit: nothing is kept")
        #expect(encoder.withLastLayout { $0.count } == 0)
        #expect(try encoder.encode(large).bytes == record.bytes)

        let small = EventBatch(samples: logLines("small", count: 10))
        _ = try encoder.encode(small)
        let layout = encoder.withLastLayout { Array($0) }
        encoder.releaseLargeScratch()
        #expect(encoder.withLastLayout { Array($0) } == layout, "a layout within the limit is kept")
        #expect(encoder.scratchCapacity < 1 << 20)
    }
}
