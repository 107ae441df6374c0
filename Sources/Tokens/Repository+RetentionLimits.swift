import WAL

// Apart from Repository+Retention.swift so that the snapshot model and codec compile without the WAL
// (perf/fuzz.sh Snapshot builds them alone).
extension Repository {
    /// The repository's own limits as the WAL takes them (hours, bytes); the server's flags fill in the
    /// kinds it leaves out (``RetentionLimits/overriding(_:)``).
    public var retentionLimits: RetentionLimits {
        RetentionLimits(hours: timeBasedRetention.map { $0 * 24 },
                        bytes: storageSizeBasedRetention.map { Int(($0 * 1e9).rounded()) },
                        ingestBytes: ingestSizeBasedRetention.map { Int(($0 * 1e9).rounded()) })
    }
}
