import EventModel
import JSONStream

/// Stores free text (raw bodies, HEC raw lines) as valid UTF-8: each ill-formed sequence (its maximal
/// valid prefix, per Unicode's "substitution of maximal subparts") becomes U+FFFD.
enum UTF8Text {
    static func store(_ bytes: UnsafeRawBufferPointer, _ batch: inout EventBatch) -> ByteSpan {
        guard var bad = invalidSequence(in: bytes, from: 0) else { return batch.store(bytes) }
        let start = batch.arenaCount
        var runStart = 0
        while true {
            batch.appendBytes(UnsafeRawBufferPointer(rebasing: bytes[runStart..<bad.start]))
            batch.append("\u{FFFD}")
            runStart = bad.start + bad.length
            guard let next = invalidSequence(in: bytes, from: runStart) else { break }
            bad = next
        }
        batch.appendBytes(UnsafeRawBufferPointer(rebasing: bytes[runStart...]))
        return batch.span(from: start)
    }

    /// The first ill-formed sequence at or after `from`: where it starts and how many bytes to replace.
    static func invalidSequence(in bytes: UnsafeRawBufferPointer, from: Int) -> (start: Int, length: Int)? {
        var index = from
        let count = bytes.count
        while index < count {
            // ASCII runs eight bytes at a time.
            while index + 8 <= count, bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                index += 8
            }
            guard index < count else { return nil }
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            guard let (length, second) = UTF8Sequence.shape(lead: lead) else { return (index, 1) }
            var valid = 1
            while valid < length {
                guard index + valid < count else { return (index, valid) }
                let byte = bytes[index + valid]
                let ok = valid == 1 ? second.contains(byte) : UTF8Sequence.isContinuation(byte)
                if !ok { return (index, valid) }
                valid += 1
            }
            index += length
        }
        return nil
    }
}
