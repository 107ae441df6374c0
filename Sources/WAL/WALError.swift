/// What can go wrong when appending to a repository's log.
///
/// Guarantees: `.unavailable` means the request's events are not acknowledged and not in the log (the
/// gateway answers 503 with `Retry-After`); nothing acknowledged earlier was touched.
public enum WALError: Error, Sendable, Equatable {
    /// A write or fsync failed (disk full, I/O error); the message names the call and errno.
    case unavailable(String)
    /// The store is shutting down.
    case closed
    /// The repository name is empty or too long to become a folder name.
    case invalidRepositoryName
    /// The batch's encoded events exceed ``WALFormat/maxPayloadBytes``.
    case recordTooLarge(bytes: Int)
}
