/// What can go wrong when appending to a repository's log.
///
/// Guarantees: `.unavailable` means the request's events are not acknowledged and not in the log (the
/// gateway answers 503 with `Retry-After`); nothing acknowledged earlier was touched.
public enum WALError: Error, Sendable, Equatable {
    /// A write or fsync failed. An append's message says what happened in a client's terms (`disk full`,
    /// `storage error`), never a path or errno: those go to the log, and the message reaches HTTP answers.
    /// (Opening the store at start names the folder: that message is for the operator.)
    case unavailable(String)
    /// The store is shutting down.
    case closed
    /// The repository name is empty or too long to become a folder name.
    case invalidRepositoryName
    /// The batch's encoded events exceed what one record holds (``WALRecordTooLarge``).
    case recordTooLarge(bytes: Int)
}
