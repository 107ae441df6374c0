#if canImport(Glibc)
import Glibc
#endif
import POSIX
import CSystemShims
import Foundation
import Parsers
import Synchronization

/// One token generation's last-use record: a 32-bit word of epoch seconds per ingest token, in snapshot order
/// (slot `index + 1`; slot 0 is the never-read slot of API tokens). The event loops write it through
/// ``Principal/noteUse(atSeconds:)`` — a load and, at most once a second per token, a relaxed store, no lock —
/// and ``TokenUsageLedger`` reads it off the ingest path.
///
/// One shared array rather than one per loop: a word is only written when its second changes, so the line
/// moves between cores at most once a second per token, and the memory is one word per token instead of one
/// per token and loop.
public final class TokenUsage: @unchecked Sendable {  // the words are only touched through relaxed atomics
    struct Slots: @unchecked Sendable {
        let base: UnsafeMutablePointer<UInt32>?
    }

    let slots: Slots
    public let count: Int

    /// Slots for `tokenCount` tokens and some to spare (``capacity(for:)``), which ``count`` includes.
    public init(tokenCount: Int) {
        count = Self.capacity(for: tokenCount)
        let base = UnsafeMutablePointer<UInt32>.allocate(capacity: count + 1)
        base.initialize(repeating: 0, count: count + 1)
        slots = Slots(base: base)
    }

    deinit { slots.base?.deallocate() }

    /// The slots a generation of `tokenCount` tokens allocates: some to spare, so tokens added one at a time
    /// (`TokenStore+Delta.swift`) take the next slot instead of a new generation.
    static func capacity(for tokenCount: Int) -> Int {
        tokenCount + tokenCount / 16 + 64
    }

    /// The last use of token `index` in this generation, epoch seconds; 0 when unused.
    public func lastUse(_ index: Int) -> UInt32 {
        sluice_load_relaxed_u32(slots.base! + index + 1)
    }
}

/// The last use of every ingest token, kept across generations and restarts: merges each generation's
/// ``TokenUsage`` by token (repository and name) and persists the result to `DATA/token-usage.json`.
///
/// Guarantees:
/// - Off the ingest path: merging reads the generations' words; the loops never wait for it.
/// - The file (mode 0600, written whole by write-temp + fsync + rename) holds only tokens that have been
///   used, and is written only when a last use moved; the token snapshot is never rewritten for it, and
///   nothing reloads because of it.
/// - A generation stays merged until the next merge after it was replaced, so uses that arrive while a
///   reload swaps sets are kept.
public final class TokenUsageLedger: Sendable {
    public let path: String
    let directory: String

    private struct Generation {
        let usage: TokenUsage
        let table: IngestTokenTable
        var merged: [UInt32]
    }

    private struct State {
        var lastUsed: [TokenKey: UInt32]
        var generations: [Generation] = []
        var dirty = false
    }

    private let state: Mutex<State>
    /// Serialises writers of the file.
    private let writing = Mutex(())

    /// Reads `DATA/token-usage.json` when there is one; an unreadable file starts empty (it is rewritten at
    /// the next flush) and is reported through `problem`.
    public init(dataDirectory: String, problem: (TokenError) -> Void = { _ in }) {
        path = Self.path(dataDirectory: dataDirectory)
        directory = dataDirectory
        var loaded = [TokenKey: UInt32]()
        do throws(TokenError) {
            loaded = try Self.read(path: path)
        } catch {
            if case .system(_, _, let code) = error, code == ENOENT {} else { problem(error) }
        }
        state = Mutex(State(lastUsed: loaded))
    }

    public static func path(dataDirectory: String) -> String { dataDirectory + "/token-usage.json" }

    /// Starts merging `usage`, the generation that now serves `table`'s tokens.
    public func adopt(_ usage: TokenUsage, table: IngestTokenTable) {
        state.withLock { state in
            state.generations.append(Generation(usage: usage, table: table, merged: []))
        }
    }

    /// Every token's last use (epoch seconds), up to this moment.
    public func lastUsed() -> [TokenKey: UInt32] {
        state.withLock { state in
            Self.merge(&state)
            return state.lastUsed
        }
    }

    /// Merges and, when a last use moved since the previous write, rewrites the file.
    public func flush() throws(TokenError) {
        try writing.withLock { _ throws(TokenError) in
            let bytes: [UInt8]? = state.withLock { state in
                Self.merge(&state)
                guard state.dirty else { return nil }
                state.dirty = false
                return Self.encode(state.lastUsed)
            }
            guard let bytes else { return }
            do throws(TokenError) {
                try writeFileAtomically(path: path, directory: directory, bytes: bytes)
            } catch {
                state.withLock { $0.dirty = true }
                throw error
            }
        }
    }

