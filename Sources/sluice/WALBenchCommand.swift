import ArgumentParser
import EventModel
import Foundation
import Logging
import POSIX
import Synchronization
import WAL
import WALFormat

extension WALCommand {
    /// `sluice wal bench`: measures the WAL on realistic log lines — single-core encode+LZ4+CRC speed,
    /// durable appends/s from concurrent closed-loop clients (group commit) against the median
    /// `fdatasync` time measured in the same run, and replay speed. Leaves the log in `--data` for
    /// `cat`/`verify`/`stats`. How to read it: `perf/wal-bench.md`.
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Benchmark encode, group commit and replay on generated log lines.")

        @Option(name: .customLong("data"), help: "Data directory to write into (a fresh one is best).")
        var data: String

        @Option(name: .customLong("repo"), help: "Repository to write.")
        var repository = "bench"

        @Option(name: .customLong("batch"), help: "Events per request batch.")
        var batchSize = 1000

        @Option(name: .customLong("clients"), help: "Concurrent clients, each waiting for its previous append.")
        var clients = 64

        @Option(name: .customLong("loops"), help: "N > 0: the clients are spread over N threads the way the gateway spreads connections over its event loops (default 2, the gateway's loop count on a 2-core machine); a completion queues its client on its loop and wakes the loop only when that queue was empty. 0: one thread per client, blocked on its append.")
        var loops = 2

        @Option(name: .customLong("records"), help: "Appends per client.")
        var records = 20

        @Option(name: .customLong("fsync"), help: "always, none or interval=MS.")
        var fsync = "always"

        @Option(name: .customLong("segment-bytes"), help: "Segment size.")
        var segmentBytes = 128 << 20

        @Option(name: .customLong("reserve-bytes"), help: "Zero bytes kept written ahead of the records under --fsync always (0 = off).")
        var reserveBytes = WALOptions.defaultServerReserveBytes

        @Flag(name: .customLong("append-only"), help: "Run only the fdatasync probe and the append phase (for profiling it).")
        var appendOnly = false

        @Option(name: .customLong("dump-layout"), help: "Also write the batches' event layout (the bytes the WAL compresses) here, for `lz4 -b1 FILE`.")
        var dumpLayout: String?

        func run() throws {
            guard let policy = FsyncPolicy(argument: fsync) else { throw ValidationError("bad --fsync \(fsync)") }
            let batches = (0..<8).map { BenchLines.batch(seed: UInt64($0), count: batchSize) }
            let decompressSpeed = appendOnly ? nil : try measureCodec(batches)

            // 2. Median fdatasync on this file system, probed right before and right after the append phase
            //    (the disk is shared: its latency drifts, so one probe before could be far from what the
            //    append phase met). An fdatasync from an otherwise idle process can wait for the next
            //    timer tick to be woken, far longer than under load (perf/wal-bench.md), so the bench also
            //    reports the exact latencies of the writer's own fdatasyncs during the append phase.
            //    The overwrite probe is the floor for records written into the zero-filled reserve.
            var syncTimes = try BenchLines.fdatasyncTimes(directory: data)
            var overwriteTimes = try BenchLines.fdatasyncTimes(directory: data, overwrite: true)
            let appended = try measureAppends(batches, policy: policy)
            syncTimes += try BenchLines.fdatasyncTimes(directory: data)
            overwriteTimes += try BenchLines.fdatasyncTimes(directory: data, overwrite: true)
            let medianSync = syncTimes.sorted()[syncTimes.count / 2]
            let medianOverwrite = overwriteTimes.sorted()[overwriteTimes.count / 2]
            let rate = Double(appended.requests) / appended.seconds
            print(String(format: "fdatasync median: %.3f ms (so %.0f syncs/s; %d probes, 4 KiB append + fdatasync, half before and half after the append phase)",
                         medianSync * 1e3, 1 / medianSync, syncTimes.count))
            print(String(format: "append (%@, %d clients, %@): %d requests in %.2f s = %.0f durable requests/s, %.0f events/s, %d fsyncs, %d failed; %.1f × (1 / median fdatasync)",
                         fsync, clients, loops > 0 ? "\(loops) loop threads" : "a thread each", appended.requests, appended.seconds, rate,
                         rate * Double(batchSize), appended.writerSyncs.count, appended.failures, rate * medianSync))
            print(String(format: "overwrite probe: 4 KiB overwrite + fdatasync median %.3f ms; %.1f × (1 / that)",
                         medianOverwrite * 1e3, rate * medianOverwrite))
            if policy == .always, !appended.writerSyncs.isEmpty {
                let sorted = appended.writerSyncs.sorted()
                let median = sorted[sorted.count / 2]
                print(String(format: "writer's own fdatasyncs during the append phase: median %.3f ms (p10 %.3f, p90 %.3f), %.0f %% of the phase, %.1f requests each; %.1f × (1 / their median)",
                             median * 1e3, sorted[sorted.count / 10] * 1e3, sorted[sorted.count * 9 / 10] * 1e3,
                             sorted.reduce(0, +) / appended.seconds * 100, Double(appended.requests) / Double(sorted.count), rate * median))
            }
            if let decompressSpeed { try measureReplay(against: decompressSpeed) }
        }

