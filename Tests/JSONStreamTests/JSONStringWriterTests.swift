import Testing
@testable import JSONStream

struct JSONStringWriterTests {
    static let strings: [([UInt8], String)] = [
        (Array("plain".utf8), #""plain""#),
        (Array("q\"b\\n\n\t\r".utf8), #""q\"b\\n\n\t\r""#),
        ([0x01, 0x1F, 0x7F], #""\u0001\u001f\#u{7F}""#),
        (Array("café 日志 😀".utf8), "\"café 日志 😀\""),
        ([0xC3, 0x28], #""\ufffd(""#),
        ([0xFF, 0x41], #""\ufffdA""#),
        ([0xED, 0xA0, 0x80], #""\ufffd\ufffd\ufffd""#),   // a UTF-16 surrogate is not UTF-8
        ([0xE2, 0x82], #""\ufffd\ufffd""#),              // truncated sequence
        ([0xC0, 0xAF], #""\ufffd\ufffd""#),              // overlong
    ]

    @Test(arguments: strings)
    func escapesStrings(_ bytes: [UInt8], _ expected: String) {
        var out: [UInt8] = []
        bytes.withUnsafeBytes { JSONStringWriter.append($0, to: &out) }
        #expect(String(decoding: out, as: UTF8.self) == expected)
    }

    /// The same strings inside runs of plain bytes of every length around the sixteen-byte step, so each sits
    /// at every position of a step and in the tail.
    @Test(arguments: strings)
    func escapesStringsAtEveryOffset(_ bytes: [UInt8], _ expected: String) {
        let inner = expected.dropFirst().dropLast()
        for before in 0..<34 {
            for after in [0, 1, 15, 16, 17] {
                let prefix = String(repeating: "a", count: before), suffix = String(repeating: "z", count: after)
                var out: [UInt8] = []
                (Array(prefix.utf8) + bytes + Array(suffix.utf8)).withUnsafeBytes { JSONStringWriter.append($0, to: &out) }
                #expect(String(decoding: out, as: UTF8.self) == "\"" + prefix + inner + suffix + "\"", "\(before) + \(after)")
            }
        }
    }

    /// Long strings take the sixteen-bytes-at-a-time path: every special byte at every position of runs
    /// longer than one block escapes as the short cases above do.
    @Test func escapesSpecialBytesAtEveryPositionOfLongStrings() {
        let specials: [[UInt8]] = [[0x22], [0x5C], [0x0A], [0x01], [0xC3, 0xA9], [0xFF], [0xF0, 0x9F, 0x98, 0x80], [0xE2, 0x82]]
        for length in [15, 16, 17, 31, 32, 33, 47] {
            for position in 0..<length {
                for special in specials {
                    var bytes = (0..<length).map { UInt8(ascii: "a") + UInt8($0 % 26) }
                    let end = min(length, position + special.count)
                    bytes.replaceSubrange(position..<end, with: special.prefix(end - position))
                    var out: [UInt8] = []
                    bytes.withUnsafeBytes { JSONStringWriter.append($0, to: &out) }
                    // Plain letters as they are around the special bytes escaped alone (a short string,
                    // checked byte by byte in escapesStrings).
                    var alone: [UInt8] = []
                    Array(bytes[position..<end]).withUnsafeBytes { JSONStringWriter.append($0, to: &alone) }
                    let expected = [0x22] + bytes[..<position] + alone.dropFirst().dropLast() + bytes[end...] + [0x22]
                    #expect(out == expected, "length \(length), \(special) at \(position)")
                }
            }
        }
    }

    @Test func stringsRoundTripThroughTheReader() throws {
        let text = "q\"b\\n\n\t\r\u{01} café 日志 😀 " + String(repeating: "x", count: 40)
        var out: [UInt8] = []
        JSONStringWriter.append(text, to: &out)
        let back = try out.withUnsafeBytes { body -> [UInt8] in
            var reader = JSONReader(body)
            let string = try reader.readString()
            var back: [UInt8] = []
            reader.unescape(string, appendingTo: &back)
            #expect(reader.offset == body.count)
            return back
        }
        #expect(String(decoding: back, as: UTF8.self) == text)
    }
}
