import Testing
@testable import HTTPWire

@Suite struct ASCIITests {
    @Test func tokenCharsAreExactlyTheRFC9110Set() {
        let tchar = Set(Array("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8))
        for byte in 0...255 {
            #expect(ASCII.isTokenChar(UInt8(byte)) == tchar.contains(UInt8(byte)), "byte \(byte)")
        }
    }

    @Test func fieldValueCharsAllowHTABAndRejectOtherControls() {
        for byte in 0...255 {
            let expected = byte == 0x09 || (byte >= 0x20 && byte != 0x7F)
            #expect(ASCII.isFieldValueChar(UInt8(byte)) == expected, "byte \(byte)")
        }
    }

    @Test func listElementsAreTrimmedAndEmptyOnesSkipped() {
        let bytes = [UInt8](" , gzip ,\tchunked,, x ,")
        var elements: [String] = []
        _ = bytes.withUnsafeBytes { buffer in
            ASCII.forEachListElement(buffer, 0..<bytes.count) { range in
                elements.append(bytes.string(range))
                return true
            }
        }
        #expect(elements == ["gzip", "chunked", "x"])
    }
}