        /// 1. Encode + LZ4 + CRC32C on one core, against plain LZ4 on the same layout bytes in the same run;
        /// then in-memory decode against plain LZ4 decompression. Returns the decompression speed.
        private func measureCodec(_ batches: [EventBatch]) throws -> Double {
            var encoder = WALRecordEncoder()
            var layouts: [[UInt8]] = []
            var recordBytes = 0
            for batch in batches {
                recordBytes += try encoder.encode(batch).bytes.count
                layouts.append(encoder.withLastLayout { Array($0) })
            }
            let layoutTotal = layouts.reduce(0) { $0 + $1.count }
            if let dumpLayout {
                guard FileManager.default.createFile(atPath: dumpLayout, contents: Data(layouts.joined())) else {
                    throw ValidationError("cannot write \(dumpLayout)")
                }
            }
            var scratch: [UInt8] = []
            var referenceBytes = 0
            for layout in layouts { referenceBytes += layout.withUnsafeBytes { LZ4Reference.compress($0, into: &scratch) } }
            let (encodeSpeed, referenceSpeed) = try BenchLines.speeds(bytesPerRound: layoutTotal, {
                for batch in batches { _ = try encoder.encode(batch) }
            }, against: {
                for layout in layouts { _ = layout.withUnsafeBytes { LZ4Reference.compress($0, into: &scratch) } }
            })
            print(String(format: "encode: %.1f MB/s of layout = %.0f %% of plain LZ4 on the same bytes (%.1f MB/s); on disk %.3f × plain LZ4 blocks (ratio %.2f)",
                         encodeSpeed / 1e6, encodeSpeed / referenceSpeed * 100, referenceSpeed / 1e6,
                         Double(recordBytes) / Double(referenceBytes), Double(layoutTotal) / Double(recordBytes)))
            let encodedRecords = try batches.map { try encoder.encode($0) }
            var decoder = WALRecordDecoder()
            var decoded = EventBatch()
            var compressed: [[UInt8]] = []
            for layout in layouts {
                let size = layout.withUnsafeBytes { LZ4Reference.compress($0, into: &scratch) }
                compressed.append(Array(scratch[0..<size]))
            }
            let (decodeSpeed, decompressSpeed) = try BenchLines.speeds(bytesPerRound: layoutTotal, {
                for record in encodedRecords {
                    decoded.removeAll()
                    _ = record.bytes.withUnsafeBytes { decoder.decode($0, into: &decoded) }
                }
            }, against: {
                for (index, block) in compressed.enumerated() {
                    _ = block.withUnsafeBytes { LZ4Reference.decompress($0, originalSize: layouts[index].count, into: &scratch) }
                }
            })
            print(String(format: "decode in memory (CRC32C + LZ4 + events into an EventBatch): %.1f MB/s of layout = %.0f %% of plain LZ4 decompression",
                         decodeSpeed / 1e6, decodeSpeed / decompressSpeed * 100))
            return decompressSpeed
        }

