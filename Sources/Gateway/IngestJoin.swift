import Synchronization
import WAL

/// Waits for the WAL appends of one request: the last one to finish learns the request's outcome
/// (success only when every part succeeded).
final class IngestJoin: Sendable {
    private let state: Mutex<(remaining: Int, failure: WALError?)>

    init(count: Int) {
        state = Mutex((count, nil))
    }

    /// Records one part's result; returns the request's outcome when this was the last part, else nil.
    func finish(_ result: Result<WALPosition, WALError>) -> Result<Void, WALError>? {
        state.withLock { state in
            if case .failure(let error) = result, state.failure == nil { state.failure = error }
            state.remaining -= 1
            guard state.remaining == 0 else { return nil }
            return state.failure.map { .failure($0) } ?? .success(())
        }
    }
}
