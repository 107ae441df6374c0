import EventModel

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
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            let length: Int
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: return (index, 1)
            }
            var valid = 1
            while valid < length {
                guard index + valid < count else { return (index, valid) }
                let byte = bytes[index + valid]
                let ok = valid == 1 ? (low...high).contains(byte) : byte & 0xC0 == 0x80
                if !ok { return (index, valid) }
                valid += 1
            }
            index += length
        }
        return nil
    }
}