        /// 3. Closed-loop clients appending to one repository.
        private func measureAppends(_ batches: [EventBatch], policy: FsyncPolicy) throws -> (requests: Int, seconds: Double, writerSyncs: [Double], failures: Int) {
            let writerSyncs = Mutex<[Double]>([])
            var options = WALOptions(dataDirectory: data)
            options.fsync = policy
            options.segmentBytes = segmentBytes
            options.reserveBytes = reserveBytes
            options.fsyncObserver = { seconds in writerSyncs.withLock { $0.append(seconds) } }
            var logger = Logger(label: "wal-bench")
            logger.logLevel = .warning
            let store = try WALStore(options: options, logger: logger)
            let log = try store.log(for: repository)
            let failures = Atomic<Int>(0)
            let appendStart = MonotonicClock.nanoseconds()
            var threads: [JoinableThread] = []
            let benchLoops = (0..<loops).map { loop in
                BenchLoop(log: log, batches: batches, clients: Array(stride(from: loop, to: clients, by: loops)), records: records)
            }
            if loops > 0 {
                threads = try benchLoops.map { benchLoop in try JoinableThread(name: "wal-bench") { benchLoop.run() } }
            } else {
                // One thread per client (concurrentPerform would cap concurrency at the core count).
                threads = try (0..<clients).map { client in
                    try JoinableThread(name: "wal-bench") {
                        let done = DispatchSemaphore(value: 0)
                        var encoder = WALRecordEncoder()
                        for index in 0..<records {
                            log.append(batches[(client + index) % batches.count], encoder: &encoder) { result in
                                if case .failure = result { failures.add(1, ordering: .relaxed) }
                                done.signal()
                            }
                            done.wait()
                        }
                    }
                }
            }
            for thread in threads { thread.join() }
            let seconds = MonotonicClock.seconds(since: appendStart)
            store.shutdown()
            let failed = failures.load(ordering: .relaxed) + benchLoops.reduce(0) { $0 + $1.failures.load(ordering: .relaxed) }
            return (clients * records, seconds, writerSyncs.withLock { $0 }, failed)
        }

        /// 4. Replay: `WALReader` over the whole log, five passes (the fastest counts, like the in-memory
        /// measures), against plain LZ4 decompression.
        private func measureReplay(against decompressSpeed: Double) throws {
            var batch = EventBatch()
            var events = 0, replayLayout = 0
            var fastest = Double.infinity
            for _ in 0..<5 {
                var reader = try WALReader(dataDirectory: data, repository: repository)
                events = 0
                replayLayout = 0
                let replayStart = MonotonicClock.nanoseconds()
                replay: while true {
                    batch.removeAll()
                    switch reader.next(into: &batch) {
                    case .record(let header, _):
                        events += header.eventCount
                        replayLayout += header.uncompressedLength
                    case .corruption(let segment, let offset, let reason):
                        print("replay: corruption in \(segment) at \(offset): \(reason)")
                    case .endOfLog:
                        break replay
                    }
                }
                fastest = min(fastest, MonotonicClock.seconds(since: replayStart))
            }
            let replaySpeed = Double(replayLayout) / fastest
            print(String(format: "replay: %d events, %.1f MB/s of layout = %.0f %% of plain LZ4 decompression (%.1f MB/s)",
                         events, replaySpeed / 1e6, replaySpeed / decompressSpeed * 100, decompressSpeed / 1e6))
        }
    }
}

/// Closed-loop clients multiplexed on one thread, the way the gateway's event loops serve connections: the
/// loop appends for every client it owns, then waits; each completion puts its client on the loop's ready
/// list and signals the loop only when that list was empty (like `EventLoop.execute` and its eventfd); the
/// loop takes the whole list and appends the next request of each client, until all have sent `records`.
private final class BenchLoop: @unchecked Sendable {
    private let log: RepositoryLog
    private let batches: [EventBatch]
    private let clients: [Int]
    /// This loop's encoder, reused for every record it appends (used on the loop's thread only).
    private var encoder = WALRecordEncoder()
    private let records: Int
    let failures = Atomic<Int>(0)
    private let ready = Mutex<[Int]>([])
    private let wake = DispatchSemaphore(value: 0)

    init(log: RepositoryLog, batches: [EventBatch], clients: [Int], records: Int) {
        self.log = log
        self.batches = batches
        self.clients = clients
        self.records = records
    }

    func run() {
        var sent = [Int](repeating: 0, count: clients.count)
        var outstanding = 0
        for slot in clients.indices {
            send(slot, &sent)
            outstanding += 1
        }
        var taken: [Int] = []
        while outstanding > 0 {
            wake.wait()
            ready.withLock { swap(&$0, &taken) }
            for slot in taken {
                outstanding -= 1
                if sent[slot] < records {
                    send(slot, &sent)
                    outstanding += 1
                }
            }
            taken.removeAll(keepingCapacity: true)
        }
    }

