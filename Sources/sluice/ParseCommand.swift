import ArgumentParser
import EventLoop
import EventModel
import Foundation
import Parsers
import POSIX
import Synchronization
import WAL
#if canImport(Glibc)
import Glibc
#endif

/// `sluice parse --parser NAME [--snapshot FILE] < lines`: runs one parser over each line of standard
/// input, without a server, and prints one JSON object per line with the timestamp and fields it produced.
///
/// It runs as ingest does: standard input is read in chunks of whole lines, which worker threads (one per core, as
/// the event loops) parse into reusable ``EventBatch``es with the same ``ParserPipeline`` and write with the NDJSON
/// writer of `sluice wal cat` (``WALEventJSON``, without `@ingesttimestamp`) into reused buffers; each chunk is
/// written out in its turn, so the output is in input order.
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
        let workers = max(1, min(ParseWorkers.maxWorkers, HTTPServerConfiguration.coreCount))
        let work = ParseWorkers(workers: workers)
        var threads: [JoinableThread] = []
        // Each worker parses whole chunks of lines into its own reusable batch with the ingest pipeline (as each
        // event loop does with its requests) and writes them with WALEventJSON; chunks go to the workers in turn
        // and are written out in the same turn, so the output keeps the input's order.
        for worker in 0..<workers {
            // Each worker compiles its own pipeline, as each event loop has its own: retains then touch only
            // this core's counts.
            let ownPipeline = (try? ParserRegistry.compile(custom))?.pipeline(named: parser) ?? pipeline
            threads.append(try JoinableThread(name: "sluice-parse") {
                var lines = ChunkParser(pipeline: ownPipeline)
                while let chunk = work.take(worker) {
                    chunk.bytes.withUnsafeBytes { lines.parse(UnsafeRawBufferPointer(rebasing: $0[0..<chunk.count])) }
                    work.waitForTurn(worker)
                    lines.flush()
                    work.passTurn(after: worker)
                    work.giveBack(chunk.bytes)
                }
            })
        }
        let failure = readChunks(into: work)
        for thread in threads { thread.join() }
        if let failure { throw ValidationError("reading standard input failed (errno \(failure))") }
    }

    /// Reads standard input into chunks that end after a newline (the last one where the input ends) and hands
    /// them to the workers in turn; returns the errno of a failed read.
    private func readChunks(into work: ParseWorkers) -> Int32? {
        var failure: Int32?
        var chunk = work.takeEmpty()
        var filled = 0
        var next = 0
        var ended = false
        while !ended {
            if chunk.count - filled < ParseWorkers.readBytes / 2 {
                // A line longer than the chunk: room for more of it.
                chunk.append(contentsOf: repeatElement(0, count: max(chunk.count, ParseWorkers.readBytes)))
            }
            let read = chunk.withUnsafeMutableBytes { buffer in
                Result { () throws(SystemError) in
                    try Syscall.blocking("read") { Glibc.read(0, buffer.baseAddress! + filled, buffer.count - filled) }
                }
            }
            switch read {
            case .success(let count):
                filled += count
                ended = count == 0
            case .failure(let error):
                failure = error.errno
                ended = true
            }
            // Hand over up to the last newline once the chunk is mostly full (everything at the end).
            guard ended || filled >= ParseWorkers.readBytes else { continue }
            let cut = ended ? filled : chunk.withUnsafeBytes { bytes -> Int in
                var last = filled
                while last > 0 && bytes[last - 1] != UInt8(ascii: "\n") { last -= 1 }
                return last
            }
            guard cut > 0 else { continue }
            var following = work.takeEmpty()
            let rest = filled - cut
            if following.count < max(rest, ParseWorkers.readBytes) {
                following = [UInt8](repeating: 0, count: max(rest, ParseWorkers.readBytes) * 2)
            }
            if rest > 0 {
                following.withUnsafeMutableBytes { target in
                    chunk.withUnsafeBytes { target.baseAddress!.copyMemory(from: $0.baseAddress! + cut, byteCount: rest) }
                }
            }
            swap(&chunk, &following)
            work.hand((bytes: following, count: cut), to: next)
            next = (next + 1) % work.workers
            filled = rest
        }
        work.giveBack(chunk)
        work.finish()
        return failure
    }
}

/// The chunks of input on their way to the workers (a queue each, taken in turn), the pool of chunk buffers they
/// come back to, and the turn that orders the workers' output.
final class ParseWorkers: Sendable {
    /// Input is handed over in chunks of about this much (a line longer than it makes its chunk larger).
    static let readBytes = 1 << 20
    static let maxWorkers = 4
    let workers: Int
    /// A queue per worker, in one lock (taken twice per chunk).
    private let queues: Mutex<[[(bytes: [UInt8], count: Int)?]]>
    private let queued: [DispatchSemaphore]
    private let turns: [DispatchSemaphore]
    private let pool: Mutex<[[UInt8]]>
    private let pooled = DispatchSemaphore(value: 0)

