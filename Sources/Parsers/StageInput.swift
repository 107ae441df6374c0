import EventModel

/// The bytes a stage reads — a scratch copy of an arena span — and where that span starts in the arena,
/// so that any sub-range of the input can become a field value without copying.
struct StageInput {
    let bytes: UnsafeRawBufferPointer
    let arenaOffset: Int

    var count: Int { bytes.count }

    subscript(_ index: Int) -> UInt8 { bytes[index] }

    /// The arena span of input bytes `start ..< end`.
    func span(_ start: Int, _ end: Int) -> ByteSpan {
        ByteSpan(start: Int32(truncatingIfNeeded: arenaOffset + start), count: Int32(truncatingIfNeeded: end - start))
    }

    /// The input bytes `start ..< end` as their own input (same arena mapping).
    func slice(_ start: Int, _ end: Int) -> StageInput {
        StageInput(bytes: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), arenaOffset: arenaOffset + start)
    }

    func raw(_ start: Int, _ end: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[start..<end])
    }
}
