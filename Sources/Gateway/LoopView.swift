import Dispatch
import EventLoop
import Parsers
import Synchronization
import Tokens

/// What one event loop serves with, compiled for it alone at each token install: its own scopes (so the
/// principals it serves hold objects only it retains), its own compiled parsers, and its own copy of the
/// repository table. Built off the loop and handed to it through its mailbox (``LoopViews``).
struct LoopView: Sendable {
    let scopes: LoopScopes
    let parsers: ParserRegistry
    let repositories: [String: Repository]

    /// Before the first view arrives: no scopes, the built-in parsers, no repositories.
    static let empty = LoopView()

    private init() {
        scopes = LoopScopes()
        parsers = .builtins
        repositories = [:]
    }

    init(_ generation: TokenGeneration) {
        parsers = (try? ParserRegistry.compile(generation.parsers)) ?? generation.registry
        scopes = LoopScopes(generation, parsers: parsers)
        var repositories = [String: Repository](minimumCapacity: generation.repositories.count)
        for (name, repository) in generation.repositories { repositories[name] = repository }
        self.repositories = repositories
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

    /// Posts every install of `tokens` from now on.
    init(following tokens: TokenStore) {
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
        return current.map(LoopView.init) ?? .empty
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
        for target in targets {
            let view = LoopView(generation)
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
