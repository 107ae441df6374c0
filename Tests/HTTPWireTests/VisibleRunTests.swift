import Testing
@testable import HTTPWire

struct VisibleRunTests {
    private func byteByByte(_ bytes: [UInt8], from start: Int) -> Int {
        bytes[start...].firstIndex { $0 <= 0x20 || $0 == 0x7F } ?? bytes.count
    }

    /// Every byte value, placed at every position of a 19-byte run of visible bytes (so it falls in the
    /// first word, the second word and the byte-wise tail), from every start offset.
    @Test(arguments: 0...255)
    func matchesTheByteByByteScan(_ value: Int) {
        for position in 0..<19 {
            var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 19)
            bytes[position] = UInt8(value)
            for start in 0...position {
                let found = bytes.withUnsafeBytes { VisibleRun.end(in: $0, from: start, to: bytes.count) }
                #expect(found == byteByByte(bytes, from: start), "byte \(value) at \(position) from \(start)")
            }
        }
    }

    /// A borrow from a stop byte can flag visible bytes above it; the first stop byte must still win,
    /// and high (obs-text) bytes never stop the run.
    @Test func firstStopByteWinsOverLaterOnes() {
        let bytes: [UInt8] = [0x41, 0x80, 0xFF, 0x20, 0x7F, 0x00, 0x21, 0x7E, 0x09, 0x41]
        let found = bytes.withUnsafeBytes { VisibleRun.end(in: $0, from: 0, to: bytes.count) }
        #expect(found == 3)
        let upTo = bytes.withUnsafeBytes { VisibleRun.end(in: $0, from: 0, to: 3) }
        #expect(upTo == 3, "the end bound is never read past")
    }
}