    private func send(_ slot: Int, _ sent: inout [Int]) {
        let index = sent[slot]
        sent[slot] += 1
        log.append(batches[(clients[slot] + index) % batches.count], encoder: &encoder) { [self] result in
            if case .failure = result { failures.add(1, ordering: .relaxed) }
            let wasEmpty = ready.withLock { list in
                list.append(slot)
                return list.count == 1
            }
            if wasEmpty { wake.signal() }
        }
    }
}

/// Generated access-log-like lines with a few fields, deterministic per seed.
enum BenchLines {
    static func batch(seed: UInt64, count: Int) -> EventBatch {
        var state = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        let paths = ["/api/v1/orders", "/api/v1/users/me", "/static/app.js", "/health", "/api/v2/search?q=shoes", "/login"]
        let agents = ["Mozilla/5.0 (X11; Linux x86_64)", "curl/8.5.0", "Go-http-client/1.1", "okhttp/4.12.0"]
        let methods = ["GET", "POST", "PUT"]
        var batch = EventBatch(reservingArena: count * 260, events: count, fields: count * 4)
        let base: Int64 = 1_764_374_400_000
        for index in 0..<count {
            let ts = base + Int64(index) * 3 + Int64(next(3))
            let line = "10.\(next(256)).\(next(256)).\(next(256)) - - [29/Nov/2026:00:00:\(String(format: "%02d", index % 60)) +0000] \"\(methods[next(3)]) \(paths[next(paths.count)]) HTTP/1.1\" \(next(10) == 0 ? 500 : 200) \(next(50_000)) \"-\" \"\(agents[next(agents.count)])\" rt=\(next(900)).\(next(1000))ms trace=\(String(state, radix: 16))"
            Array(line.utf8).withUnsafeBytes { _ = batch.beginEvent(rawstring: $0, ingestMillis: base + 10_000) }
            batch.setTimestamp(millis: ts)
            batch.addField(name: "host", value: "web-\(next(12))")
            batch.addField(name: "#service", value: "checkout")
        }
        return batch
    }

    /// Bytes per second of `subject` and of `reference`, from the fastest of their rounds, run alternately
    /// for about a second (after one warm-up round each). The machine is shared: alternating exposes both to
    /// the same interference, and the fastest round is the one least disturbed by it.
    static func speeds(bytesPerRound: Int, _ subject: () throws -> Void, against reference: () throws -> Void) throws -> (Double, Double) {
        try subject()
        try reference()
        var best = (Double.infinity, Double.infinity)
        let start = MonotonicClock.nanoseconds()
        var rounds = 0
        while rounds < 5 || MonotonicClock.seconds(since: start) < 1 {
            let a = MonotonicClock.nanoseconds()
            try subject()
            let b = MonotonicClock.nanoseconds()
            try reference()
            let c = MonotonicClock.nanoseconds()
            best = (min(best.0, Double(b - a) / 1e9), min(best.1, Double(c - b) / 1e9))
            rounds += 1
        }
        return (Double(bytesPerRound) / best.0, Double(bytesPerRound) / best.1)
    }

    /// 15 × (write 4 KiB + `fdatasync`, timed) on a scratch file in `directory`, in seconds: appending
    /// (the file grows, so each sync commits the new size and blocks to the journal) or, with `overwrite`,
    /// rewriting blocks written and synced before (data only: the floor a zero-filled reserve aims at).
    static func fdatasyncTimes(directory: String, overwrite: Bool = false) throws -> [Double] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/fdatasync-probe"
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ValidationError("cannot create \(path)") }
        defer { close(fd); unlink(path) }
        let block = [UInt8](repeating: 0x5A, count: 4096)
        if overwrite {
            for index in 0..<15 { _ = block.withUnsafeBytes { pwrite(fd, $0.baseAddress!, $0.count, off_t(index * 4096)) } }
            fdatasync(fd)
        }
        var times: [Double] = []
        for index in 0..<15 {
            _ = block.withUnsafeBytes { pwrite(fd, $0.baseAddress!, $0.count, off_t(index * 4096)) }
            let start = MonotonicClock.nanoseconds()
            fdatasync(fd)
            times.append(MonotonicClock.seconds(since: start))
        }
        return times
    }
}

extension EventBatch {
    fileprivate mutating func addField(name: String, value: String) {
        let n = store(Array(name.utf8))
        let v = store(Array(value.utf8))
        addField(name: n, value: v)
    }
}
