import WAL

/// A repository's own WAL retention, in LogScale's names and units (days, GB of 10^9 bytes), so that what
/// `humioctl repos update --retention-time` sets is what the snapshot file shows.
extension Repository {
    /// The three settings, by snapshot field name, in a fixed order.
    public enum RetentionSetting: String, CaseIterable, Sendable {
        case timeBasedRetention, ingestSizeBasedRetention, storageSizeBasedRetention

        /// The largest value accepted: 1 000 000 days; 10^9 GB (an exabyte, still an `Int` of bytes).
        public var maximum: Double { self == .timeBasedRetention ? 1_000_000 : 1_000_000_000 }

        public var unit: String { self == .timeBasedRetention ? "days" : "GB" }

        /// Why `value` cannot be this setting (it must be a positive, finite number up to ``maximum``);
        /// nil when it can.
        public func problem(_ value: Double) -> String? {
            guard value.isFinite, value > 0, value <= maximum else {
                return "\(rawValue) must be a positive number of \(unit), at most \(Int(maximum)) (leave it out for the server's default)"
            }
            return nil
        }
    }

    public subscript(retention setting: RetentionSetting) -> Double? {
        get {
            switch setting {
            case .timeBasedRetention: timeBasedRetention
            case .ingestSizeBasedRetention: ingestSizeBasedRetention
            case .storageSizeBasedRetention: storageSizeBasedRetention
            }
        }
        set {
            switch setting {
            case .timeBasedRetention: timeBasedRetention = newValue
            case .ingestSizeBasedRetention: ingestSizeBasedRetention = newValue
            case .storageSizeBasedRetention: storageSizeBasedRetention = newValue
            }
        }
    }

    /// The first setting out of range and why; nil when all are absent or valid.
    func retentionProblem() -> (setting: RetentionSetting, reason: String)? {
        for setting in RetentionSetting.allCases {
            if let value = self[retention: setting], let reason = setting.problem(value) { return (setting, reason) }
        }
        return nil
    }

    /// The repository's own settings in a few words (`7 days, 5 GB on disk`), or `default`.
    public var retentionSummary: String {
        func number(_ value: Double) -> String {
            value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
        }
        var parts: [String] = []
        if let days = timeBasedRetention { parts.append("\(number(days)) days") }
        if let gb = storageSizeBasedRetention { parts.append("\(number(gb)) GB on disk") }
        if let gb = ingestSizeBasedRetention { parts.append("\(number(gb)) GB ingested") }
        return parts.isEmpty ? "default" : parts.joined(separator: ", ")
    }

    /// The repository's own limits as the WAL takes them (hours, bytes); the server's flags fill in the
    /// kinds it leaves out (``RetentionLimits/overriding(_:)``).
    public var retentionLimits: RetentionLimits {
        RetentionLimits(hours: timeBasedRetention.map { $0 * 24 },
                        bytes: storageSizeBasedRetention.map { Int(($0 * 1e9).rounded()) },
                        ingestBytes: ingestSizeBasedRetention.map { Int(($0 * 1e9).rounded()) })
    }
}

extension Snapshot {
    /// Sets or clears a repository's own retention settings: for each setting, nil leaves it as it is,
    /// `.some(nil)` clears it (the server's default applies again), `.some(value)` sets it (validated).
    /// Returns the repository as changed.
    @discardableResult
    public mutating func setRepositoryRetention(name: String, _ changes: [Repository.RetentionSetting: Double?]) throws(TokenError) -> Repository {
        guard let index = repositories.firstIndex(where: { $0.name == name }) else {
            throw .notFound("repository '\(name)' does not exist")
        }
        for setting in Repository.RetentionSetting.allCases {
            guard let change = changes[setting] else { continue }
            if let value = change, let problem = setting.problem(value) { throw .invalidArgument(problem) }
            repositories[index][retention: setting] = change
        }
        return repositories[index]
    }
}
