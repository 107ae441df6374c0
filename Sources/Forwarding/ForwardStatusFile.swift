import Tokens

/// `DATA/repos/<repository>/forward/<target>.state`: the forwarder's state and last error, one line each,
/// written at every state change so `sluice forward status` (another process) can show them.
public enum ForwardStatusFile {
    static func write(dataDirectory: String, repository: String, target: String, state: ForwarderState, error: String?) {
        guard let checkpoint = ForwardCheckpoint(dataDirectory: dataDirectory, repository: repository, target: target) else { return }
        let text = state.rawValue + "\n" + (error ?? "").replacingNewlines() + "\n"
        _ = mkdirIfNeeded(checkpoint.directory)
        try? writeFileAtomically(path: checkpoint.path + ".state", directory: checkpoint.directory, bytes: Array(text.utf8))
    }

    /// The state and last error written last; nil when there is none.
    public static func read(dataDirectory: String, repository: String, target: String) -> (state: String, error: String)? {
        guard let checkpoint = ForwardCheckpoint(dataDirectory: dataDirectory, repository: repository, target: target),
              let bytes = readSmallFile(checkpoint.path + ".state") else { return nil }
        let lines = bytes.split(separator: 10, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        return (lines.first ?? "", lines.count > 1 ? lines[1] : "")
    }
}

extension String {
    func replacingNewlines() -> String { String(map { $0 == "\n" || $0 == "\r" ? " " : $0 }) }
}
