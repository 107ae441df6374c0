/// The bytes of a field name being composed (`a.b[0].c`). Guarantees: truncating keeps the storage, so
/// once it has grown to the longest name seen, composing names allocates nothing and never goes through
/// `Array.removeSubrange`, whose `replaceSubrange` is costly on bulk bodies. The unsafe copies
/// stay inside this type.
struct NameBuffer: Sendable {
    /// Always fully initialised; bytes past ``count`` are leftovers.
    private var storage: [UInt8] = []
    /// Bytes in use.
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    mutating func removeAll() { count = 0 }

    /// Keeps the first `newCount` bytes (`newCount` ≤ ``count``).
    mutating func truncate(to newCount: Int) {
        precondition(newCount >= 0 && newCount <= count, "a name only shrinks by truncation")
        count = newCount
    }

    /// Grows the storage (doubling) so that `extra` more bytes fit.
    private mutating func reserve(_ extra: Int) {
        let needed = count + extra
        if needed > storage.count {
            storage.append(contentsOf: repeatElement(0, count: max(needed, storage.count * 2, 64) - storage.count))
        }
    }

    mutating func append(_ byte: UInt8) {
        reserve(1)
        storage[count] = byte
        count += 1
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(bytes.count)
        let start = count
        storage.withUnsafeMutableBytes { ($0.baseAddress! + start).copyMemory(from: source, byteCount: bytes.count) }
        count += bytes.count
    }

    /// Lets `body` write up to `capacity` bytes after the current ones; it returns how many it wrote.
    mutating func append(upTo capacity: Int, _ body: (UnsafeMutableRawPointer) -> Int) {
        reserve(capacity)
        let start = count
        let written = storage.withUnsafeMutableBytes { body($0.baseAddress! + start) }
        precondition(written >= 0 && written <= capacity, "wrote outside the reserved bytes")
        count += written
    }

    /// Appends a non-negative integer in decimal.
    mutating func appendDecimal(_ value: Int) {
        if value >= 10 { appendDecimal(value / 10) }
        append(UInt8(ascii: "0") + UInt8(value % 10))
    }

    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try storage.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
    }

    /// Whether the name is exactly `#type` (the field that names a parser).
    var isTypeName: Bool {
        count == 5 && withBytes { IngestDecoder.isTypeName($0) }
    }
}
