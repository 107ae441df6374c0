// Token benchmarks (issue 3, Performance). Run: cd Benchmarks && swift run -c release TokenBenchmarks
// - lookup: SHA-256 of a 44-byte token + stripe lock + table probe, median ns per lookup over rounds of
//   100 000 lookups of tokens drawn at random from the set, at 10, 100 000 and 1 000 000 tokens. The
//   1 000 000 figure should be within 1.2 x the 10 figure and under 150 ns.
// - reload: loading, validating and swapping in a 1 000 000-token snapshot file (target under 2 s), and
//   the resident memory it adds (target under 250 MB).
// Read the figures as medians on this machine's two shared cores; run alone for stable numbers.
import Foundation
import Logging
import Tokens

/// glibc's malloc_trim (malloc.h is not part of the Glibc module).
@_silgen_name("malloc_trim") func malloc_trim(_ pad: Int) -> Int32

func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    return (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
}

func token44(_ i: Int) -> String {
    // 44 base62 characters: a fixed prefix, the index, and random filler, like a generated token.
    let random = TokenGenerator.ingestToken()
    return String((String(i) + "x" + random).prefix(44)).padding(toLength: 44, withPad: "0", startingAt: 0)
}

/// This thread's CPU time in ns: rounds are timed on it rather than the wall clock, so time the
/// scheduler gives other processes on the shared cores is not counted.
func threadNanoseconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) * 1e9 + Double(time.tv_nsec)
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted[sorted.count / 2]
}

/// Median ns per lookup at `count` tokens: `hot` draws the queries from 1 024 of the tokens (the steady
/// state of a gateway whose shippers reuse their tokens: the working set stays in the CPU caches),
/// otherwise from the whole set (every lookup a likely cache miss in a 1 000 000-token table).
func benchmarkLookup(count: Int, hot: Bool) -> Double {
    // Built the way the server builds its cache (`TokenSet(snapshot:index:)`): 100 repositories, so the
    // principals share 100 scope objects and a hit touches no per-token heap object.
    var tokens = [[UInt8]]()
    tokens.reserveCapacity(count)
    var snapshot = Snapshot(organizations: [Organization(name: "default")],
                            repositories: (0..<100).map { Repository(name: "repo\($0)") })
    snapshot.ingestTokens.reserveCapacity(count)
    for i in 0..<count {
        let token = token44(i)
        tokens.append(Array(token.utf8))
        snapshot.ingestTokens.append(IngestToken(name: "t\(i)", repository: "repo\(i % 100)", token: token))
    }
    let cache = TokenCache(TokenSet(snapshot: snapshot, index: try! snapshot.validate(file: "benchmark")))
    snapshot = Snapshot()
    let perRound = 100_000
    var generator = SystemRandomNumberGenerator()
    let pool = hot ? (0..<min(1024, count)).map { _ in tokens[Int.random(in: 0..<count, using: &generator)] } : tokens
    // The queries lie back to back in one buffer, as a token does in the request buffer a gateway just
    // read: what is timed is the lookup's own memory traffic, not a cache miss on the query bytes.
    let tokenLength = 44
    var queries = [UInt8]()
    queries.reserveCapacity(perRound * tokenLength)
    for _ in 0..<perRound { queries += pool[Int.random(in: 0..<pool.count, using: &generator)] }
    var rounds = [Double]()
    var found = 0
    for round in 0..<25 {
        let start = threadNanoseconds()
        queries.withUnsafeBytes { all in
            for i in 0..<perRound {
                if cache.lookup(UnsafeRawBufferPointer(rebasing: all[i * tokenLength..<(i + 1) * tokenLength])) != nil { found &+= 1 }
            }
        }
        let elapsed = threadNanoseconds() - start
        if round >= 3 {  // warm-up rounds dropped
            rounds.append(elapsed / Double(perRound))
        }
    }
    precondition(found == 25 * perRound, "every query token must be found")
    if count >= 1_000_000 && !hot { print("  (\(hugePagesLine()))") }
    return median(rounds)
}

/// The process's anonymous memory in transparent huge pages (the cache slab asks for them).
func hugePagesLine() -> String {
    guard let text = try? String(contentsOfFile: "/proc/self/smaps_rollup", encoding: .utf8) else { return "no smaps_rollup" }
    return text.split(separator: "\n").first { $0.hasPrefix("AnonHugePages") }.map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") } ?? "?"
}

func benchmarkDigest() -> Double {
    let token = Array(token44(1).utf8)
    var sink: UInt64 = 0
    var rounds = [Double]()
    for _ in 0..<15 {
        let start = threadNanoseconds()
        for _ in 0..<100_000 { token.withUnsafeBytes { sink ^= TokenDigest(hashing: $0).w0 } }
        rounds.append((threadNanoseconds() - start) / 100_000)
    }
    if sink == 42 { print("") }
    return median(rounds)
}

/// Writes a snapshot of `count` ingest tokens into a new folder and returns the folder and its last token.
func writeLargeSnapshot(count: Int) throws -> (directory: String, lastToken: String) {
    let directory = NSTemporaryDirectory() + "/sluice-token-bench-\(getpid())"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    var snapshot = try TokenStore.initialSnapshot().0
    try snapshot.addRepository(name: "web")
    snapshot.ingestTokens.reserveCapacity(count + 8)
    for i in 0..<count {
        snapshot.ingestTokens.append(IngestToken(name: "t\(i)", repository: "web", token: TokenGenerator.ingestToken()))
    }
    _ = try SnapshotFile(dataDirectory: directory).createIfAbsent { () throws(TokenError) in snapshot }
    return (directory, snapshot.ingestTokens[count - 1].token!)
}

