import ArgumentParser
import EventModel
import Foundation
import Parsers
import Synchronization
import WAL
#if canImport(Glibc)
import Glibc
#endif

/// `sluice parse --parser NAME [--snapshot FILE] < lines`: runs one parser over each line of standard
/// input, without a server, and prints one JSON object per line with the timestamp and fields it produced.
///
/// It runs as ingest does: lines are read in large chunks and parsed into reusable ``EventBatch``es by the same
/// ``ParserPipeline``, and each full batch goes to a second thread that writes it with the NDJSON writer of
/// `sluice wal cat` (``WALEventJSON``, without `@ingesttimestamp`) into one reused buffer, written out in large
/// pieces; the output is in input order.
struct ParseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Run a parser over lines from standard input; print one JSON object per line.")

    @Option(help: "The parser: a built-in (kv, kv-millis, json, accesslog, syslog, syslog-utc, none) or one the snapshot defines.")
    var parser: String

    @Option(help: "A token snapshot file whose `parsers` member defines custom parsers.")
    var snapshot: String?

    /// Only the snapshot member this command needs.
    private struct SnapshotParsers: Decodable {
        var parsers: [CustomParserDefinition]?
    }

    func run() throws {
        var custom: [CustomParserDefinition] = []
        if let snapshot {
            let data = try Data(contentsOf: URL(fileURLWithPath: snapshot))
            custom = try JSONDecoder().decode(SnapshotParsers.self, from: data).parsers ?? []
        }
        let registry: ParserRegistry
        do {
            registry = try ParserRegistry.compile(custom)
        } catch {
            throw ValidationError(error.description)
        }
        guard let pipeline = registry.pipeline(named: parser) else {
            throw ValidationError("no parser named '\(parser)'")
        }
        let handoff = BatchHandoff(batches: 3)
        let written = DispatchSemaphore(value: 0)
        // The second stage on a thread of its own, as a loop hands batches to the WAL writers: while one batch
        // is written out as NDJSON, the next is read and parsed.
        let writer = Thread {
            var output = LineWriterOutput()
            while let batch = handoff.takeParsed() {
                output.write(batch)
                handoff.giveBack(batch)
            }
            output.flush()
            written.signal()
        }
        writer.start()
        var lines = LineParser(pipeline: pipeline, handoff: handoff)
        var input = [UInt8](repeating: 0, count: LineParser.readBytes)
        var filled = 0
        var failure: Int32?
        while true {
            if filled == input.count {
                // A line longer than the buffer: room for more of it.
                input.append(contentsOf: repeatElement(0, count: input.count))
            }
            let count = input.withUnsafeMutableBytes { read(0, $0.baseAddress! + filled, $0.count - filled) }
            if count < 0 {
                if errno == EINTR { continue }
                failure = errno
                break
            }
            let end = count == 0
            filled += count
            let used = input.withUnsafeBytes { lines.parse(UnsafeRawBufferPointer(rebasing: $0[0..<filled]), final: end) }
            if used > 0 {
                input.withUnsafeMutableBytes { buffer in
                    let base = buffer.baseAddress!
                    memmove(base, base + used, filled - used)
                }
                filled -= used
            }
            if end { break }
        }
        lines.finish()
        written.wait()
        if let failure { throw ValidationError("reading standard input failed (errno \(failure))") }
    }
}

/// Parsed batches on their way from the reading thread to the writing thread, and back emptied: a fixed set of
/// batches, so both threads reuse the same buffers.
final class BatchHandoff: Sendable {
    /// Batches to write, in order; nil after the last.
    private let parsed = Mutex<[EventBatch?]>([])
    private let parsedCount = DispatchSemaphore(value: 0)
    private let emptied: Mutex<[EventBatch]>
    private let emptiedCount: DispatchSemaphore

    init(batches: Int) {
        emptied = Mutex((0..<batches).map { _ in
            EventBatch(reservingArena: 1 << 18, events: LineParser.batchEvents, fields: 16 * LineParser.batchEvents)
        })
        // Counted up from 0: libdispatch traps when a semaphore ends below the value it was created with, and the
        // reader still holds a batch at the end.
        emptiedCount = DispatchSemaphore(value: 0)
        for _ in 0..<batches { emptiedCount.signal() }
    }

