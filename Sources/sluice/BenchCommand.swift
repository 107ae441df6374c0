import ArgumentParser
import Bench
#if canImport(Glibc)
import Glibc
#endif

/// `sluice bench`: the load generator (closed or open loop) against a Sluice (or any HTTP) ingest endpoint.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Load-test an ingest endpoint: epoll HTTP/1.1 client, reproducible payloads, HdrHistogram latency.",
        discussion: """
            Closed loop by default (each connection sends its next request when the answer arrives). With --rate,
            open loop on a fixed timetable: latency counts from each request's scheduled time, so a slow server
            cannot hide its queueing (no coordinated omission). Progress goes to stderr, the summary (or --json)
            to stdout. --write-corpus FILE writes the generated lines instead of sending them.
            """)

    @Option(name: .long, help: "Target, http[s]://host[:port][/path]; without a path the format's ingest path is used.")
    var url = "http://127.0.0.1:8080"

    @Option(name: .long, help: "Ingest token, sent as 'Authorization: Bearer TOKEN'.")
    var token: String?

    @Option(name: .long, help: "File of ingest tokens, one per line: requests go round-robin over them (e.g. one per repository); replaces --token.")
    var tokenFile: String?

    @Option(name: .long, help: "structured, unstructured, json, raw, hec, hec-raw or bulk.")
    var format = "structured"

    @Option(name: .long, help: "Events per request (for raw: lines in its one event).")
    var batch = 1

    @Option(name: .long, help: "Make every generated event exactly N bytes (padded or cut).")
    var eventBytes: Int?

    @Option(name: .long, help: "Replay the lines of FILE instead of generating them.")
    var dataFile: String?

    @Flag(name: .long, help: "Send gzip-compressed bodies (Content-Encoding: gzip).")
    var gzip = false

    @Option(name: .long, help: "Keep-alive connections in all.")
    var connections = 64

    @Option(name: .long, help: "Seconds to run (default 10 unless --requests is given).")
    var duration: Double?

    @Option(name: .long, help: "Stop after N requests.")
    var requests: Int?

    @Option(name: .long, help: "Client threads, each with its own epoll loop.")
    var threads = 1

    @Option(name: .long, help: "Open loop: offered requests per second in all, on a fixed timetable.")
    var rate: Double?

    @Option(name: .long, help: "Seed of the payload generator.")
    var seed: UInt64 = 1

    @Flag(name: .long, help: "https: accept any server certificate (self-signed, wrong name); encrypted but not authenticated.")
    var insecure = false

    @Option(name: .long, help: "https: trust only the CA certificates in this PEM file (default: the system's CAs).")
    var ca: String?

    @Option(name: .long, help: "Close each connection after N answers and reconnect (https: resuming the TLS session).")
    var requestsPerConnection: Int?

    @Option(name: .long, help: "HEC indexer acknowledgements: every request names one channel, and each connection polls /services/collector/ack for its ackIds at most every N ms (on the same connection, in place of a request).")
    var hecAckPollMs: Int?

    @Flag(name: .long, help: "Print one JSON object instead of the summary.")
    var json = false

    @Flag(name: .long, help: "No progress lines.")
    var quiet = false

    @Option(name: .long, help: "Write every request at least --slow-ms slow to FILE, one a line: scheduled, sent and answered time (CLOCK_MONOTONIC ns, as perf record -k mono) and connection slot.")
    var slowLog: String?

    @Option(name: .long, help: "With --slow-log: the latency (ms, from the scheduled time) from which a request is listed.")
    var slowMs = 1.0

    @Option(name: .long, help: "Write the generated corpus (one event per line) to FILE and exit.")
    var writeCorpus: String?

    @Option(name: .long, help: "With --write-corpus: bytes to write.")
    var corpusBytes = 64 << 20

    func run() throws {
        guard let format = BenchFormat(rawValue: format) else {
            throw ValidationError("--format must be one of: \(BenchFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var configuration = BenchConfiguration(url: BenchURL(host: "127.0.0.1", port: 80, path: ""))
        configuration.format = format
        configuration.batch = batch
        configuration.eventBytes = eventBytes
        configuration.seed = seed
        if let dataFile { configuration.dataLines = try Self.readLines(dataFile) }
        if let writeCorpus {
            var generator = configuration.makeGenerator()
            let lines = try CorpusWriter.write(path: writeCorpus, generator: &generator, bytes: corpusBytes)
            printError("wrote \(lines) lines to \(writeCorpus)")
            return
        }
        do {
            configuration.url = try BenchURL(parsing: url)
        } catch {
            throw ValidationError(error.description)
        }
        configuration.token = token
        if let tokenFile {
            guard let text = try? String(contentsOfFile: tokenFile, encoding: .utf8) else { throw ValidationError("--token-file \(tokenFile) cannot be read") }
            configuration.tokens = text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.isEmpty }
            guard !configuration.tokens.isEmpty else { throw ValidationError("--token-file \(tokenFile) holds no token") }
        }
        configuration.gzip = gzip
        configuration.connections = connections
        configuration.threads = threads
        configuration.requests = requests
        configuration.duration = duration ?? (requests == nil ? 10 : nil)
        configuration.rate = rate
        configuration.insecure = insecure
        configuration.caFile = ca
        configuration.requestsPerConnection = requestsPerConnection
        configuration.hecAckPollMillis = hecAckPollMs
        configuration.hecChannel = "sluice-bench-\(getpid())-\(seed)"
        if slowLog != nil { configuration.slowMillis = slowMs }
        do {
            try configuration.validate()
        } catch {
            throw ValidationError(error.description)
        }
        let terminal = isatty(STDERR_FILENO) == 1
        let progress: ((BenchProgress) -> Void)? = quiet ? nil : { snapshot in
            let line = BenchReport.progressLine(snapshot)
            printError(terminal ? "\r\u{1B}[2K" + line : line, terminator: terminal ? "" : "\n")
        }
        let result = try BenchRunner(configuration: configuration).run(stopOnSignals: true, progress: progress)
        if terminal && !quiet { printError("") }
        if let slowLog { try Self.writeSlowLog(result.slowRequests, to: slowLog) }
        print(json ? BenchReport.json(result, configuration: configuration)
                   : BenchReport.summary(result, configuration: configuration))
    }

    static func writeSlowLog(_ requests: [SlowRequest], to path: String) throws {
        guard let file = fopen(path, "w") else { throw ValidationError("cannot write \(path): errno \(errno)") }
        defer { fclose(file) }
        for request in requests {
            fputs("\(request.scheduledNanos) \(request.sentNanos) \(request.answeredNanos) \(request.connection)\n", file)
        }
    }

    static func readLines(_ path: String) throws -> [[UInt8]] {
        guard let file = fopen(path, "rb") else { throw ValidationError("cannot read \(path): errno \(errno)") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count <= 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        let lines = bytes.split(separator: 0x0A).map { line in Array(line.last == 0x0D ? line.dropLast() : line) }
            .filter { !$0.isEmpty }
        guard !lines.isEmpty else { throw ValidationError("\(path) holds no lines") }
        return lines
    }
}

private func printError(_ text: String, terminator: String = "\n") {
    var output = text + terminator
    output.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let written = write(STDERR_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
            if written <= 0 { break }
            offset += written
        }
    }
}
