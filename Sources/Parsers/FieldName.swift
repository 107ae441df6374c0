/// A field name known when the pipeline is compiled, kept as bytes so events never build it from a String.
struct FieldName: Sendable, Equatable {
    let bytes: [UInt8]

    init(_ text: String) { bytes = Array(text.utf8) }
    init(bytes: [UInt8]) { self.bytes = bytes }

    /// `@rawstring` names the event's raw text rather than a field.
    var isRawstring: Bool { bytes.elementsEqual("@rawstring".utf8) }

    var text: String { String(decoding: bytes, as: UTF8.self) }
}
