/// The retention limits of one repository's log; a nil limit does not apply. Retention deletes whole
/// sealed segments, oldest first (see `docs/wal.md`).
///
/// Guarantees: ``overriding(_:)`` takes each kind of limit from the repository when it sets it and from
/// the server's defaults otherwise, kind by kind.
public struct RetentionLimits: Sendable, Equatable {
    /// Sealed segments last written longer ago than this are deleted.
    public var hours: Double?
    /// Sealed segments are deleted while the log's bytes on disk exceed this.
    public var bytes: Int?
    /// Sealed segments are deleted while the uncompressed bytes of the events the log holds (the record
    /// headers' uncompressed payload lengths) exceed this.
    public var ingestBytes: Int?

    public init(hours: Double? = nil, bytes: Int? = nil, ingestBytes: Int? = nil) {
        self.hours = hours
        self.bytes = bytes
        self.ingestBytes = ingestBytes
    }

    /// No limit of any kind.
    public var isUnlimited: Bool { hours == nil && bytes == nil && ingestBytes == nil }

    /// The limits in force for a repository with these limits of its own: each kind it sets wins, the
    /// others come from `defaults` (the server's flags).
    public func overriding(_ defaults: RetentionLimits) -> RetentionLimits {
        RetentionLimits(hours: hours ?? defaults.hours, bytes: bytes ?? defaults.bytes,
                        ingestBytes: ingestBytes ?? defaults.ingestBytes)
    }
}
