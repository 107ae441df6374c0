import ArgumentParser
import EventModel
import Foundation
import Parsers
import WAL

/// `sluice parse --parser NAME [--snapshot FILE] < lines`: runs one parser over each line of standard
/// input, without a server, and prints one JSON object per line with the timestamp and fields it produced.
///
/// It runs as ingest does: lines are read in large chunks and parsed into one reusable ``EventBatch`` by the same
/// ``ParserPipeline``, and each batch is written with the NDJSON writer of `sluice wal cat` (``WALEventJSON``,
/// without `@ingesttimestamp`) into a buffer that is written out in large pieces.
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
        var lines = LineParser(pipeline: pipeline)
        var input = [UInt8](repeating: 0, count: LineParser.readBytes)
        var filled = 0
        while true {
            if filled == input.count {
                // A line longer than the buffer: room for more of it.
                input.append(contentsOf: repeatElement(0, count: input.count))
            }
            let count = input.withUnsafeMutableBytes { read(0, $0.baseAddress! + filled, $0.count - filled) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ValidationError("reading standard input failed (errno \(errno))")
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
        lines.flush()
    }
}

/// The lines of standard input → events in one reusable batch → NDJSON on standard output.
struct LineParser {
    /// Standard input is read this much at a time (a line longer than it grows the buffer).
    static let readBytes = 1 << 20
    /// Events parsed into the batch before they are written out.
    static let batchEvents = 1024
    /// Output kept before it is written to standard output.
    static let outputBytes = 1 << 20

    let pipeline: ParserPipeline
    var batch = EventBatch(reservingArena: 1 << 18, events: LineParser.batchEvents, fields: 16 * LineParser.batchEvents)
    var output: [UInt8] = []

    init(pipeline: ParserPipeline) {
        self.pipeline = pipeline
        output.reserveCapacity(Self.outputBytes + (1 << 16))
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
        writeBatch()
        return start
    }

    private mutating func add(_ line: UnsafeRawBufferPointer, _ ingestMillis: Int64) {
        var line = line
        if line.last == UInt8(ascii: "\r") { line = UnsafeRawBufferPointer(rebasing: line.dropLast()) }
        _ = batch.beginEvent(rawstring: line, ingestMillis: ingestMillis)
        pipeline.parse(&batch)
        if batch.count >= Self.batchEvents { writeBatch() }
    }

    private mutating func writeBatch() {
        WALEventJSON.appendLines(batch, events: 0..<batch.count, ingestTimestamp: false, to: &output)
        batch.removeAll()
        if output.count >= Self.outputBytes { flush() }
    }

    /// Writes out what is buffered.
    mutating func flush() {
        output.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(1, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { if errno == EINTR { continue }; return }
                offset += written
            }
        }
        output.removeAll(keepingCapacity: true)
    }
}
