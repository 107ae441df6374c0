import WALFormat

/// One segment file of a repository's log.
struct SegmentRef: Sendable, Equatable {
    var firstSequence: UInt64
    var path: String
    /// The uncompressed bytes of its records, once known (counted as it was written, or read from its
    /// record headers when retention by ingest size first needs it).
    var ingestBytes: Int? = nil
}

/// The `wal` folder of one repository: where it is and which segments it holds.
///
/// Guarantees: ``segments(_:)`` lists only files named like segments, sorted by first sequence.
struct SegmentDirectory: Sendable {
    let path: String

    init(dataDirectory: String, escapedRepository: String) {
        path = Self.reposPath(dataDirectory) + "/" + escapedRepository + "/wal"
    }

    static func reposPath(_ dataDirectory: String) -> String {
        (dataDirectory.hasSuffix("/") ? String(dataDirectory.dropLast()) : dataDirectory) + "/repos"
    }

    func segmentPath(_ firstSequence: UInt64) -> String {
        path + "/" + WALFormat.segmentFileName(firstSequence: firstSequence)
    }

    func segments(_ fs: any SegmentFileSystem) throws(SegmentIOError) -> [SegmentRef] {
        try fs.list(path)
            .compactMap { name in WALFormat.firstSequence(fromFileName: name).map { SegmentRef(firstSequence: $0, path: path + "/" + name) } }
            .sorted { $0.firstSequence < $1.firstSequence }
    }
}
