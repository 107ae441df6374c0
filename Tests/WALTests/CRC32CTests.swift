import Testing
@testable import WAL
@testable import WALFormat

/// The record checksum (CRC32C through `sluice_crc32c`, hardware streams interleaved three ways on long
/// inputs) against a bitwise reference, around the lengths where the interleaved blocks start and end,
/// at several alignments.
struct CRC32CTests {
    static func reference(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }

    static let noise: [UInt8] = {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        return (0..<100_016).map { _ in
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
    }()

    @Test(arguments: [0, 1, 7, 8, 9, 255, 767, 768, 769, 1543, 24_575, 24_576, 24_577, 49_160, 100_003])
    func matchesTheBitwiseDefinition(_ length: Int) {
        for offset in [0, 1, 5] {
            let slice = Self.noise[offset..<(offset + length)]
            let computed = slice.withUnsafeBytes { WALRecordHeader.payloadChecksum($0) }
            #expect(computed == Self.reference(slice), "length \(length), offset \(offset)")
        }
    }

    @Test func knownAnswer() {
        let computed = Array("123456789".utf8).withUnsafeBytes { WALRecordHeader.payloadChecksum($0) }
        #expect(computed == 0xE306_9283)
    }
}
