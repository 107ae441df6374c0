import Testing
@testable import JSONStream

/// The string scanner reads 16 bytes at a time (SSE2) and, within 16 bytes of the buffer's end, 8 at a time and
/// then byte by byte: whatever byte needs attention must be found at its exact offset in every position of
/// every path, with a string ending anywhere relative to the buffer's end.
@Suite struct JSONReaderScanTests {
    /// `"` + `count` plain bytes + what follows, then `padding` spaces to the buffer's end.
    static func reader(_ count: Int, _ special: [UInt8], padding: Int) -> [UInt8] {
        [UInt8(ascii: "\"")] + (0..<count).map { UInt8(ascii: "a") + UInt8($0 % 26) } + special
            + [UInt8](repeating: 0x20, count: padding)
    }

    static func readString(_ bytes: [UInt8]) -> Result<(JSONString, Int), JSONError> {
        bytes.withUnsafeBytes { buffer in
            var reader = JSONReader(buffer)
            do {
                let string = try reader.readString()
                return .success((string, reader.offset))
            } catch let error as JSONError {
                return .failure(error)
            } catch {
                fatalError("untyped error")
            }
        }
    }

    @Test(arguments: Array(0...40))
    func findsTheClosingQuoteAtEveryOffset(_ count: Int) throws {
        for padding in [0, 1, 7, 8, 15, 16, 40] {
            let bytes = Self.reader(count, [UInt8(ascii: "\"")], padding: padding)
            let (string, offset) = try Self.readString(bytes).get()
            #expect(string.span == JSONSpan(start: 1, count: count) && !string.hasEscapes && offset == count + 2)
        }
    }

    @Test(arguments: Array(0...40))
    func findsEscapesAndNonASCIIAtEveryOffset(_ count: Int) throws {
        // An escape, a two-, three- and four-byte sequence, then more plain bytes and the quote.
        let special = Array(#"\n"#.utf8) + Array("é日😀".utf8) + Array(repeating: UInt8(ascii: "z"), count: 17) + [UInt8(ascii: "\"")]
        for padding in [0, 3, 16] {
            let bytes = Self.reader(count, special, padding: padding)
            let (string, offset) = try Self.readString(bytes).get()
            #expect(string.span == JSONSpan(start: 1, count: count + special.count - 1) && string.hasEscapes)
            #expect(offset == count + special.count + 1)
        }
    }

    @Test(arguments: Array(0...40))
    func refusesAtTheExactOffset(_ count: Int) {
        let cases: [([UInt8], JSONError.Reason)] = [
            ([0x0A, UInt8(ascii: "\"")], .controlCharacterInString),
            ([0x00, UInt8(ascii: "\"")], .controlCharacterInString),
            ([0x1F, UInt8(ascii: "\"")], .controlCharacterInString),
            ([0xFF, UInt8(ascii: "\"")], .invalidUTF8),
            ([0xC3, 0x28, UInt8(ascii: "\"")], .invalidUTF8),
            ([UInt8(ascii: "\\"), UInt8(ascii: "x"), UInt8(ascii: "\"")], .invalidEscape),
        ]
        for (special, reason) in cases {
            for padding in [0, 5, 16] {
                let bytes = Self.reader(count, special, padding: padding)
                #expect(throws: JSONError(offset: count + 1, reason: reason)) { try Self.readString(bytes).get() }
            }
        }
        // No closing quote: the end of the buffer, wherever it falls.
        #expect(throws: JSONError(offset: count + 1, reason: .unexpectedEnd)) { try Self.readString(Self.reader(count, [], padding: 0)).get() }
    }
}
