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

/// The walk the decoders use (``JSONReader/nextMember()``, ``JSONReader/nextElement()``,
/// ``JSONReader/readScalarUnlessContainer()``) inlines only compact JSON and leaves whitespace and errors to
/// out-of-line paths: it must accept and refuse exactly what ``JSONReader/validate(_:maxDepth:)`` does, at the
/// same offsets, and read the same values whatever the whitespace.
@Suite struct JSONReaderWalkPathTests {
    /// Walks one value, recording scalars as their raw text and names with a trailing `:`.
    static func walk(_ reader: inout JSONReader, _ out: inout [String]) throws(JSONError) {
        if let scalar = try reader.readScalarUnlessContainer() {
            switch scalar {
            case .string(let string): out.append("s" + String(decoding: reader.bytes(string.span), as: UTF8.self))
            case .number(let number): out.append("n" + String(decoding: reader.bytes(number.span), as: UTF8.self))
            case .bool(let value): out.append(value ? "true" : "false")
            case .null: out.append("null")
            }
            return
        }
        if try reader.peek() == .object {
            try reader.beginObject()
            out.append("{")
            while let name = try reader.nextMember() {
                out.append(String(decoding: reader.bytes(name.span), as: UTF8.self) + ":")
                try walk(&reader, &out)
            }
            out.append("}")
        } else {
            try reader.beginArray()
            out.append("[")
            while try reader.nextElement() { try walk(&reader, &out) }
            out.append("]")
        }
    }

    static func walkDocument(_ bytes: [UInt8]) -> Result<[String], JSONError> {
        bytes.withUnsafeBytes { buffer in
            var reader = JSONReader(buffer)
            var out: [String] = []
            do throws(JSONError) {
                try walk(&reader, &out)
                try reader.finish()
                return .success(out)
            } catch {
                return .failure(error)
            }
        }
    }

    static func validated(_ bytes: [UInt8]) -> JSONError? {
        bytes.withUnsafeBytes { buffer in
            do throws(JSONError) { try JSONReader.validate(buffer); return nil } catch { return error }
        }
    }

    @Test(arguments: JSONReaderConformanceTests.accepted)
    func acceptsWhatValidateAccepts(_ text: String) throws {
        _ = try Self.walkDocument(Array(text.utf8)).get()
    }

    @Test(arguments: JSONReaderConformanceTests.rejected)
    func refusesWhereValidateRefuses(_ sample: JSONReaderConformanceTests.Rejected) {
        guard case .failure(let error) = Self.walkDocument(sample.bytes) else {
            Issue.record("accepted \(sample)")
            return
        }
        #expect(error == Self.validated(sample.bytes), "\(sample)")
    }

    /// The same document compact, with one space after commas and colons, and pretty-printed with tabs
    /// and newlines; numbers of every shape the inlined scanner takes or leaves, at the end of the buffer too.
    @Test(arguments: [
        #"{"a":1,"b":-0,"c":0.5,"d":-12.25,"e":1e5,"f":2E-3,"g":"x","h":true,"i":null,"j":[1,{"k":[]}],"l":{}}"#,
        #"[0,-1,10,1.0,123456789,"é\"",false]"#,
        #"{"n":7}"#,
        "42",
        "-3.5",
    ])
    func readsTheSameWhateverTheWhitespace(_ compact: String) throws {
        let expected = try Self.walkDocument(Array(compact.utf8)).get()
        var spaced = "", pretty = "", inString = false, escaped = false
        for character in compact {
            spaced.append(character)
            pretty.append(character)
            if inString {
                if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { inString = false }
                continue
            }
            switch character {
            case "\"": inString = true
            case ",", ":": spaced.append(" "); pretty.append(character == "," ? "\n\t" : " \t ")
            case "{", "[": pretty.append("\r\n  ")
            default: break
            }
        }
        #expect(try Self.walkDocument(Array(spaced.utf8)).get() == expected, "\(spaced)")
        #expect(try Self.walkDocument(Array(pretty.utf8)).get() == expected, "\(pretty)")
        #expect(try Self.walkDocument(Array((" " + compact + "\n").utf8)).get() == expected)
    }
}
