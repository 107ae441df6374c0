import EventModel

/// Non-generic ways into ``EventBatch``'s arena: the batch's generic `store`/`appendBytes` cannot be
/// specialised across the module boundary, and the unspecialised calls are a large part of decoding time
/// (perf/decode-throughput.sh measures it).
extension EventBatch {
    mutating func store(bytes: [UInt8]) -> ByteSpan {
        bytes.withUnsafeBytes { store($0) }
    }

    mutating func append(bytes: [UInt8]) {
        bytes.withUnsafeBytes { appendBytes($0) }
    }

    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { appendBytes(UnsafeRawBufferPointer($0)) }
    }

    mutating func store(text: String) -> ByteSpan {
        var text = text
        return text.withUTF8 { store(UnsafeRawBufferPointer($0)) }
    }
}
