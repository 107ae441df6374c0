import POSIX
import Synchronization

/// The second half of a large snapshot's `ingestTokens` list, read on a thread of its own while
/// ``SnapshotCodec/decodeServing(_:file:)`` reads the file up to it: the list is most of a large file, and
/// reading it is most of a reload.
///
/// Where the half starts is guessed from the bytes alone: the first comma after the file's middle that ends
/// a line and follows a `}` (a raw line break is never inside a JSON string, so that comma is between two
/// values). The reader here starts there as inside an array two containers deep, right after an element,
/// and reads ingest token entries up to the array's `]`. The first reader takes the result only when it
/// finishes an ingest token entry exactly where that comma's element ended (then it is the same array, in
/// the same state, and what it would read from there is what this read), and only when everything here was
/// accepted; otherwise it reads on by itself, so a refusal is its own, with its path and words.
///
/// Guarantees: the tokens handed over are those the first reader would have appended from that point, in
/// order, in parts of at most ``partSize`` (so the first reader can take them over part by part, freeing
/// each, and the two copies of half the list never exist whole at once). The thread stops early once the
/// first reader is done without it, and has ended before ``finish()`` returns.
final class IngestTokenSecondHalf {
    /// Where the first half's last entry ends (just after its `}`).
    let firstHalfEnd: Int
    private let thread: JoinableThread
    private let output: Output

    /// Files smaller than this are read by one thread.
    static let minimumBytes = 4 << 20
    /// Tokens per part handed over.
    static let partSize = 1 << 16

    /// Starts the second reader on `bytes`, or returns nil when the file is small or no place to start is found.
    init?(_ bytes: [UInt8], file: String) {
        guard bytes.count >= Self.minimumBytes,
              let start = bytes.withUnsafeBytes({ Self.startingPoint(in: $0) }) else { return nil }
        let output = Output()
        let comma = start.comma
        guard let thread = try? JoinableThread(name: "snapshot-half", {
            bytes.withUnsafeBytes { raw in output.read(raw, from: comma, file: file) }
        }) else { return nil }
        firstHalfEnd = start.end
        self.thread = thread
        self.output = output
    }

    /// Where the second half starts: (the end of the entry before the comma, the comma), or nil.
    static func startingPoint(in raw: UnsafeRawBufferPointer) -> (end: Int, comma: Int)? {
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D }
        var newline = raw.count / 2
        // A few lines on at most: a line ending otherwise is unusual in a large snapshot, which the server
        // writes one entry a line.
        for _ in 0..<64 {
            while newline < raw.count && raw[newline] != 0x0A { newline += 1 }
            guard newline < raw.count else { return nil }
            var comma = newline - 1
            while comma > 0 && isBlank(raw[comma]) { comma -= 1 }
            if raw[comma] == UInt8(ascii: ",") {
                var brace = comma - 1
                while brace > 0 && (isBlank(raw[brace]) || raw[brace] == 0x0A) { brace -= 1 }
                if raw[brace] == UInt8(ascii: "}") { return (brace + 1, comma) }
            }
            newline += 1
        }
        return nil
    }

    /// Waits for the second reader; returns its parts and the offset of the list's `]` when it read to
    /// there and accepted everything, else nil. Call once, from the first reader, at ``firstHalfEnd``.
    func take() -> (parts: [IngestTokenTable.Builder], closing: Int)? {
        thread.join()
        guard let closing = output.closing else { return nil }
        defer { output.parts = [] }
        return (output.parts, closing)
    }

    /// Stops the second reader (when still reading) and waits for it.
    func finish() {
        output.stopped.store(true, ordering: .relaxed)
        thread.join()
        output.parts = []
    }

    /// What the thread reads into; written by it alone until it is joined, read after.
    private final class Output: @unchecked Sendable {
        let stopped = Atomic<Bool>(false)
        var parts: [IngestTokenTable.Builder] = []
        /// The offset of the list's `]`; nil when the thread refused something or stopped.
        var closing: Int?

        func read(_ raw: UnsafeRawBufferPointer, from comma: Int, file: String) {
            var reader = JSONPathReader(raw: raw, resumingAt: comma, depth: 2, file: file)
            var part = IngestTokenTable.Builder(capacity: IngestTokenSecondHalf.partSize)
            var parts: [IngestTokenTable.Builder] = []
            do throws(TokenError) {
                let closing = try reader.readRemainingElements { (reader) throws(TokenError) in
                    if part.count == IngestTokenSecondHalf.partSize {
                        // Checked once a part: the first reader may be done already (it refused the file).
                        if stopped.load(ordering: .relaxed) { throw .invalidSnapshot(file: file, path: "", reason: "stopped") }
                        parts.append(part)
                        part = IngestTokenTable.Builder(capacity: IngestTokenSecondHalf.partSize)
                    }
                    part.append(try SnapshotCodec.readIngestToken(&reader))
                }
                parts.append(part)
                self.parts = parts
                self.closing = closing
            } catch {
                // Refused or stopped: the first reader reads this half itself, and refuses it in its own words.
            }
        }
    }
}
