import ArgumentParser
import EventModel
import Foundation
import Parsers

/// `sluice parse --parser NAME [--snapshot FILE] < lines`: runs one parser over each line of standard
/// input, without a server, and prints one JSON object per line with the timestamp and fields it produced.
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
        var batch = EventBatch(reservingArena: 1 << 16, events: 1, fields: 64)
        var output: [UInt8] = []
        output.reserveCapacity(1 << 16)
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        func emit(_ line: ArraySlice<UInt8>) {
            var line = line
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            batch.removeAll()
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            line.withUnsafeBytes { _ = batch.beginEvent(rawstring: $0, ingestMillis: now) }
            pipeline.parse(&batch)
            EventJSON.append(batch, to: &output)
            if output.count >= 1 << 15 { flush(&output) }
        }
        while true {
            let count = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if count < 0 { if errno == EINTR { continue }; throw ValidationError("reading standard input failed (errno \(errno))") }
            if count == 0 { break }
            pending.append(contentsOf: chunk[0..<count])
            var start = pending.startIndex
            while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                emit(pending[start..<newline])
                start = newline + 1
            }
            pending.removeSubrange(..<start)
        }
        if !pending.isEmpty { emit(pending[...]) }
        flush(&output)
    }

    private func flush(_ output: inout [UInt8]) {
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

/// Renders the batch's last event as one JSON line: `@timestamp` (epoch ms), `@timestamp.nanos` when
/// known, `@timezone`, `@rawstring`, then the fields in order. Bytes that are not UTF-8 become U+FFFD.
enum EventJSON {
    static func append(_ batch: EventBatch, to out: inout [UInt8]) {
        let event = batch.lastEvent
        out.append(contentsOf: #"{"@timestamp":"#.utf8)
        out.append(contentsOf: String(event.timestampMillis).utf8)
        if event.timestampNanos >= 0 {
            out.append(contentsOf: #","@timestamp.nanos":"#.utf8)
            out.append(contentsOf: String(event.timestampNanos).utf8)
        }
        member("@timezone", event.timezone.count == 0 ? "Z" : text(batch, event.timezone), &out)
        member("@rawstring", text(batch, event.rawstring), &out)
        for field in batch.fields(of: batch.count - 1) {
            member(text(batch, field.name), text(batch, field.value), &out)
        }
        out.append(contentsOf: "}\n".utf8)
    }

    private static func text(_ batch: EventBatch, _ span: ByteSpan) -> String {
        batch.withBytes(span) { String(decoding: $0, as: UTF8.self) }
    }

    private static func member(_ name: String, _ value: String, _ out: inout [UInt8]) {
        out.append(UInt8(ascii: ","))
        string(name, &out)
        out.append(UInt8(ascii: ":"))
        string(value, &out)
    }

    static func string(_ value: String, _ out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case 0x0A: out.append(contentsOf: #"\n"#.utf8)
            case 0x0D: out.append(contentsOf: #"\r"#.utf8)
            case 0x09: out.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