    /// An empty batch to parse into (waits while all are with the writer).
    func takeEmpty() -> EventBatch {
        emptiedCount.wait()
        return emptied.withLock { $0.removeLast() }
    }

    func hand(_ batch: EventBatch?) {
        parsed.withLock { $0.append(batch) }
        parsedCount.signal()
    }

    /// The next batch to write, or nil at the end.
    func takeParsed() -> EventBatch? {
        parsedCount.wait()
        return parsed.withLock { $0.removeFirst() }
    }

    func giveBack(_ batch: EventBatch) {
        var batch = batch
        batch.removeAll()
        emptied.withLock { $0.append(batch) }
        emptiedCount.signal()
    }
}

/// The reading stage: lines of standard input → events in a batch from the handoff, run through the parser.
struct LineParser {
    /// Standard input is read this much at a time (a line longer than it grows the buffer).
    static let readBytes = 1 << 20
    /// Events parsed into a batch before it is handed to the writer.
    static let batchEvents = 1024

    let pipeline: ParserPipeline
    let handoff: BatchHandoff
    var batch: EventBatch

    init(pipeline: ParserPipeline, handoff: BatchHandoff) {
        self.pipeline = pipeline
        self.handoff = handoff
        batch = handoff.takeEmpty()
    }

    /// Parses every complete line of `text` (each ended by `\n`, a `\r` before it dropped) and, when `final`,
    /// the unterminated rest; returns how many bytes were used.
    mutating func parse(_ text: UnsafeRawBufferPointer, final: Bool) -> Int {
        guard let base = text.baseAddress, !text.isEmpty else { return 0 }
        let ingestMillis = Int64(Date().timeIntervalSince1970 * 1000)
        var start = 0
        while start < text.count {
            let found = memchr(base + start, Int32(UInt8(ascii: "\n")), text.count - start)
            guard let found else { break }
            let newline = base.distance(to: UnsafeRawPointer(found))
            add(UnsafeRawBufferPointer(rebasing: text[start..<newline]), ingestMillis)
            start = newline + 1
        }
        if final && start < text.count {
            add(UnsafeRawBufferPointer(rebasing: text[start...]), ingestMillis)
            start = text.count
        }
        return start
    }

    private mutating func add(_ line: UnsafeRawBufferPointer, _ ingestMillis: Int64) {
        var line = line
        if line.last == UInt8(ascii: "\r") { line = UnsafeRawBufferPointer(rebasing: line.dropLast()) }
        _ = batch.beginEvent(rawstring: line, ingestMillis: ingestMillis)
        pipeline.parse(&batch)
        if batch.count >= Self.batchEvents { handOver() }
    }

    /// Hands the batch to the writer and takes an empty one.
    private mutating func handOver() {
        var next = handoff.takeEmpty()
        swap(&batch, &next)
        handoff.hand(next)
    }

    /// Hands over what is left and tells the writer that was all.
    mutating func finish() {
        if !batch.isEmpty { handOver() }
        handoff.hand(nil)
    }
}

/// The writing stage: each batch's lines written (``WALEventJSON``, no `@ingesttimestamp`) through a pointer
/// into one reused buffer, written to standard output in pieces of a megabyte or more.
struct LineWriterOutput {
    static let outputBytes = 1 << 20
    var output = [UInt8](repeating: 0, count: 4 << 20)
    var used = 0

    mutating func write(_ batch: EventBatch) {
        let events = 0..<batch.count
        let room = WALEventJSON.maxBytes(batch, events: events)
        if output.count - used < room {
            flush()
            if output.count < room { output = [UInt8](repeating: 0, count: room) }
        }
        let start = used
        used += output.withUnsafeMutableBytes {
            WALEventJSON.writeLines(batch, events: events, ingestTimestamp: false, into: UnsafeMutableRawBufferPointer(rebasing: $0[start...]))
        }
        if used >= Self.outputBytes { flush() }
    }

    /// Writes out what is buffered.
    mutating func flush() {
        let count = used
        output.withUnsafeBytes { buffer in
            var offset = 0
            while offset < count {
                let written = Glibc.write(1, buffer.baseAddress! + offset, count - offset)
                if written <= 0 { if errno == EINTR { continue }; return }
                offset += written
            }
        }
        used = 0
    }
}
