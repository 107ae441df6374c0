import Testing
@testable import JSONStream

/// `readString(unescapingInto:)` reads what `readString()` reads and writes what `unescape` writes, in one
/// pass; it gives up the writing (not the reading) when the target is too small or for `\u` escapes.
struct JSONReaderUnescapingReadTests {
    /// Reads `text` (one JSON string, then `tail`) both ways with a target of `capacity` bytes.
    static func read(_ text: String, tail: String = "", capacity: Int) throws -> (unescaped: String?, plain: String, end: Int) {
        let bytes = Array((text + tail).utf8)
        return try bytes.withUnsafeBytes { body in
            var plainReader = JSONReader(body)
            let plain = try plainReader.readString()
            var unescaped: [UInt8] = []
            plainReader.unescape(plain, appendingTo: &unescaped)
            var reader = JSONReader(body)
            var buffer = [UInt8](repeating: 0, count: max(capacity, 1))
            let read = try buffer.withUnsafeMutableBytes { target in
                try reader.readString(unescapingInto: UnsafeMutableRawBufferPointer(rebasing: target[..<capacity]))
            }
            #expect(read.string == plain)
            #expect(reader.offset == plainReader.offset)
            let written = read.written.map { String(decoding: buffer[..<$0], as: UTF8.self) }
            return (written, String(decoding: unescaped, as: UTF8.self), reader.offset)
        }
    }

    static let long = String(repeating: "0123456789", count: 5)

    @Test(arguments: [
        #""""#, #""plain""#, "\"\(long)\"", #""a \"quoted\" word""#, #""\\\/\b\f\n\r\t""#,
        "\"\(long)\\\"\(long)\\n\"", #""héllo wörld, 日本語 and 😀 in the middle of a line of text""#,
        "\"\\\"\(long)\"", "\"\(long)\\\\\"",
    ])
    func writesWhatUnescapeWrites(_ text: String) throws {
        for tail in ["", " ,{}", String(repeating: " ", count: 40)] {
            let read = try Self.read(text, tail: tail, capacity: 4096)
            #expect(read.unescaped == read.plain)
            #expect(read.end == text.utf8.count)
        }
    }

    @Test(arguments: [(#""\u00e9t\u00e9""#, 4096), (#""\ud83d\ude00""#, 4096), ("\"\(long)\"", 49), ("\"a\\\"b\"", 2)])
    func givesUpWritingButStillReads(_ text: String, _ capacity: Int) throws {
        let read = try Self.read(text, capacity: capacity)
        #expect(read.unescaped == nil)
        #expect(read.end == text.utf8.count)
    }

    @Test(arguments: [0, 1, 15, 16, 17, 50, 51])
    func everyTargetSizeWritesAllOrNothing(_ capacity: Int) throws {
        let text = "\"\(Self.long)\""
        let read = try Self.read(text, capacity: capacity)
        #expect(read.unescaped == (capacity >= 50 ? Self.long : nil))
    }

    /// Errors are `readString()`'s, at the same offsets.
    @Test(arguments: ["\"abc", "\"a\u{01}b\"", #""a\qb""#, "\"\(long)\u{1F}\"", #""\u12G4""#, "\"a\\", "x"])
    func failsAsReadStringFails(_ text: String) {
        let bytes = Array(text.utf8) + [0xFF]
        let limit = text.utf8.count
        func offset(_ body: (inout JSONReader) throws(JSONError) -> Void) -> Int? {
            bytes.withUnsafeBytes { all in
                var reader = JSONReader(UnsafeRawBufferPointer(rebasing: all[..<limit]))
                do throws(JSONError) { try body(&reader); return nil } catch { return error.offset }
            }
        }
        let plain = offset { reader throws(JSONError) in _ = try reader.readString() }
        var buffer = [UInt8](repeating: 0, count: 256)
        let fused = buffer.withUnsafeMutableBytes { target in
            offset { reader throws(JSONError) in _ = try reader.readString(unescapingInto: target) }
        }
        #expect(plain != nil)
        #expect(fused == plain)
    }
}
