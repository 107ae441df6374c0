import Synchronization

/// A field name known when the pipeline is compiled, kept as bytes so events never build it from a String.
///
/// The bytes are interned (``InternedBytes``), so a name is a plain pointer: stages read names for every
/// event, and with an array here each read retained it, on counts that every event loop shared.
struct FieldName: Sendable, Equatable {
    let bytes: InternedBytes

    init(_ text: String) { bytes = InternedBytes(Array(text.utf8)) }
    init(bytes: [UInt8]) { self.bytes = InternedBytes(bytes) }

    /// `@rawstring` names the event's raw text rather than a field.
    var isRawstring: Bool { bytes.buffer.elementsEqual("@rawstring".utf8) }

    var text: String { String(decoding: bytes.buffer, as: UTF8.self) }
}

/// Bytes a parser definition holds (field names, values it sets), stored once per distinct content for
/// the life of the process and never freed, so that they can be read without reference counting.
///
/// Guarantees: ``buffer`` stays valid and unchanged forever; equal contents share one copy. The memory
/// kept is bounded by the distinct names and values ever compiled, not by how often they are compiled.
struct InternedBytes: @unchecked Sendable, Equatable {
    /// Immutable, immortal memory (see the type's guarantees), so sharing it between threads is safe.
    let buffer: UnsafeRawBufferPointer

    init(_ bytes: [UInt8]) {
        buffer = Self.table.withLock { table in
            if let existing = table[bytes] { return existing }
            let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, bytes.count), alignment: 1)
            bytes.withUnsafeBytes { copy.copyMemory(from: $0) }
            let interned = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(copy)[0..<bytes.count])
            table[bytes] = interned
            return interned
        }
    }

    var count: Int { buffer.count }

    static func == (lhs: InternedBytes, rhs: InternedBytes) -> Bool {
        lhs.buffer.baseAddress == rhs.buffer.baseAddress && lhs.buffer.count == rhs.buffer.count
    }

    private static let table = Mutex<[[UInt8]: UnsafeRawBufferPointer]>([:])
}
