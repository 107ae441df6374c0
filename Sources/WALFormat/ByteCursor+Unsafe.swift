import EventModel

/// Writes varints, little-endian integers and bytes into memory the caller sized beforehand.
///
/// Guarantees: never writes past the buffer given at init (precondition), so a wrong size bound is a trap,
/// not a memory error.
struct LayoutWriter {
    private let base: UnsafeMutableRawPointer
    private let capacity: Int
    private(set) var position: Int

    init(_ buffer: UnsafeMutableRawBufferPointer, position: Int = 0) {
        self.base = buffer.baseAddress!
        self.capacity = buffer.count
        self.position = position
    }

    /// Most bytes a varint of a 64-bit value takes.
    static let maxVarintBytes = 10

    @inline(__always)
    mutating func uvarint(_ value: UInt64) {
        if value < 0x80 {
            // One byte: most lengths and counts of a layout.
            precondition(position < capacity)
            base.storeBytes(of: UInt8(truncatingIfNeeded: value), toByteOffset: position, as: UInt8.self)
            position += 1
            return
        }
        longUvarint(value)
    }

    private mutating func longUvarint(_ value: UInt64) {
        precondition(position + Self.maxVarintBytes <= capacity || position + Self.varintSize(value) <= capacity)
        var v = value
        while v >= 0x80 {
            base.storeBytes(of: UInt8(truncatingIfNeeded: v) | 0x80, toByteOffset: position, as: UInt8.self)
            position += 1
            v >>= 7
        }
        base.storeBytes(of: UInt8(truncatingIfNeeded: v), toByteOffset: position, as: UInt8.self)
        position += 1
    }

    mutating func zvarint(_ value: Int64) {
        uvarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    @inline(__always)
    mutating func bytes(_ source: UnsafeRawBufferPointer) {
        bytes(source.baseAddress, count: source.count)
    }

    /// The length as a varint, then `count` bytes from `from` (nil only when `count` is 0).
    @inline(__always)
    mutating func bytes(_ from: UnsafeRawPointer?, count: Int) {
        uvarint(UInt64(count))
        precondition(count >= 0 && position + count <= capacity)
        if let from, count > 0 { ShortCopy.copy(from, to: base + position, count: count) }
        position += count
    }

    /// Bytes the varint of `value` takes (1...10), without a loop.
    @inline(__always)
    static func varintSize(_ value: UInt64) -> Int {
        (70 &- (value | 1).leadingZeroBitCount) / 7
    }

    // MARK: Items (format version 3, records with references)

    /// A literal item: `uvarint (count << 1)`, then `count` bytes from `from` (nil only when `count` is 0).
    @inline(__always)
    mutating func literalItem(_ from: UnsafeRawPointer?, count: Int) {
        uvarint(UInt64(count) << 1)
        precondition(count >= 0 && position + count <= capacity)
        if let from, count > 0 { ShortCopy.copy(from, to: base + position, count: count) }
        position += count
    }

    /// A name item naming the previous event's field `index`: `uvarint (index << 1 | 1)`.
    @inline(__always)
    mutating func previousNameItem(_ index: Int) {
        uvarint(UInt64(index) << 1 | 1)
    }

    /// A value item for the `count` bytes at `offset` in the event's `@rawstring`:
    /// `uvarint (count << 1 | 1)`, `uvarint offset`. Written only when it is shorter than the literal item
    /// would be; returns whether it was written.
    @inline(__always)
    mutating func rawSliceItem(count: Int, offset: Int) -> Bool {
        let tag = UInt64(count) << 1 | 1
        // Offsets into a line are mostly one or two varint bytes: compared before the general size.
        let offsetBytes = offset < 0x80 ? 1 : offset < 0x4000 ? 2 : Self.varintSize(UInt64(offset))
        guard offsetBytes < count else { return false }
        uvarint(tag)
        uvarint(UInt64(offset))
        return true
    }
}

/// Reads what ``LayoutWriter`` wrote, from untrusted bytes.
///
/// Guarantees: never reads outside the buffer (`0 <= position <= count` holds after every call); every read
/// returns nil instead of running past the end or accepting an over-long varint.
struct LayoutReader {
    private let base: UnsafeRawPointer?
    let count: Int
    /// Where the next read starts; a caller may move it back to a place it read before.
    var position = 0

    init(_ buffer: UnsafeRawBufferPointer) {
        base = buffer.baseAddress
        count = buffer.count
    }

    var isAtEnd: Bool { position >= count }

    /// Inlined one- and two-byte fast paths: most varints of the layout (lengths, deltas, counts) are below
    /// 2^14, and a call per varint is a visible part of the replay (`sluice wal bench`, perf/wal-bench.md).
    /// Wrapping arithmetic: `position <= count` and `position + 2 <= count` are checked first, so it cannot
    /// overflow; the checked forms cost a branch per byte in the parser's loop.
    @inline(__always)
    mutating func uvarint() -> UInt64? {
        if count &- position >= 2, let base {
            let byte = base.load(fromByteOffset: position, as: UInt8.self)
            if byte < 0x80 {
                position &+= 1
                return UInt64(byte)
            }
            let next = base.load(fromByteOffset: position &+ 1, as: UInt8.self)
            if next < 0x80 {
                position &+= 2
                return UInt64(byte & 0x7F) | UInt64(next) << 7
            }
        }
        return longUvarint()
    }

    private mutating func longUvarint() -> UInt64? {
        guard let base else { return nil }
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while position < count {
            let byte = base.load(fromByteOffset: position, as: UInt8.self)
            position += 1
            if shift == 63 && byte > 1 { return nil }
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
            if shift > 63 { return nil }
        }
        return nil
    }

    @inline(__always)
    mutating func zvarint() -> Int64? {
        guard let raw = uvarint() else { return nil }
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    /// An item of a record with references (format version 3): `.literal` (`uvarint (length << 1)`,
    /// then the bytes, as their offset in the buffer and length) or `.reference` (`uvarint (number << 1 | 1)`,
    /// and for values `uvarint offset`), which the caller resolves. Nil when it runs past the buffer.
    @inline(__always)
    mutating func item(withOffset: Bool) -> LayoutItem? {
        guard let tag = uvarint() else { return nil }
        let number = tag >> 1
        if tag & 1 == 0 {
            guard number <= UInt64(count &- position) else { return nil }
            let start = position
            position &+= Int(truncatingIfNeeded: number)
            return .literal(start: start, count: Int(truncatingIfNeeded: number))
        }
        guard withOffset else { return .reference(number: number, offset: 0) }
        guard let offset = uvarint() else { return nil }
        return .reference(number: number, offset: offset)
    }

    /// A length-prefixed run of bytes, as its offset in the buffer and its length.
    @inline(__always)
    mutating func span() -> (start: Int, count: Int)? {
        // `length <= count - position`, so the wrapping add stays within `count`.
        guard let length = uvarint(), length <= UInt64(count &- position) else { return nil }
        let start = position
        position &+= Int(truncatingIfNeeded: length)
        return (start, Int(truncatingIfNeeded: length))
    }
}

/// A field name or value of a format-3 layout as read: literal bytes of the layout, or a reference (the
/// previous event's field `number` for a name; `number` bytes at `offset` of the event's `@rawstring` for
/// a value).
enum LayoutItem {
    case literal(start: Int, count: Int)
    case reference(number: UInt64, offset: UInt64)
}

extension UnsafeRawBufferPointer {
    public func le<T: FixedWidthInteger>(_ offset: Int, as: T.Type) -> T {
        T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}

extension UnsafeMutableRawBufferPointer {
    func storeLE<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self)
    }
}
