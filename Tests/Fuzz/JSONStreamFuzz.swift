// libFuzzer target for JSONStream: the validating pull reader and its value helpers.
// Built by `perf/fuzz.sh JSONStream <seconds>` (the JSONStream target as SwiftPM builds it); deterministic (no randomness).
//
// Besides "no crash, no sanitizer report", it traps when an invariant breaks:
// - `validate` and a full walk (every member, element and scalar read through the API) agree: both accept, or
//   both refuse with the same error;
// - an accepted document ends balanced (depth 0) and every error offset lies within the input;
// - every string unescapes to valid UTF-8, and `equals` agrees with the unescaped bytes;
// - `readString(unescapingInto:)` reads what `readString()` reads (or fails the same way), for targets of
//   every size, and what it writes is what `unescape` writes;
// - `int64` agrees with a digit-by-digit reference, `double` with the standard library's parser.
@testable import JSONStream

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    for maxDepth in [64, 4] {
        let validated = outcome { () throws(JSONError) in try JSONReader.validate(input, maxDepth: maxDepth) }
        var reader = JSONReader(input, maxDepth: maxDepth)
        let walked = outcome { () throws(JSONError) in
            try walk(&reader)
            try reader.finish()
        }
        check(validated == walked, "validate and walk disagree")
        if let error = walked { check(error.offset >= 0 && error.offset <= size, "error offset outside the input") }
        else { check(reader.depth == 0, "accepted document not balanced") }
    }
    return 0
}

private func outcome(_ body: () throws(JSONError) -> Void) -> JSONError? {
    do throws(JSONError) {
        try body()
        return nil
    } catch {
        return error
    }
}

private func check(_ condition: Bool, _ message: StaticString) {
    if !condition { fatalError("\(message)") }
}

private func walk(_ reader: inout JSONReader) throws(JSONError) {
    switch try reader.peek() {
    case .object:
        try reader.beginObject()
        while let name = try reader.nextMember() {
            checkString(name, reader)
            try walk(&reader)
        }
    case .array:
        try reader.beginArray()
        while try reader.nextElement() { try walk(&reader) }
    case .string:
        checkUnescapingRead(reader)
        checkString(try reader.readString(), reader)
    case .number:
        checkNumber(try reader.readNumber(), reader)
    case .bool:
        _ = try reader.readBool()
    case .null:
        try reader.readNull()
    }
}

private func checkString(_ string: JSONString, _ reader: JSONReader) {
    var unescaped: [UInt8] = []
    reader.unescape(string, appendingTo: &unescaped)
    check(String(validating: unescaped, as: UTF8.self) != nil, "unescaped string is not UTF-8")
    check(string.hasEscapes || unescaped.elementsEqual(reader.bytes(string.span)), "unescaped differs without escapes")
    check(reader.equals(string, "event") == unescaped.elementsEqual("event".utf8), "equals disagrees")
    // `unescape(_:into:)` writes the same bytes within the escaped length, and both agree with a byte-by-byte
    // reference walk (the library ones find backslashes with memchr).
    var buffer = [UInt8](repeating: 0xAA, count: string.span.count + 1)
    let written = buffer.withUnsafeMutableBytes { reader.unescape(string, into: $0.baseAddress!) }
    check(written <= string.span.count && buffer[string.span.count] == 0xAA, "unescape(into:) wrote past the escaped length")
    check(buffer[..<written].elementsEqual(unescaped), "unescape(into:) differs from unescape(appendingTo:)")
    check(referenceUnescape(string, reader) == unescaped, "unescape differs from the byte-by-byte reference")
}

/// `readString(unescapingInto:)` on copies of `reader` (at a string value) with a target too small, one of a
/// size that varies with the position, and one large enough, against `readString()` then `unescape`.
private func checkUnescapingRead(_ reader: JSONReader) {
    var plainReader = reader
    var plain: JSONString? = nil
    let plainError = outcome { () throws(JSONError) in plain = try plainReader.readString() }
    for capacity in [0, reader.offset % 37, reader.bytes.count + 16] {
        var fusedReader = reader
        var buffer = [UInt8](repeating: 0, count: max(capacity, 1))
        var read: (string: JSONString, written: Int?)? = nil
        let fusedError = buffer.withUnsafeMutableBytes { target in
            outcome { () throws(JSONError) in
                read = try fusedReader.readString(unescapingInto: UnsafeMutableRawBufferPointer(rebasing: target[..<capacity]))
            }
        }
        check(fusedError == plainError, "unescaping read fails differently")
        guard let plain, let read else { continue }
        check(read.string == plain && fusedReader.offset == plainReader.offset, "unescaping read reads another string")
        if let written = read.written {
            var unescaped: [UInt8] = []
            reader.unescape(plain, appendingTo: &unescaped)
            check(buffer[..<written].elementsEqual(unescaped), "unescaping read writes other bytes")
        } else {
            let hasUnicodeEscape = reader.bytes(plain.span).indices.contains {
                $0 + 1 < plain.span.count && reader.bytes(plain.span)[$0] == UInt8(ascii: "\\")
                    && reader.bytes(plain.span)[$0 + 1] == UInt8(ascii: "u")
            }
            check(capacity < plain.span.count || hasUnicodeEscape, "unescaping read gave up without a reason")
        }
    }
}

private func referenceUnescape(_ string: JSONString, _ reader: JSONReader) -> [UInt8] {
    let raw = reader.bytes(string.span)
    var out: [UInt8] = []
    var index = 0
    while index < raw.count {
        if raw[index] != UInt8(ascii: "\\") {
            out.append(raw[index])
            index += 1
            continue
        }
        let (scalar, length) = JSONReader.decodeEscape(raw, at: index)
        out.append(contentsOf: String(Unicode.Scalar(scalar)!).utf8)
        index += length
    }
    return out
}

private func checkNumber(_ number: JSONNumber, _ reader: JSONReader) {
    let text = reader.bytes(number.span)
    if let value = reader.int64(number) {
        check(number.isInteger, "int64 of a non-integer")
        let reference = text.dropFirst(text.first == UInt8(ascii: "-") ? 1 : 0)
            .reduce(Int64(0)) { $0 &* 10 &+ Int64($1 - UInt8(ascii: "0")) }  // wraps only for Int64.min
        check(value == (text.first == UInt8(ascii: "-") ? 0 &- reference : reference), "int64 differs from reference")
    }
    let standard = Double(String(decoding: text, as: UTF8.self))
    let ours = reader.double(number)
    check(standard != nil, "standard library refuses a JSON number")
    if let standard, standard.isFinite {
        check(ours == standard, "double differs from the standard library")
    } else {
        check(ours == nil, "double of an infinite value")
    }
}
