/// What can go wrong when appending to a repository's log.
///
/// Guarantees: `.unavailable` means the request's events are not acknowledged and not in the log (the
/// gateway answers 503 with `Retry-After`); nothing acknowledged earlier was touched.
public enum WALError: Error, Sendable, Equatable {
    /// A write, fsync or open failed, or no file descriptor is free. The call, path and errno go to the log;
    /// the reason says what happened in a client's terms.
    case unavailable(WALUnavailable)
    /// The store is shutting down.
    case closed
    /// The repository name is empty or too long to become a folder name.
    case invalidRepositoryName
    /// The batch's encoded events exceed what one record holds (``WALRecordTooLarge``).
    case recordTooLarge(bytes: Int)
    /// Opening the store at start failed; the text names the folder and the error, for the operator.
    case cannotOpen(String)
}

/// Why a log cannot take an append now (retrying later may help).
public enum WALUnavailable: Sendable, Equatable {
    /// ENOSPC, EDQUOT or EFBIG.
    case diskFull
    /// EROFS.
    case readOnly
    /// Any other failed file-system call.
    case storageError
    /// Every descriptor the writer pool may hold is in use and none can be closed.
    case descriptorsExhausted
}
