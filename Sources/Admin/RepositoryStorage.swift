import WAL

/// What the admin API tells about where repositories' events are kept: the WAL's data folder (for a
/// repository's bytes on disk) and the server-wide retention every repository's log has.
public struct RepositoryStorage: Sendable {
    /// `DATA`; nil when the API runs without a WAL (then every repository shows 0 bytes).
    public var dataDirectory: String?
    public var retentionHours: Double?
    public var retentionBytes: Int?

    public init(dataDirectory: String? = nil, retentionHours: Double? = nil, retentionBytes: Int? = nil) {
        self.dataDirectory = dataDirectory
        self.retentionHours = retentionHours
        self.retentionBytes = retentionBytes
    }

    public init(wal options: WALOptions) {
        self.init(dataDirectory: options.dataDirectory, retentionHours: options.retentionHours, retentionBytes: options.retentionBytes)
    }

    /// The bytes `repository`'s WAL segments take on disk.
    func bytesOnDisk(_ repository: String) -> Int {
        dataDirectory.map { WALStats.bytesOnDisk(dataDirectory: $0, repository: repository) } ?? 0
    }

    /// LogScale's `timeBasedRetention`: days; nil when events are kept for any time.
    var retentionDays: Double? { retentionHours.map { $0 / 24 } }

    /// LogScale's `storageSizeBasedRetention`: gigabytes (10^9 bytes) on disk; nil when unlimited.
    var retentionGigabytes: Double? { retentionBytes.map { Double($0) / 1e9 } }
}
