import Testing
@testable import IngestFormats

@Suite struct NameBufferTests {
    static func text(_ buffer: NameBuffer) -> String {
        buffer.withBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// Composing, truncating and composing again, past the initial capacity: the bytes are always the
    /// pieces appended since the last truncation point.
    @Test(arguments: [1, 63, 64, 65, 300])
    func composesAndTruncates(_ pieceLength: Int) {
        var buffer = NameBuffer()
        let piece = [UInt8](repeating: UInt8(ascii: "a"), count: pieceLength)
        piece.withUnsafeBytes { buffer.append($0) }
        let base = buffer.count
        buffer.append(UInt8(ascii: "."))
        "child".utf8.withContiguousStorageIfAvailable { buffer.append(UnsafeRawBufferPointer($0)) }
        buffer.append(UInt8(ascii: "["))
        buffer.appendDecimal(1203)
        buffer.append(UInt8(ascii: "]"))
        #expect(Self.text(buffer) == String(repeating: "a", count: pieceLength) + ".child[1203]")
        buffer.truncate(to: base)
        #expect(buffer.count == pieceLength)
        buffer.append(UInt8(ascii: "!"))
        #expect(Self.text(buffer) == String(repeating: "a", count: pieceLength) + "!")
        buffer.removeAll()
        #expect(buffer.isEmpty && Self.text(buffer) == "")
    }

    @Test func appendUpToKeepsOnlyWhatWasWritten() {
        var buffer = NameBuffer()
        buffer.append(UInt8(ascii: "x"))
        buffer.append(upTo: 100) { target in
            target.storeBytes(of: UInt8(ascii: "y"), as: UInt8.self)
            return 1
        }
        #expect(Self.text(buffer) == "xy")
    }

    @Test(arguments: [("#type", true), ("#typ", false), ("#types", false), ("#Type", false), ("type", false), ("", false)])
    func recognisesTheTypeName(_ name: String, _ expected: Bool) {
        var buffer = NameBuffer()
        Array(name.utf8).withUnsafeBytes { buffer.append($0) }
        #expect(buffer.isTypeName == expected)
        #expect(Array(name.utf8).withUnsafeBytes { IngestDecoder.isTypeName($0) } == expected)
    }
}