    private static func merge(_ state: inout State) {
        for g in state.generations.indices {
            let usage = state.generations[g].usage
            if state.generations[g].merged.isEmpty { state.generations[g].merged = [UInt32](repeating: 0, count: usage.count) }
            for index in 0..<min(usage.count, state.generations[g].table.count) {
                let seconds = usage.lastUse(index)
                guard seconds > state.generations[g].merged[index] else { continue }
                state.generations[g].merged[index] = seconds
                let key = state.generations[g].table.key(at: index)
                if seconds > state.lastUsed[key, default: 0] {
                    state.lastUsed[key] = seconds
                    state.dirty = true
                }
            }
        }
        // Replaced generations were merged just now; loops still holding their principals write on for a
        // moment at most, and those uses are the next generation's from then on.
        if state.generations.count > 1 { state.generations.removeFirst(state.generations.count - 1) }
    }

    /// `{"version": 1, "lastUsed": [{"repository": …, "name": …, "at": "<RFC 3339>"}, …]}`, sorted.
    static func encode(_ lastUsed: [TokenKey: UInt32]) -> [UInt8] {
        var out = JSONWriter()
        out.raw("{\n  \"version\": 1")
        let sorted = lastUsed.sorted { ($0.key.repository, $0.key.name) < ($1.key.repository, $1.key.name) }
        out.list("lastUsed", sorted) { out, entry in
            out.field("repository", entry.key.repository, first: true)
            out.field("name", entry.key.name)
            out.field("at", RFC3339.format(millis: Int64(entry.value) * 1000))
        }
        out.raw("\n}\n")
        return out.bytes
    }

    /// The file's last uses (epoch seconds); throws when it is missing or malformed.
    public static func read(path: String) throws(TokenError) -> [TokenKey: UInt32] {
        try JSONPathReader.read(try readFile(path), file: path) { (reader) throws(TokenError) in try readLastUsed(&reader) }
    }

    private static func readLastUsed(_ reader: inout JSONPathReader) throws(TokenError) -> [TokenKey: UInt32] {
        var lastUsed = [TokenKey: UInt32]()
        try reader.readObject { (reader, key) throws(TokenError) in
            switch key {
            case "version":
                let version = try reader.readInt()
                guard version == 1 else { throw reader.refuse("unsupported version \(version)") }
            case "lastUsed":
                try reader.readArray { (reader, _) throws(TokenError) in
                    var repository: String?, name: String?, at: Int64?
                    try reader.readObject { (reader, key) throws(TokenError) in
                        switch key {
                        case "repository": repository = try reader.readString()
                        case "name": name = try reader.readString()
                        case "at":
                            let text = try reader.readString()
                            guard let millis = RFC3339.parse(text) else { throw reader.refuse("'\(text)' is not an RFC 3339 time") }
                            at = millis
                        default: throw reader.refuse("unknown field '\(key)'")
                        }
                    }
                    guard let repository, let name, let at, at >= 0 else { throw reader.refuse("needs repository, name and at") }
                    lastUsed[TokenKey(repository: repository, name: name)] = UInt32(clamping: at / 1000)
                }
            default: throw reader.refuse("unknown field '\(key)'")
            }
        }
        return lastUsed
    }
}

/// Flushes a ``TokenUsageLedger`` every `intervalSeconds` on a thread of its own, and once more on ``stop()``.
public final class TokenUsageFlusher: @unchecked Sendable {  // `stopping` and `finished` are guarded by `condition`
    private let ledger: TokenUsageLedger
    private let intervalSeconds: Double
    private let failure: @Sendable (TokenError) -> Void
    private let condition = NSCondition()
    private var stopping = false
    private var started = false
    private var finished = false

    public init(ledger: TokenUsageLedger, intervalSeconds: Double = 60, failure: @escaping @Sendable (TokenError) -> Void) {
        self.ledger = ledger
        self.intervalSeconds = intervalSeconds
        self.failure = failure
    }

    public func start() throws(SystemError) {
        condition.lock()
        started = true
        condition.unlock()
        do {
            // Not joined: stop() waits for `finished`, then the thread ends on its own.
            _ = try JoinableThread(name: "token-usage") { [self] in
                condition.lock()
                while !stopping {
                    _ = condition.wait(until: Date(timeIntervalSinceNow: intervalSeconds))
                    if stopping { break }
                    condition.unlock()
                    flushReporting()
                    condition.lock()
                }
                finished = true
                condition.broadcast()
                condition.unlock()
            }
        } catch {
            condition.lock()
            started = false
            condition.unlock()
            throw error
        }
    }

    /// Stops the thread and writes what it has not written yet.
    public func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while started && !finished { condition.wait() }
        condition.unlock()
        flushReporting()
    }

    private func flushReporting() {
        do throws(TokenError) {
            try ledger.flush()
        } catch {
            failure(error)
        }
    }
}
