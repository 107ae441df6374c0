#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CPCRE2
import EventModel

/// Buffers one thread reuses for every event it parses: a copy of the stage's input (so the event's
/// arena can grow while the input is read), a buffer for composed field names, and PCRE2 match data.
/// Created on a thread's first parse and freed when the thread exits; never shared between threads,
/// so parsing allocates nothing per event once the buffers have grown to the largest input seen.
final class ParseScratch {
    private(set) var input: UnsafeMutableRawPointer
    private var inputCapacity: Int
    /// Bytes of a composed name (`a.b[0]`, `sd-id.param`); callers append and reset.
    var name: [UInt8] = []
    private var matchData: OpaquePointer?
    /// The text ``interned(_:in:)`` stored last, and where.
    private var internedText: UnsafePointer<UInt8>?
    private var internedStart: Int32 = -1
    private var matchPairs: Int = 0

    init() {
        inputCapacity = 4096
        input = UnsafeMutableRawPointer.allocate(byteCount: inputCapacity, alignment: 16)
        name.reserveCapacity(256)
    }

    deinit {
        input.deallocate()
        if let matchData { pcre2_match_data_free_8(matchData) }
    }

    /// Copies `bytes` into the input buffer and returns a view of the copy, valid until the next load.
    func load(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        if bytes.count > inputCapacity {
            input.deallocate()
            inputCapacity = max(bytes.count, inputCapacity * 2)
            input = UnsafeMutableRawPointer.allocate(byteCount: inputCapacity, alignment: 16)
        }
        if let base = bytes.baseAddress, bytes.count > 0 {
            input.copyMemory(from: base, byteCount: bytes.count)
        }
        return UnsafeRawBufferPointer(start: input, count: bytes.count)
    }

    /// The arena span of `text` in `batch`: where this thread last stored it when those bytes are still
    /// there (checked by content, so a batch emptied or rolled back since is never misread), else a fresh
    /// copy. Lets the `accesslog` stage store its field names once per batch instead of once per line, and
    /// gives every line the same name spans, which the WAL encoder recognises without comparing bytes.
    func interned(_ text: StaticString, in batch: inout EventBatch) -> ByteSpan {
        let count = text.utf8CodeUnitCount
        let candidate = ByteSpan(start: internedStart, count: Int32(truncatingIfNeeded: count))
        if internedText == text.utf8Start, internedStart >= 0, Int(internedStart) + count <= batch.arenaCount,
           batch.withBytes(candidate, { memcmp($0.baseAddress!, text.utf8Start, count) == 0 }) {
            return candidate
        }
        let span = batch.store(text)
        internedText = text.utf8Start
        internedStart = span.start
        return span
    }

    /// Match data with room for at least `pairs` capture pairs; reused across patterns on this thread.
    func matchData(pairs: Int) -> OpaquePointer? {
        if let matchData, matchPairs >= pairs { return matchData }
        if let matchData { pcre2_match_data_free_8(matchData) }
        matchPairs = max(pairs, 32)
        matchData = pcre2_match_data_create_8(UInt32(matchPairs), nil)
        return matchData
    }

    /// Runs `body` with this thread's scratch, borrowed: the thread-specific slot owns it, so no reference
    /// count changes (a strong reference would cost a retain and a release per parsed event).
    @inline(__always)
    static func withCurrent<R>(_ body: (ParseScratch) -> R) -> R {
        let pointer = pthread_getspecific(scratchKey) ?? makeCurrent()
        return Unmanaged<ParseScratch>.fromOpaque(pointer)._withUnsafeGuaranteedRef(body)
    }

    /// Creates this thread's scratch, owned by the thread-specific slot until the thread exits.
    private static func makeCurrent() -> UnsafeMutableRawPointer {
        let pointer = Unmanaged.passRetained(ParseScratch()).toOpaque()
        pthread_setspecific(scratchKey, pointer)
        return pointer
    }
}

private let scratchKey: pthread_key_t = {
    var key = pthread_key_t()
    let status = pthread_key_create(&key) { pointer in
        guard let pointer else { return }
        Unmanaged<ParseScratch>.fromOpaque(pointer).release()
    }
    precondition(status == 0, "pthread_key_create failed")
    return key
}()