/// CPU seconds (user + system) this process has used: the load figures on a shared machine.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

func seconds(_ duration: Duration) -> String {
    String(format: "%.2f s", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
}

/// Child process: loads the snapshot in `directory` into a fresh process and reports time and memory.
func measureLoad(directory: String, lastToken: String) throws {
    let before = residentBytes()
    var logger = Logger(label: "bench")
    logger.logLevel = .error
    var start = ContinuousClock.now
    var cpu = cpuSeconds()
    let store = try TokenStore(dataDirectory: directory, logger: logger)
    let load = ContinuousClock.now - start
    let loadCPU = cpuSeconds() - cpu
    let after = residentBytes()
    _ = malloc_trim(0)  // return freed load-time buffers: what stays is what the server holds
    let steady = residentBytes()
    start = ContinuousClock.now
    cpu = cpuSeconds()
    precondition(store.reload())
    let reload = ContinuousClock.now - start
    let reloadCPU = cpuSeconds() - cpu
    start = ContinuousClock.now
    cpu = cpuSeconds()
    let added = try store.edit { (snapshot) throws(TokenError) in try snapshot.addIngestToken(repository: "web", name: "bench-edit") }
    let edit = ContinuousClock.now - start
    let editCPU = cpuSeconds() - cpu
    var addedProbe = added
    precondition(addedProbe.withUTF8 { store.lookup(UnsafeRawBufferPointer($0)) } != nil)
    print("edit (add one token, write, serve) at \(store.cache.count) credentials: \(seconds(edit)) (CPU \(String(format: "%.2f", editCPU)) s)")
    var probe = lastToken
    let hit = probe.withUTF8 { store.lookup(UnsafeRawBufferPointer($0)) } != nil
    print("load \(store.cache.count) credentials: start \(seconds(load)) (CPU \(String(format: "%.2f", loadCPU)) s), "
          + "SIGHUP reload+swap \(seconds(reload)) (CPU \(String(format: "%.2f", reloadCPU)) s), "
          + "RSS over an empty process: +\((after - before) / 1_000_000) MB right after loading, "
          + "+\((steady - before) / 1_000_000) MB held (after malloc_trim), last token found: \(hit)")
}

let arguments = CommandLine.arguments
if arguments.count == 4 && arguments[1] == "load" {
    try measureLoad(directory: arguments[2], lastToken: arguments[3])
    exit(0)
}
if arguments.count == 3 && arguments[1] == "allocations" {
    // For `valgrind` (heap summary): N lookups over a 10-token cache; compare the allocation counts of
    // N = 0 and N = 100000 to see that a lookup allocates nothing.
    let tokens = (0..<10).map { Array(token44($0).utf8) }
    let cache = TokenCache(TokenSet(entries: tokens.enumerated().map {
        ($0.element.withUnsafeBytes { TokenDigest(hashing: $0) },
         Principal(kind: .ingestToken(repository: "web"), canIngest: true, metricLabel: "web/t\($0.offset)"))
    }))
    var found = 0
    for i in 0..<(Int(arguments[2]) ?? 0) {
        tokens[i % 10].withUnsafeBytes { if cache.lookup($0) != nil { found += 1 } }
    }
    print("found \(found)")
    exit(0)
}
if arguments.count == 3 && arguments[1] == "phases" {
    // Where a load's CPU time goes: `phases DIR` (DIR from `write`).
    var cpu = cpuSeconds()
    func lap(_ what: String) {
        let now = cpuSeconds()
        print(String(format: "%@: %.3f s CPU", what, now - cpu))
        cpu = now
    }
    let file = SnapshotFile(dataDirectory: arguments[2])
    var (snapshot, index) = try file.loadIndexed()
    lap("read + decode + validate")
    var set = TokenSet(snapshot: snapshot, index: index)
    lap("principals (TokenSet)")
    let cache = TokenCache(set)
    lap("cache build + swap")
    let table = IngestTokenTable(snapshot.ingestTokens)
    lap("compact ingest-token table")
    snapshot = Snapshot()
    index = try Snapshot().validate(file: "phases")
    set = TokenSet()
    lap("free the decoded snapshot and the principal list")
    print("\(cache.count) credentials, \(table.count) ingest tokens")
    exit(0)
}
if arguments.count == 4 && arguments[1] == "lookup" {
    // One figure: `lookup COUNT hot|random`.
    let count = Int(arguments[2]) ?? 1_000_000
    print(String(format: "lookup at %7d tokens, %@: %.1f ns median", count, arguments[3], benchmarkLookup(count: count, hot: arguments[3] == "hot")))
    exit(0)
}
if arguments.count == 2 && arguments[1] == "write" {
    let (directory, last) = try writeLargeSnapshot(count: 1_000_000)
    print(directory, last)
    exit(0)
}

let digest = benchmarkDigest()
print(String(format: "SHA-256 of a 44-byte token: %.1f ns", digest))
for hot in [true, false] {
    var figures = [Int: Double]()
    for count in [10, 100_000, 1_000_000] {
        figures[count] = benchmarkLookup(count: count, hot: hot)
        print(String(format: "lookup at %7d tokens, %@: %.1f ns median", count, hot ? "hot set of 1024" : "random over all", figures[count]!))
    }
    print(String(format: "1M / 10 ratio (%@): %.2f", hot ? "hot" : "random", figures[1_000_000]! / figures[10]!))
}
let (directory, last) = try writeLargeSnapshot(count: 1_000_000)
defer { try? FileManager.default.removeItem(atPath: directory) }
let child = Process()
child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
child.arguments = ["load", directory, last]
fflush(nil)  // this process's lines first
try child.run()
child.waitUntilExit()
