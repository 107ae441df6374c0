#if canImport(Glibc)
import Glibc
#endif
import Tokens

/// Every failure the admin API reports, each with the text the caller sees as the GraphQL error
/// `message` (`description`). Request-level failures (`bodyTooLarge`, `malformedRequest`, `tooComplex`)
/// stop the request before execution; the others are raised by a resolver and become one `errors` entry
/// with that field's `path` and `locations`. No case ever carries a token value.
public enum AdminError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The body is larger than `AdminLimits.maxBodyBytes` (HTTP 413).
    case bodyTooLarge(limit: Int)
    /// The body is not a GraphQL-over-HTTP JSON request (HTTP 400).
    case malformedRequest(String)
    /// The document exceeds a depth, alias or size limit (HTTP 400); checked before validation.
    case tooComplex(String)
    /// The caller lacks a permission; the text says which (LogScale's wording where LogScale has one).
    case permissionDenied(String)
    /// A snapshot edit failed (unknown repository, duplicate name, bad custom token, I/O).
    case token(TokenError)

    public var description: String {
        switch self {
        case let .bodyTooLarge(limit): return "GraphQL request body larger than \(limit) bytes"
        case let .malformedRequest(reason): return "Malformed GraphQL request: \(reason)"
        case let .tooComplex(reason): return "Query too complex: \(reason)"
        case let .permissionDenied(message): return message
        case let .token(error): return Self.clientText(error)
        }
    }

    /// A snapshot edit's failure as the caller sees it: refusals as they are, a failed file operation only
    /// as what happened, and no file name (the path and errno go to the server's log, where
    /// `TokenStore.edit` writes them).
    static func clientText(_ error: TokenError) -> String {
        switch error {
        case let .system(_, operation, code):
            let what = operation == "read" || operation == "fstat" ? "the snapshot could not be read" : "the snapshot could not be written"
            return code == ENOSPC || code == EDQUOT || code == EFBIG ? "\(what): disk full" : what
        case let .invalidSnapshot(_, path, reason):
            // The change's own validation failure (a custom parser that does not compile, say) is the
            // caller's to fix, so it is answered with its JSON path and reason; only the file name is left out.
            return "the change would make the snapshot invalid: \(path): \(reason)"
        default:
            return error.description
        }
    }

    /// The HTTP status for an error that stops the request before execution.
    public var httpStatus: Int {
        switch self {
        case .bodyTooLarge: return 413
        case .malformedRequest, .tooComplex: return 400
        case .permissionDenied, .token: return 200
        }
    }
}

/// The exact texts of permission refusals.
public enum AdminMessages {
    /// The spec's text for listing the tokens of a system repository, also used for a repository the
    /// caller may not manage.
    public static let readIngestTokens = "You don't have permission to read ingest tokens."
    public static let changeIngestTokens = "You don't have permission to change ingest tokens."
    public static let createRepository = "You don't have permission to create repositories."
    public static let rootOnly = "Only root users may do this."
    public static let changeRepository = "You don't have permission to change this repository."
    public static let noBackups = "timeBasedBackupRetention: Sluice keeps no backups of a repository"
    public static let customTokenNeedsRoot = "only root users may choose a custom token"
    public static let customTokenNeedsFeature = "custom ingest tokens need the feature CustomIngestTokens to be enabled"
}
