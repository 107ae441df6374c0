import ArgumentParser
import EventModel
import WAL
import WALFormat
import POSIX
#if canImport(Glibc)
import Glibc
#endif

/// `sluice wal cat|verify|stats`: read, check and summarise the write-ahead logs under a data directory.
struct WALCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wal",
        abstract: "Read, check and summarise the write-ahead logs.",
        subcommands: [Cat.self, Verify.self, Stats.self, Bench.self])

    struct Cat: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a repository's events as NDJSON.")

        @Option(name: .customLong("data"), help: "The data directory (holds repos/).")
        var data: String?

        @Option(name: .customLong("repo"), help: "The repository.")
        var repository: String?

        @Option(name: .customLong("input"), help: "Read stored WAL records from FILE (- for standard input) instead: the body of forwarded messages in wal format, concatenated.")
        var input: String?

        @Option(name: .customLong("from"), help: "First sequence to print.")
        var from: UInt64 = 0

        @Flag(name: .customLong("follow"), help: "Keep printing events as they are appended.")
        var follow = false

        @Option(name: .customLong("limit"), help: "Stop after this many events.")
        var limit: Int?

        @Flag(name: .customLong("sequence"), help: "Add each event's sequence as @sequence.")
        var sequence = false

        func validate() throws {
            guard (input != nil) != (data != nil || repository != nil) else { throw ValidationError("give --input, or --data and --repo") }
            if input == nil && (data == nil || repository == nil) { throw ValidationError("--data and --repo go together") }
        }

        func run() throws {
            if let input { return try catRecords(input) }
            let data = self.data!, repository = self.repository!
            var reader = try WALReader(dataDirectory: data, repository: repository, from: from)
            guard follow || reader.logExists else {
                printError("no log for repository \(repository) under \(data)")
                throw ExitCode(1)
            }
            var batch = EventBatch()
            var out: [UInt8] = []
            var printed = 0
            let limit = self.limit ?? .max
            while printed < limit {
                batch.removeAll()
                switch reader.next(into: &batch) {
                case .record(let header, let firstIncluded):
                    out.removeAll(keepingCapacity: true)
                    let events = firstIncluded..<(firstIncluded + min(limit - printed, batch.count - firstIncluded))
                    WALEventJSON.appendLines(batch, events: events,
                                             firstSequence: sequence ? header.firstSequence + UInt64(firstIncluded) : nil, to: &out)
                    printed += events.count
                    writeOut(out)
                case .corruption(let segment, let offset, let reason):
                    printError("skipping the rest of \(segment): damaged record at offset \(offset): \(reason)")
                case .endOfLog:
                    guard follow else { return }
                    usleep(200_000)
                }
            }
        }

        /// Prints the events of stored records read from a file or standard input, one record after the other.
        private func catRecords(_ path: String) throws {
            let bytes = try readAllBytes(path)
            var decoder = WALRecordDecoder()
            var batch = EventBatch()
            var out: [UInt8] = []
            var offset = 0
            var printed = 0
            let limit = self.limit ?? .max
            while offset < bytes.count, printed < limit {
                batch.removeAll()
                let result = bytes.withUnsafeBytes { decoder.decode(UnsafeRawBufferPointer(rebasing: $0[offset...]), into: &batch) }
                guard case .complete(let header) = result else {
                    printError("damaged or incomplete record at byte \(offset) of \(path): \(result)")
                    throw ExitCode(1)
                }
                out.removeAll(keepingCapacity: true)
                for index in 0..<batch.count where printed < limit && header.firstSequence + UInt64(index) >= from {
                    WALEventJSON.appendLine(batch, event: index, sequence: sequence ? header.firstSequence + UInt64(index) : nil, to: &out)
                    printed += 1
                }
                writeOut(out)
                offset += header.recordLength
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check every segment header, record checksum and sequence; exit 1 when anything is bad.")

        @Option(name: .customLong("data"), help: "The data directory (holds repos/).")
        var data: String

        @Option(name: .customLong("repo"), help: "Check only this repository.")
        var repository: String?

        func run() throws {
            let report = WALVerifier.verify(dataDirectory: data, repository: repository)
            for problem in report.problems {
                print("BAD \(problem.repository) \(problem.segment) offset \(problem.offset): \(problem.reason)")
            }
            print("\(report.repositories) repositories, \(report.segments) segments, \(report.records) records, \(report.events) events checked; \(report.problems.count) problems")
            if !report.isClean { throw ExitCode(1) }
        }
    }

    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print per repository: segments, bytes, events, sequences and timestamps.")

        @Option(name: .customLong("data"), help: "The data directory (holds repos/).")
        var data: String

        func run() throws {
            print(["repository", "segments", "bytes_on_disk", "bytes_uncompressed", "records", "events",
                   "first_sequence", "last_sequence", "min_timestamp", "max_timestamp", "damaged"].joined(separator: "\t"))
            for stats in WALStats.collect(dataDirectory: data) {
                print([stats.repository, "\(stats.segments)", "\(stats.bytesOnDisk)", "\(stats.bytesUncompressed)", "\(stats.records)",
                       "\(stats.events)", stats.firstSequence.map { "\($0)" } ?? "-", stats.lastSequence.map { "\($0)" } ?? "-",
                       stats.minTimestamp.map { "\($0)" } ?? "-", stats.maxTimestamp.map { "\($0)" } ?? "-", "\(stats.damaged)"]
                    .joined(separator: "\t"))
            }
        }
    }
}

/// Writes to standard output; a closed output (`| head`) ends the writing without a word.
private func writeOut(_ bytes: [UInt8]) {
    bytes.withUnsafeBytes { raw in _ = try? Syscall.writeAll(1, raw) }
}

private func printError(_ message: String) {
    let line = "sluice wal: " + message + "\n"
    _ = line.utf8CString.withUnsafeBufferPointer { Glibc.write(2, $0.baseAddress!, $0.count - 1) }
}

/// The whole of a file, or of standard input for `-`.
private func readAllBytes(_ path: String) throws -> [UInt8] {
    let fd = path == "-" ? 0 : Glibc.open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else {
        printError("cannot open \(path): \(String(cString: strerror(errno)))")
        throw ExitCode(1)
    }
    defer { if fd != 0 { Glibc.close(fd) } }
    do {
        return try Syscall.readToEnd(fd)
    } catch {
        printError("cannot read \(path): \(error)")
        throw ExitCode(1)
    }
}