    init(workers: Int) {
        self.workers = workers
        queues = Mutex(Array(repeating: [], count: workers))
        queued = (0..<workers).map { _ in DispatchSemaphore(value: 0) }
        turns = (0..<workers).map { _ in DispatchSemaphore(value: 0) }
        // Two chunks per worker and one being read: each worker parses one while the other waits. Counted up from
        // 0: libdispatch traps when a semaphore ends below the value it was created with.
        let chunks = 2 * workers + 1
        pool = Mutex((0..<chunks).map { _ in [UInt8](repeating: 0, count: 2 * Self.readBytes) })
        for _ in 0..<chunks { pooled.signal() }
        turns[0].signal()
    }

    func takeEmpty() -> [UInt8] {
        pooled.wait()
        return pool.withLock { $0.removeLast() }
    }

    func giveBack(_ chunk: [UInt8]) {
        pool.withLock { $0.append(chunk) }
        pooled.signal()
    }

    func hand(_ chunk: (bytes: [UInt8], count: Int), to worker: Int) {
        queues.withLock { $0[worker].append(chunk) }
        queued[worker].signal()
    }

    /// Tells every worker there is nothing more.
    func finish() {
        for worker in 0..<workers {
            queues.withLock { $0[worker].append(nil) }
            queued[worker].signal()
        }
    }

    /// The worker's next chunk, or nil at the end.
    func take(_ worker: Int) -> (bytes: [UInt8], count: Int)? {
        queued[worker].wait()
        return queues.withLock { $0[worker].removeFirst() }
    }

    func waitForTurn(_ worker: Int) { turns[worker].wait() }

    func passTurn(after worker: Int) { turns[(worker + 1) % workers].signal() }
}

/// One worker's stage: the lines of a chunk → events in its reusable batch, run through the parser → NDJSON
/// (``WALEventJSON``, no `@ingesttimestamp`) written through a pointer into its reused output buffer.
struct ChunkParser {
    /// Events parsed into the batch before they are written into the output buffer.
    static let batchEvents = 1024

    let pipeline: ParserPipeline
    let scratch = ParseScratch()
    var batch = EventBatch(reservingArena: 1 << 18, events: ChunkParser.batchEvents, fields: 16 * ChunkParser.batchEvents)
    var output = [UInt8](repeating: 0, count: 4 << 20)
    var used = 0

    init(pipeline: ParserPipeline) {
        self.pipeline = pipeline
    }

    /// Parses every line of `text` (each ended by `\n` or by the end, a `\r` before it dropped; nothing after a
    /// final `\n`).
    mutating func parse(_ text: UnsafeRawBufferPointer) {
        guard let base = text.baseAddress, !text.isEmpty else { return }
        let ingestMillis = WallClock.milliseconds()
        var start = 0
        while start < text.count {
            let found = memchr(base + start, Int32(UInt8(ascii: "\n")), text.count - start)
            let end = found.map { base.distance(to: UnsafeRawPointer($0)) } ?? text.count
            add(UnsafeRawBufferPointer(rebasing: text[start..<end]), ingestMillis)
            start = end + 1
        }
        writeBatch()
    }

    private mutating func add(_ line: UnsafeRawBufferPointer, _ ingestMillis: Int64) {
        var line = line
        if line.last == UInt8(ascii: "\r") { line = UnsafeRawBufferPointer(rebasing: line.dropLast()) }
        _ = batch.beginEvent(rawstring: line, ingestMillis: ingestMillis)
        pipeline.parse(&batch, scratch: scratch)
        if batch.count >= Self.batchEvents { writeBatch() }
    }

    private mutating func writeBatch() {
        let events = 0..<batch.count
        guard !events.isEmpty else { return }
        let room = WALEventJSON.maxBytes(batch, events: events)
        if output.count - used < room {
            // The chunk's output is written out in its turn, so the buffer grows to hold it.
            output.append(contentsOf: repeatElement(0, count: max(output.count, used + room - output.count)))
        }
        let start = used
        used += output.withUnsafeMutableBytes {
            WALEventJSON.writeLines(batch, events: events, ingestTimestamp: false, into: UnsafeMutableRawBufferPointer(rebasing: $0[start...]))
        }
        batch.removeAll()
    }

    /// Writes out the chunk's lines.
    mutating func flush() {
        let count = used
        // A closed standard output ends the writing; the reader finds its end on its own.
        output.withUnsafeBytes { buffer in _ = try? Syscall.writeAll(1, UnsafeRawBufferPointer(rebasing: buffer[0..<count])) }
        used = 0
    }
}
