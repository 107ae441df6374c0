#if canImport(Glibc)
import Glibc
#endif

/// Every failure of the Tokens module, with the context needed to act on it: the file and JSON path of a
/// refused snapshot, the file, call and errno of a failed system call, or the reason an edit was refused.
/// `description` is the one line an operator sees (CLI error, log line, GraphQL error message); it never
/// contains a token value.
public enum TokenError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The snapshot at `file` is not valid: `path` is a JSON path such as `$.ingestTokens[3].repository`.
    case invalidSnapshot(file: String, path: String, reason: String)
    /// A system call failed on `file`.
    case system(file: String, operation: String, errno: Int32)
    /// An edit named something that does not exist (repository, token, parser, user, organization).
    case notFound(String)
    /// An edit would create a duplicate (name or token).
    case conflict(String)
    /// An edit's argument is malformed (bad name, bad custom token, missing option).
    case invalidArgument(String)
    /// The caller may not do this (used by the admin API's permission checks).
    case permissionDenied(String)

    public var description: String {
        switch self {
        case let .invalidSnapshot(file, path, reason):
            return "\(file): \(path): \(reason)"
        case let .system(file, operation, code):
            return "\(file): \(operation) failed: \(String(cString: strerror(code))) (errno \(code))"
        case let .notFound(message), let .conflict(message), let .invalidArgument(message),
             let .permissionDenied(message):
            return message
        }
    }
}
