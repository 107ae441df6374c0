import Dispatch
import EventLoop
import EventModel
import Parsers
import Synchronization
import Tokens
import WAL

/// What one event loop serves with, compiled for it alone at each token install: its own scopes (which
/// resolve the token table's plain entries into principals holding objects only this loop retains), its own
/// compiled parsers, its own copy of the repository table, and its own repository→log map. Built off the
/// loop and handed to it through its mailbox (``LoopViews``).
struct LoopView: Sendable {
    let scopes: LoopScopes
    let parsers: ParserRegistry
    let repositories: [String: Repository]
    /// The logs of the generation's repositories; the loop adds a log it opens later (``LoopLogs``).
    var logs: LoopLogs

    /// Before the first view arrives: no scopes, the built-in parsers, no repositories, no logs.
    static let empty = LoopView()

    private init() {
        scopes = LoopScopes()
        parsers = .builtins
        repositories = [:]
        logs = LoopLogs()
    }

    /// The view of `generation`, with handles to the logs of its repositories that `openLogs` holds (the WAL
    /// store's open logs).
    init(_ generation: TokenGeneration, openLogs: [String: RepositoryLog] = [:]) {
        parsers = (try? ParserRegistry.compile(generation.parsers)) ?? generation.registry
        scopes = LoopScopes(generation, parsers: parsers)
        var repositories = [String: Repository](minimumCapacity: generation.repositories.count)
        for (name, repository) in generation.repositories { repositories[name] = repository }
        self.repositories = repositories
        logs = LoopLogs(openLogs.filter { generation.repositories[$0.key] != nil })
    }
}

/// One loop's repository→log map: handles to logs the WAL store's writer pool owns and writes. The map
/// holds each log strongly, so the handles it gives out stay valid while the view lives, and gives them out
/// unretained, so a request touches no reference count the other loops touch too.
///
/// Guarantees: ``log(for:opening:)`` returns the log the store returns for the name: the one the map was
/// compiled with while the store keeps it (a deleted repository leaves the generation, so its closed log
/// leaves the next view), else the store's, opened on first use and remembered here.
/// Not thread-safe: one per loop.
struct LoopLogs: @unchecked Sendable {  // built off the loop, then used by that loop alone
    private var handles: [String: Unretained<RepositoryLog>] = [:]
    /// Keeps every handle's log alive.
    private var owners: [RepositoryLog] = []

    init(_ logs: [String: RepositoryLog] = [:]) {
        handles.reserveCapacity(logs.count)
        owners.reserveCapacity(logs.count)
        for (name, log) in logs { add(log, named: name) }
    }

    /// The log of `repository`: this map's, else `store`'s (opened there on first use), then remembered.
    mutating func log(for repository: String, opening store: WALStore) throws(WALError) -> Unretained<RepositoryLog> {
        if let log = handles[repository] { return log }
        let log = try store.log(for: repository)
        add(log, named: repository)
        return Unretained(log)
    }

    /// The handle for `repository` when the map has one.
    func existing(_ repository: String) -> Unretained<RepositoryLog>? {
        handles[repository]
    }

    var count: Int { handles.count }

    private mutating func add(_ log: RepositoryLog, named name: String) {
        owners.append(log)
        handles[name] = Unretained(log)
    }
}

/// Hands every event loop its ``LoopView`` of each token install and waits until each has it.
///
/// Guarantees: ``post(_:)`` returns once every registered loop that is still running has installed its
/// view of `generation` (a loop installs it between requests, forgetting its remembered credential), so
/// a token an install removed is refused by every loop from then on; the token store calls it before
/// its reload or edit returns. ``register(_:loop:)`` and ``post(_:)`` are serialised, so a handler
/// registering during an install gets either that install's generation or its view.
final class LoopViews: Sendable {
    /// A loop and how it installs a view, called only on that loop's thread (through its mailbox).
    private struct Target: @unchecked Sendable {
        let loop: EventLoop
        let install: (LoopView) -> Void
    }

    private struct State {
        var current: TokenGeneration?
        var targets: [Target] = []
        var closed = false
    }

    private let state = Mutex(State())
    /// The WAL store whose open logs each view maps (nil: views without logs).
    private let wal: WALStore?

    /// Posts every install of `tokens` from now on, each view with handles to `wal`'s open logs.
    init(following tokens: TokenStore, wal: WALStore? = nil) {
        self.wal = wal
        let current = tokens.observeInstalls { [weak self] generation in self?.post(generation) }
        // An install that came in between has set a newer generation already.
        state.withLock { state in
            if state.current == nil { state.current = current }
        }
    }

    /// Adds `loop` to the loops views are posted to (`install` runs on its thread); returns the view serving now.
    func register(loop: EventLoop, install: @escaping (LoopView) -> Void) -> LoopView {
        let current = state.withLock { state in
            state.targets.append(Target(loop: loop, install: install))
            return state.current
        }
        return current.map { LoopView($0, openLogs: wal?.openLogs ?? [:]) } ?? .empty
    }

    /// The loops have exited: no later post waits for them.
    func close() {
        state.withLock { $0.closed = true }
    }

    /// Compiles each loop's view of `generation`, posts it to the loop and waits until every loop installed
    /// it (or the loops have exited).
    func post(_ generation: TokenGeneration) {
        let targets = state.withLock { state in
            state.current = generation
            return state.targets
        }
        let installed = DispatchGroup()
        let openLogs = wal?.openLogs ?? [:]
        for target in targets {
            let view = LoopView(generation, openLogs: openLogs)
            installed.enter()
            target.loop.execute {
                target.install(view)
                installed.leave()
            }
        }
        while installed.wait(timeout: .now() + .milliseconds(50)) == .timedOut {
            if state.withLock({ $0.closed }) { return }
        }
    }
}
