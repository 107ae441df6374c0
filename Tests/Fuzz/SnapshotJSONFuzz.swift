// Fuzz target for the token snapshot's JSON reader and writer (Sources/Tokens/JSONReader.swift,
// JSONWriter.swift): any input either is refused with a TokenError or reads as a value that, written back
// and read again, is the same value. Deterministic; built by perf/fuzz.sh SnapshotJSON.

indirect enum FuzzValue: Equatable {
    case null, bool(Bool), int(Int), string(String), array([FuzzValue]), object([String], [FuzzValue])
}

func readValue(_ reader: inout JSONReader, depth: Int) throws(TokenError) -> FuzzValue {
    guard depth < 64 else { throw reader.refuse("too deep") }
    switch reader.peek() {
    case UInt8(ascii: "{"):
        var keys: [String] = [], values: [FuzzValue] = []
        try reader.readObject { (reader, key) throws(TokenError) in
            keys.append(key)
            values.append(try readValue(&reader, depth: depth + 1))
        }
        return .object(keys, values)
    case UInt8(ascii: "["):
        var values: [FuzzValue] = []
        try reader.readArray { (reader, _) throws(TokenError) in values.append(try readValue(&reader, depth: depth + 1)) }
        return .array(values)
    case UInt8(ascii: "\""): return .string(try reader.readString())
    case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool(try reader.readBool())
    case UInt8(ascii: "n"):
        _ = try reader.readNull()
        return .null
    default: return .int(try reader.readInt())
    }
}

func writeValue(_ value: FuzzValue, _ out: inout JSONWriter) {
    switch value {
    case .null: out.raw("null")
    case let .bool(flag): out.raw(flag ? "true" : "false")
    case let .int(number): out.raw(String(number))
    case let .string(text): out.string(text)
    case let .array(values):
        out.raw("[")
        for (i, element) in values.enumerated() {
            if i > 0 { out.raw(",") }
            writeValue(element, &out)
        }
        out.raw("]")
    case let .object(keys, values):
        out.raw("{")
        for i in keys.indices {
            if i > 0 { out.raw(",") }
            out.string(keys[i])
            out.raw(":")
            writeValue(values[i], &out)
        }
        out.raw("}")
    }
}

func parse(_ bytes: [UInt8]) -> FuzzValue? {
    var reader = JSONReader(bytes: bytes, file: "fuzz")
    do {
        let value = try readValue(&reader, depth: 0)
        try reader.expectEnd()
        return value
    } catch {
        guard case .invalidSnapshot(file: "fuzz", path: let path, reason: let reason) = error, path.hasPrefix("$"), !reason.isEmpty else {
            fatalError("refusal without file, path or reason: \(error)")
        }
        return nil
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let value = parse(bytes) else { return 0 }
    var out = JSONWriter()
    writeValue(value, &out)
    guard let again = parse(out.bytes) else { fatalError("written JSON was refused: \(String(decoding: out.bytes, as: UTF8.self))") }
    precondition(again == value, "value changed across write and read")
    return 0
}
